"""Video out over NDI: the real show sends its picture, and a real NDI receiver in this process
takes it, connected by URL as OBS or Resolume would be where discovery (mDNS) finds nothing."""

import logging
import os
import time

import numpy as np
import pygame
import pytest

from installation.bench.video_out import listening_ports, source_port
from tests.conftest import run_dreams
from tests.showkit import open_test_show, press, run_with, tiny_poet, when

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process

ndi = pytest.importorskip("NDIlib")


def open_sending_show(tmp_path, *settings, name: str):
    """A show with video out on, and the port its NDI source listens on, among the ports that
    opening it opened (the first source of a process also opens NDI's own, 5960)."""
    before = listening_ports()
    show = open_test_show(tmp_path, "video_out.enabled=true", f"video_out.name={name}",
                          *settings)  # fmt: skip
    opened = listening_ports() - before
    assert source_port(opened), "the NDI source listens on no port"
    return show, source_port(opened)


class Receiver:
    """An NDI receiver taking RGBX frames from 127.0.0.1:port."""

    def __init__(self, port: int):
        assert ndi.initialize()
        settings = ndi.RecvCreateV3()
        settings.color_format = ndi.RECV_COLOR_FORMAT_RGBX_RGBA
        self.receiver = ndi.recv_create_v3(settings)
        source = ndi.Source()
        source.url_address = f"127.0.0.1:{port}"
        ndi.recv_connect(self.receiver, source)
        self.frames, self.last, self.size = 0, None, None

    def take(self, seconds: float) -> None:
        """Every frame that arrives for so long; the last kept as RGB."""
        until = time.monotonic() + seconds
        while time.monotonic() < until:
            kind, video, _, _ = ndi.recv_capture_v2(self.receiver, 100)
            if kind == ndi.FRAME_TYPE_VIDEO:
                self.frames += 1
                self.size = (video.xres, video.yres)
                self.last = np.array(video.data[..., :3], dtype=int)
                ndi.recv_free_video_v2(self.receiver, video)

    def close(self) -> None:
        ndi.recv_destroy(self.receiver)


def screenshot(path) -> np.ndarray:
    return pygame.surfarray.array3d(pygame.image.load(str(path))).swapaxes(0, 1).astype(int)


@pytest.mark.parametrize("subtitles", [True, False])
def test_a_receiver_sees_the_show(tmp_path, poet_cache, tiny_model_dir, subtitles):
    """What the audience sees, the subtitle with it; or with `video_out.subtitles = false` the
    dreams alone: the same picture, without the line (and the film's credit)."""
    show, port = open_sending_show(
        tmp_path, "film.color=true", "screen.zoom=0", *tiny_poet(poet_cache, tiny_model_dir),
        "poet.line_s=20", "voice.enabled=false", f"video_out.subtitles={str(subtitles).lower()}",
        name=f"dreams-test-{os.getpid()}-{subtitles}",
    )  # fmt: skip
    receiver, window = Receiver(port), {}

    def person():
        window["size"] = show.window.size
        when(lambda: show.current is not None and show.current.number >= 3)
        press(pygame.K_SPACE)  # pause learning: the picture stays still
        when(lambda: show.dreaming.paused and show.screen.subtitles.line is not None)
        receiver.take(1.0)  # past the line's fade-in
        press(pygame.K_s)
        when(lambda: len(list(tmp_path.glob("dreams-*.png"))) == 1)
        receiver.take(1.0)
        press(pygame.K_q)

    try:
        summary = run_with(show, person)
    finally:
        receiver.close()
    video_out = show.video_out
    assert 10 <= receiver.frames <= video_out.sent <= summary.frames_drawn
    assert receiver.size == window["size"] == (320, 240)
    (shot,) = tmp_path.glob("dreams-*.png")
    shown, sent = screenshot(shot), receiver.last
    dream = slice(60, 160)  # rows clear of the subtitle and the credit
    assert shown[dream].std() > 5  # a dream, not black
    # NDI compresses: 3 on average here; red and blue swapped 22, moved 4 pixels over 9
    assert np.abs(shown[dream] - sent[dream]).mean() < 5
    line = slice(180, 240)  # where the subtitle and the credit are set
    letters = np.abs(shown[line] - sent[line]).mean()
    assert letters < 5 if subtitles else letters > 10  # 3 with the line sent, 17 without


@pytest.mark.parametrize("kind", ["syphon", "spout"])
def test_a_kind_this_system_cannot_send_is_one_line_and_exit_2(kind):
    result = run_dreams("run", "--windowed", "--duration", "5", "--set", "video_out.enabled=true",
                        "--set", f"video_out.kind={kind}")  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert f'video_out.kind = "{kind}"' in line and '"ndi"' in line


class Stumbling:
    """The real NDI sender behind a network that fails for its first second, then is slow."""

    def __init__(self, sender):
        self.sender, self.since = sender, time.monotonic()

    def send(self, frame) -> None:
        if time.monotonic() - self.since < 1.0:
            raise OSError("the network is down")
        time.sleep(0.1)
        self.sender.send(frame)

    def close(self) -> None:
        self.sender.close()


def test_a_failing_or_slow_send_costs_frames_not_the_show(tmp_path, shapes_film, caplog):
    show, _ = open_sending_show(
        tmp_path,
        f"film.source={shapes_film}",
        "state.summary_every_s=1",
        name=f"dreams-test-{os.getpid()}-slow",
    )
    video_out = show.video_out
    video_out.backend = Stumbling(video_out.backend)
    with caplog.at_level(logging.INFO):
        summary = run_with(show, lambda: time.sleep(3.0))
    failures = [r for r in caplog.records if "video out: sending a frame failed" in r.message]
    assert video_out.failed > 20 and 1 <= len(failures) <= 2  # logged once a second at most
    assert summary.thread_faults == 0 and video_out.sent >= 5  # survived, sending again
    assert video_out.dropped > 0  # the main loop never waited for a slow send
    offered = video_out.sent + video_out.dropped + video_out.failed
    assert summary.frames_drawn - 1 <= offered <= summary.frames_drawn  # one may wait unsent
    summaries = [r.message for r in caplog.records if r.message.startswith("summary:")]
    assert summaries and "video out frames dropped" in summaries[-1]
    assert int(summaries[-1].split("video out frames dropped ")[1].split()[0]) > 0
