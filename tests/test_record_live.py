"""Recording the live show: R and OSC start and stop it; the file lasts as long as it was
recorded and holds what the voice said, read back with PyAV."""

import os
import queue
import signal
import subprocess
import sys
import time

import numpy as np
import pygame
import pytest

from engine.config import load_config
from installation.show.live_recording import new_recording_path
from installation.threads import Listen
from tests.conftest import ROOT, run_dreams
from tests.cutkit import sound, streams, subtitles, times_that_play, video_times
from tests.showkit import open_test_show, press, run_with, tiny_poet, when
from tests.test_osc import send, sender

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process

SIZE = ["record.width=320", "record.height=240"]


def drained(waiting: queue.Queue) -> list:
    return [waiting.get_nowait() for _ in range(waiting.qsize())]


def test_r_records_what_is_seen_and_heard_for_as_long_as_it_ran(
    tmp_path, shapes_film, poet_cache, tiny_model_dir
):
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        f"record.folder={tmp_path}",
        *SIZE,
        *tiny_poet(poet_cache, tiny_model_dir),
    )
    span, heard = {}, queue.Queue()  # every line the audience heard, recorded or not

    def actions():
        when(lambda: show.current is not None)
        show.narrator.inbox.send(Listen(heard))
        spoken = show.narrator.lines_spoken
        press(pygame.K_r)
        when(lambda: show.recording is not None)
        span["start"] = show.recording.started
        when(lambda: show.narrator.lines_spoken >= spoken + 2)
        time.sleep(1.0)
        span["stop"] = time.monotonic()
        press(pygame.K_r)
        when(lambda: show.recordings)

    run_with(show, actions)
    (path,) = tmp_path.glob("dreams-*.mp4")
    assert streams(path) == [("video", "h264"), ("audio", "aac")]
    times = video_times(path)
    recorded = span["stop"] - span["start"]
    assert abs(times[-1] - recorded) < 0.05 * recorded
    assert len(times) > 10 * recorded  # frames all along, not a few
    entries = subtitles(path.with_suffix(".srt"))
    said = [(line.started - span["start"], line.text) for line in drained(heard)]
    # each subtitle is a line heard, at the time it was heard; none heard while it ran is missing
    assert len(entries) >= 2
    for start, _, text in entries:
        assert any(abs(start - at) < 0.002 and text == line for at, line in said), (start, text)
    for at, line in said:
        if 0.5 < at < recorded - 0.5:
            assert any(abs(start - at) < 0.002 and text == line for start, _, text in entries)
    samples, rate = sound(path)
    for start, end, _ in entries[:2]:
        spoken = samples[int(start * rate) : int(min(end, recorded) * rate)]
        assert np.sqrt(np.mean(spoken**2)) > 0.01
    assert np.abs(samples[: int((entries[0][0] - 0.1) * rate)]).max() < 1e-3


def test_osc_starts_and_stops_a_recording(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", f"record.folder={tmp_path}",
                          *SIZE)  # fmt: skip
    port = show.osc.port
    sock = sender()

    def actions():
        when(lambda: show.current is not None)
        send(sock, port, "/dreams/record/start")
        when(lambda: show.recording is not None)
        time.sleep(1.5)
        send(sock, port, "/dreams/record/stop")
        when(lambda: show.recordings)

    run_with(show, actions)
    (path,) = tmp_path.glob("dreams-*.mp4")
    assert 1.0 < video_times(path)[-1] < 3.0


def test_a_recording_never_goes_over_one_that_is_there(tmp_path):
    config = load_config(None, [f"record.folder={tmp_path}"]).record
    first = new_recording_path(config)
    first.with_suffix(".srt").write_text("kept\n")  # R pressed twice within a second
    second = new_recording_path(config)
    assert second != first and second.parent == tmp_path
    mine = tmp_path / "mine.mp4"
    mine.with_suffix(".srt").write_text("my own subtitles\n")
    done = run_dreams("run", "--windowed", "--networks", "2", "--record", str(mine))
    assert done.returncode == 2 and "mine.srt exists" in done.stderr
    assert mine.with_suffix(".srt").read_text() == "my own subtitles\n" and not mine.exists()


# a live recording at 1080p of frames no encoder keeps up with (noise), at the screen's rate
BEHIND = """
import os, signal, sys, time
import numpy as np
from engine.config import RecordConfig
from installation.media.recorder import Recorder

def record_behind(path, seconds):
    noise = [np.random.default_rng(n).integers(0, 255, (1080, 1920, 3), np.uint8) for n in range(4)]
    recorder = Recorder(path, RecordConfig(width=1920, height=1080), fps=None)
    began = time.monotonic()
    while (now := time.monotonic() - began) < seconds:
        recorder.add_frame(noise[int(now * 60) % 4], now, wait=False)
        time.sleep(1 / 60)
    return recorder

if __name__ == "__main__":
    record_behind(sys.argv[1], 3.0)
    os.kill(os.getpid(), signal.SIGKILL)  # a crash, or the plug pulled
"""


def test_a_recording_behind_its_encoder_ends_quickly_and_drops_frames(tmp_path):
    namespace = {}
    exec(BEHIND, namespace)
    recorder = namespace["record_behind"](tmp_path / "live.mp4", 2.0)
    began = time.monotonic()
    summary = recorder.close()
    assert time.monotonic() - began < 1.5  # within the show's 2 s, not the encoder's backlog
    assert summary.dropped > 0 and summary.seconds > 1.5  # counted, and the whole time
    assert 1.5 < video_times(tmp_path / "live.mp4")[-1] < 2.1


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on Windows")
def test_a_killed_live_recording_plays_to_within_a_second_of_its_end(tmp_path):
    path = tmp_path / "live.mp4"
    subprocess.run([sys.executable, "-c", BEHIND, str(path)], cwd=ROOT, timeout=60,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})  # fmt: skip
    assert times_that_play(path)[-1] > 3.0 - 1.0  # a player stops at the half packet a kill leaves
