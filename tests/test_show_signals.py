"""The real `dreams run` in a child process: Ctrl-C, SIGTERM, a closed terminal (SIGHUP) and
SIGUSR1 end the show quickly with a save, and a cut as Ctrl-C does; one show per state folder,
and a crash never leaves the lock."""

import re
import signal
import subprocess
import time

import pytest

from tests.conftest import DREAMS, ROOT, as_options, run_dreams
from tests.cutkit import video_frames
from tests.showkit import tiny_poet
from tests.test_cli import start_dreams, wait_for_line

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process


def show_in(folder, film, *args):
    return start_dreams(
        "run", "--windowed", "--film", str(film), "--set", "poet.enabled=false",
        "--set", "osc.port=0", "--set", "web.port=0", "--set", f"state.folder={folder}", *args,
    )  # fmt: skip


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1])
def test_a_signal_ends_the_show_quickly_with_a_save(signum, shapes_film, tmp_path):
    process = show_in(tmp_path, shapes_film)
    try:
        lines = wait_for_line(process, "network 1 is on screen")
        time.sleep(0.5)
        sent = time.monotonic()
        process.send_signal(signum)
        assert process.wait(timeout=10) == 0
        assert time.monotonic() - sent < 3.0  # threads stop within 2 s, then the process exits
        time.sleep(0.1)
        text = "".join(lines)
        assert f"{signal.Signals(signum).name} received; ending as Ctrl-C does" in text
        assert re.search(r"state: network \d+ saved", text) and "ended after" in text
        assert "Traceback" not in text
        log = (tmp_path / "dreams.log").read_text()
        assert f"{signal.Signals(signum).name} received" in log
    finally:
        process.kill()


def test_one_show_per_state_folder_and_no_stale_lock_after_a_crash(shapes_film, tmp_path):
    first = show_in(tmp_path, shapes_film)
    try:
        wait_for_line(first, "network 1 is on screen")
        second = run_dreams("run", "--windowed", "--film", str(shapes_film), "--set",
                            f"state.folder={tmp_path}", "--networks", "2")  # fmt: skip
        assert second.returncode == 2 and "Traceback" not in second.stderr
        (line,) = [line for line in second.stderr.splitlines() if "error:" in line]
        assert str(tmp_path) in line and f"pid {first.pid}" in line
        first.send_signal(signal.SIGKILL)  # a crash: the kernel drops the lock
        first.wait(timeout=10)
    finally:
        first.kill()
    again = run_dreams("run", "--windowed", "--film", str(shapes_film), "--set",
                       f"state.folder={tmp_path}", "--networks", "2")  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert "2 networks created" in again.stderr


def test_an_end_while_the_poet_is_prepared_exits_cleanly(shapes_film, poet_cache, tiny_model_dir,
                                                         tmp_path):  # fmt: skip
    """The poet's first preparation counts the corpus's words (half a minute on the real one):
    a show ended meanwhile must exit 0, not abort in the preparation's thread at the exit."""
    cache = tmp_path / "cache"
    cache.mkdir()
    for source in poet_cache.glob("corpus-v*.json"):
        if not source.name.endswith(".words.json"):  # the counts are what the poet prepares
            (cache / source.name).write_bytes(source.read_bytes())
    (text,) = poet_cache.glob("corpus-v*.txt")
    (cache / text.name).write_bytes(text.read_bytes() * 20)  # about the real corpus's length
    process = show_in(tmp_path, shapes_film, *as_options(tiny_poet(cache, tiny_model_dir)))
    try:
        lines = wait_for_line(process, "counting the corpus's words")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=10) == 0
        time.sleep(0.1)  # the reader's last lines
        text = "".join(lines)
        assert "the show ended while the poet was being prepared" in text
        assert "terminate called" not in text and "Traceback" not in text
    finally:
        process.kill()


LONG_STEPS = [
    ("dream.steps_per_frame=40",),  # forty short steps a frame
    ("dream.resolution=256", "dream.batch_size=64"),  # one step of several seconds on a CPU
]


@pytest.mark.parametrize("long_step", LONG_STEPS, ids=["many steps", "one long step"])
def test_an_end_during_a_long_step_saves_every_network(long_step, shapes_film, tmp_path):
    """Many steps a frame (allowed over OSC too) end between two steps; one long step (a large
    mind on a CPU) is waited for, said: the mind is saved whole, never lost to an aborted exit."""
    process = show_in(tmp_path, shapes_film, *as_options(long_step))
    try:
        lines = wait_for_line(process, "is on screen, the first of this run")
        time.sleep(0.5)  # into the next frame's steps
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
        waited = time.monotonic() - sent
        time.sleep(0.1)
        text = "".join(lines)
        saved = int(re.search(r"state: network (\d+) saved", text).group(1))
        assert re.search(rf"ended after [\d.]+ s at network {saved}:", text), text
        assert "not saved" not in text and "Traceback" not in text
        if "steps_per_frame" in long_step[0]:  # ended between two steps, before the frame's end
            # (the save and the exit alone take 2 or 3 s, and took 3.4 beside a full test run)
            assert waited < 6.0 and 40 < saved < 80
        elif waited > 6.0:  # the step outlived the 2 s (the save and the exit take 2 or 3 s)
            assert "saving... the trainer is finishing network" in text
    finally:
        process.kill()


@pytest.mark.skipif(not hasattr(signal, "SIGHUP"), reason="no SIGHUP on Windows")
def test_a_closed_terminal_interrupts_a_cut_that_resume_finishes(tmp_path):
    out, networks = tmp_path / "cut.mp4", 30
    args = ["record", "--networks", str(networks), "--out", str(out), "--size", "160x90",
            "--set", "record.title_s=0", "--set", "record.credits_s=0",
            "--set", "poet.enabled=false", "--set", f"state.folder={tmp_path}"]  # fmt: skip
    process = subprocess.Popen([*DREAMS, *args], cwd=ROOT, stderr=subprocess.DEVNULL)
    try:
        log = out.with_name("cut.log.jsonl")
        while not (log.exists() and log.read_text().count('"network"') >= 5):
            assert process.poll() is None
            time.sleep(0.1)
        process.send_signal(signal.SIGHUP)
        assert process.wait(timeout=30) == 130  # as Ctrl-C: a checkpoint, --resume goes on
    finally:
        process.kill()
    resumed = run_dreams(*args, "--resume")
    assert resumed.returncode == 0 and "Traceback" not in resumed.stderr, resumed.stderr
    assert len(video_frames(out)) == networks
