"""Weeks on a gallery wall: the show resumes after a power cut, passes over a damaged save,
survives a diverging network, a film deleted under it and a full disk."""

import math
import os
import random
import resource
import shutil
import signal
import subprocess
import time

import pytest
import torch

from engine.mind.saves import SavesFolder
from tests.conftest import DREAMS, ROOT
from tests.oscclient import Listener
from tests.showkit import open_test_show, run_with, when

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process

SAVE_EVERY_S = 2.0


def start_show(folder, *args, limit_file_size=None) -> subprocess.Popen:
    """`dreams run` headless with its saves in `folder`."""

    def limit():  # a file size limit stands in for a full disk: writes really fail
        if limit_file_size:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit_file_size, limit_file_size))

    command = [
        *DREAMS, "run", "--windowed",
        "--set", "poet.enabled=false", "--set", "osc.port=0", "--set", "web.port=0",
        "--set", f"state.folder={folder}", "--set", f"state.save_every_s={SAVE_EVERY_S}",
        *args,
    ]  # fmt: skip
    return subprocess.Popen(
        command, cwd=ROOT, stderr=subprocess.PIPE, text=True, preexec_fn=limit, env=os.environ
    )


def finish(process: subprocess.Popen) -> str:
    _, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors
    return errors


def test_killed_at_a_random_moment_it_resumes_from_the_last_save(tmp_path):
    folder = SavesFolder(tmp_path, keep=3)
    show = start_show(tmp_path)
    deadline = time.monotonic() + 90
    while not folder.saves():  # the first save
        assert time.monotonic() < deadline and show.poll() is None, "no save was written"
        time.sleep(0.1)
    time.sleep(random.uniform(0, 2 * SAVE_EVERY_S))
    show.send_signal(signal.SIGKILL)  # the plug pulled
    killed_at = time.time()
    show.wait()
    newest = folder.saves()[0]
    assert killed_at - newest.stat().st_mtime < SAVE_EVERY_S + 2.0  # at most a save's worth lost
    saved, _ = folder.newest_good()
    number = saved["trainer"]["number"]
    assert number >= 1

    errors = finish(start_show(tmp_path, "--networks", "5"))
    assert f"resumed: the mind of network {number:,}" in errors
    assert f"at network {number + 5}: 5 networks created" in errors
    assert not list(tmp_path.glob(".*.partial"))  # a half-written save is cleared away
    log = (tmp_path / "dreams.log").read_text()
    assert f"network {number + 5} state: network {number + 5} saved" in log


def test_a_damaged_save_is_passed_over_for_the_one_before(tmp_path):
    finish(start_show(tmp_path, "--networks", "3"))
    folder = SavesFolder(tmp_path, keep=3)
    good = folder.saves()[0]
    damaged = tmp_path / "mind-000099.state"
    data = bytearray(good.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(data)
    (tmp_path / "mind-000100.state").write_bytes(b"dreams-state-1\n")  # cut off at once

    errors = finish(start_show(tmp_path, "--networks", "2"))
    assert "mind-000100.state is not a Dreams state file" in errors
    assert "mind-000099.state is damaged" in errors
    assert "resumed: the mind of network 3" in errors and "at network 5" in errors

    errors = finish(start_show(tmp_path, "--networks", "2", "--fresh"))
    assert "a blank mind; the earlier saves are kept in" in errors and "at network 2:" in errors
    assert (tmp_path / "mind-000099.state.damaged").exists()
    assert len(list((tmp_path / "earlier").glob("*/mind-*.state"))) == 2  # 1 and the resumed 101


def test_a_full_disk_is_survived(tmp_path):
    errors = finish(start_show(tmp_path, "--networks", "40", limit_file_size=1_000_000))
    assert "not saved in" in errors and "File too large" in errors
    assert "at network 40: 40 networks created" in errors
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("mind-", ".mind-"))]


@pytest.mark.parametrize("room", [0, 1000], ids=["full at the start", "filled mid-show"])
def test_a_log_on_a_full_disk_is_one_line_and_the_show_goes_on(room, tmp_path):
    errors = finish(start_show(tmp_path, "--networks", "5", limit_file_size=room or 1))
    assert "Logging error" not in errors and "Traceback" not in errors, errors
    (said,) = [line for line in errors.splitlines() if "dreams.log" in line]
    assert "cannot be written (File too large); the show goes on" in said
    assert "at network 5: 5 networks created" in errors


def test_a_planted_nan_is_a_rebirth_and_the_show_goes_on(tmp_path, shapes_film):
    listener = Listener()
    show = open_test_show(
        tmp_path,
        "screen.hud=true",
        f"film.source={shapes_film}",
        "dream.snapshot_every=5",
        f"osc.targets=127.0.0.1:{listener.port}",
    )

    def actions():
        when(lambda: show.current is not None and show.current.number >= 8)
        with torch.no_grad():  # as if a bad step had poisoned the weights
            for weight in show.trainer.discriminator.parameters():
                weight.fill_(math.nan)
        when(lambda: show.dreaming.guardian.rebirths == 1)
        reborn = show.trainer.number
        when(lambda: show.current.number >= reborn + 10)
        assert math.isfinite(show.current.d_loss) and show.dreaming.guardian.weights_finite()
        assert "reborn 1 time" in show.hud_lines()[0]
        when(lambda: listener.got("/dreams/rebirths") == [(1,)], timeout=5)
        assert ("rebirth",) in listener.got("/dreams/event")

    try:
        summary = run_with(show, actions)
    finally:
        listener.close()
    assert summary.rebirths == 1


def test_the_film_deleted_mid_show_the_dreams_go_on(tmp_path, shapes_film, caplog):
    film = shutil.copy(shapes_film, tmp_path / "film.mp4")
    show = open_test_show(tmp_path, f"film.source={film}")

    def actions():
        when(lambda: show.current is not None)
        os.remove(film)
        when(lambda: "gives no frames" in caplog.text)  # the film ended, and is not there
        number = show.current.number
        when(lambda: show.current.number >= number + 20)  # dreaming on from memory

    run_with(show, actions)


def test_the_screen_says_the_mind_was_resumed(tmp_path, shapes_film):
    state = (f"film.source={shapes_film}", "state.enabled=true", f"state.folder={tmp_path}")
    first = open_test_show(tmp_path, *state, "screen.hud=true", networks=5)
    assert first.hud_lines() == [f"a blank mind is watching {first.film.name}"]
    assert first.run().last_network == 5

    again = open_test_show(tmp_path, *state, "screen.hud=false", networks=3)

    def actions():
        when(lambda: again.current is not None)
        notice = again.hud_lines()  # said even with the HUD off, for its first seconds
        assert len(notice) == 1 and notice[0].startswith("resumed: the mind of network 5, saved")

    assert run_with(again, actions, end_with_actions=False).last_network == 8


def test_a_square_minds_save_is_kept_aside_when_the_dreams_take_the_films_shape(tmp_path):
    """A save from before dreams took the film's shape (a square mind) under the default
    aspect: a blank mind of the film's shape, the save kept whole in earlier/, and the screen
    says why; the square mind still wakes where the aspect is square."""
    state = ("state.enabled=true", f"state.folder={tmp_path}")
    square = open_test_show(tmp_path, *state, "dream.aspect=square", networks=4)
    assert square.trainer.size == (64, 64) and square.run().last_network == 4

    wide = open_test_show(tmp_path, *state, networks=3)
    assert wide.trainer.size == (64, 112) and wide.trainer.number == 0
    (kept,) = (tmp_path / "earlier").glob("*/mind-*.state")
    seen = []

    def actions():
        when(lambda: wide.current is not None)
        seen.extend(wide.hud_lines())  # said on screen with the HUD off, for its first seconds

    run_with(wide, actions, end_with_actions=False)
    (notice,) = seen
    assert notice.startswith("a blank mind: the saved one is of another shape")
    assert str(kept.parent) in notice

    kept.replace(tmp_path / kept.name)  # put back: a square show wakes it
    again = open_test_show(tmp_path, *state, "dream.aspect=square", networks=1)
    assert again.trainer.number == 4 and again.run().last_network == 5
