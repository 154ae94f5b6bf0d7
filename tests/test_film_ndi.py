"""A live feed as the film: our own NDI output (installation's sender, as video out uses it)
watched back as a film, by address (discovery needs mDNS, which this machine lacks); a sender
that stops and comes back; names that find nothing; Spout and Syphon refused in a line."""

import logging
import math
import sys
import threading
import time

import numpy as np
import psutil
import pytest

from engine.config import Config, DreamConfig
from engine.errors import FilmError
from engine.mind.film import FilmSource, is_path
from engine.mind.film_ndi import pick
from engine.mind.memory import FrameMemory
from engine.mind.trainer import Trainer
from installation.bench.video_out import source_port
from installation.show.film_thread import FilmThread, impossible_source

pytest.importorskip("NDIlib")
from installation.media.video_backends import NdiSender  # noqa: E402

WIDTH, HEIGHT = 320, 180


def square_at(index: int) -> np.ndarray:
    """An RGBX picture: black, a bright amber square moving left to right."""
    picture = np.zeros((HEIGHT, WIDTH, 4), np.uint8)
    left = 40 + (index * 8) % 200
    picture[60:120, left : left + 60, :3] = (250, 210, 20)
    return picture


class Show:
    """Our NDI output, sending the moving square at 30 frames a second until stopped."""

    def __init__(self, name: str = "DreamsTest"):
        before = _listening()
        self.sender = NdiSender(name, 30)
        self.port = source_port(_listening() - before)
        self.sent, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._send, daemon=True)
        self._thread.start()

    def _send(self) -> None:
        while not self._stop.wait(1 / 30):
            self.sender.send(square_at(self.sent))
            self.sent += 1

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sender.close()


def _listening() -> set[int]:
    time.sleep(0.2)  # NDI opens its ports on its own thread
    connections = psutil.Process().net_connections(kind="tcp")
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}


@pytest.fixture
def show():
    show = Show()
    yield show
    show.stop()


def test_our_ndi_output_is_a_film_the_mind_learns_from(show):
    film = FilmSource(f"ndi:127.0.0.1:{show.port}", (32, 56))
    assert film.is_live and film.kind == "ndi" and math.isclose(film.ratio, WIDTH / HEIGHT)
    frames = [film.read() for _ in range(20)]
    assert all(f is not None and f.shape == (32, 56, 1) for f in frames)
    assert film.frames_read == 20 and 25 <= film.fps <= 35
    # the square, grey and resized: bright in its rows, black above and below; and it moves
    assert all(f[13:19].max() > 150 and f[:8].max() < 40 and f[-8:].max() < 40 for f in frames)
    columns = {int(np.argmax(f[16, :, 0] > 128)) for f in frames}
    assert len(columns) > 3
    memory = FrameMemory(16, (32, 56), 1, "cpu")
    for frame in frames:
        memory.append(frame)
    trainer = Trainer(DreamConfig(resolution=32, width=8, batch_size=4, seed=1), memory)
    before = [p.detach().clone() for p in trainer.generator.parameters()]
    networks = [trainer.step() for _ in range(3)]
    assert networks[-1].number == 3 and all(math.isfinite(n.d_loss) for n in networks)
    after = list(trainer.generator.parameters())
    assert any(not np.allclose(a.detach(), b) for a, b in zip(after, before, strict=True))
    film.close()
    colour = FilmSource(f"ndi:127.0.0.1:{show.port}", (32, 56), color=True)
    red, _, blue = colour.read()[16].max(axis=0).astype(int)  # RGB, as the dreamer wants it
    assert red > 200 and blue < 100
    colour.close()


def test_a_sender_that_stops_is_retried_and_watched_again(caplog):
    show = Show()
    config = Config().with_changes("film", reconnect_s=0.2)
    film = FilmSource(f"ndi:127.0.0.1:{show.port}", (32, 56))
    memory, stop = FrameMemory(64, (32, 56), 1, "cpu"), threading.Event()
    watcher = FilmThread(config, film, memory, stop)
    watcher.thread.start()
    try:
        _until(lambda: memory.frames_seen > 5)
        show.stop()
        with caplog.at_level(logging.INFO):
            _until(lambda: "gives no frames" in caplog.text)
            seen = memory.frames_seen
            show = Show()  # back, on the same port
            _until(lambda: memory.frames_seen > seen + 5)
        assert "is back" in caplog.text and "reconnecting" in caplog.text
    finally:
        stop.set()
        watcher.thread.join(5)
        show.stop()
        film.close()


def _until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "not in time"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_name_no_ndi_source_has_is_one_line():
    began = time.monotonic()
    with pytest.raises(FilmError, match=r"no NDI source named 'Nowhere' found .*ndi:ip:port"):
        FilmSource("ndi:Nowhere", 64)
    assert time.monotonic() - began < 6


@pytest.mark.slow
def test_an_address_where_nothing_sends_is_one_line_and_nothing_left_trying():
    with pytest.raises(FilmError, match="NDI source ndi:127.0.0.1:9 sends no frames"):
        FilmSource("ndi:127.0.0.1:9", 64)
    time.sleep(0.5)
    cpu = time.process_time()  # a receiver left behind tries to connect for ever, a core's worth
    time.sleep(1.5)
    assert time.process_time() - cpu < 0.3


@pytest.mark.parametrize(
    "source, words",
    [("ndi:", "name the ndi source"), ("ndi:  ", "name the ndi source")]
    + [("spout:Resolume", "needs Windows and SpoutGL")] * (sys.platform != "win32")
    + [("syphon:Resolume", "needs macOS and syphon-python")] * (sys.platform != "darwin"),
)
def test_feeds_that_cannot_be_watched_here(source, words):
    with pytest.raises(FilmError, match=words):
        FilmSource(source, 64)


def test_without_ndi_python_an_ndi_film_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "NDIlib", None)  # what a machine without the package has
    with pytest.raises(FilmError, match=r"ndi: needs the ndi-python package; pip install"):
        FilmSource("ndi:Dreams", 64)


def test_feed_names_are_not_paths():
    for source in ("ndi:Dreams", "ndi:STUDIO (Resolume Arena)", "NDI:127.0.0.1:5961", "spout:X"):
        assert not is_path(source) and impossible_source(source) is None


def test_a_source_is_found_by_any_part_of_its_name():
    import NDIlib

    def source(name):
        found = NDIlib.Source()
        found.ndi_name = name
        return found

    listed = [source(n) for n in ("STUDIO (Resolume Arena)", "VM (Dreams 2)", "VM (Dreams)")]
    assert pick(listed, "resolume").ndi_name == "STUDIO (Resolume Arena)"
    assert pick(listed, "vm (dreams)").ndi_name == "VM (Dreams)"  # the whole name first
    assert pick(listed, "Dreams").ndi_name == "VM (Dreams 2)"  # else the first by name
    assert pick(listed, "TouchDesigner") is None
