"""A film from a stream URL over a real socket (an HTTP server on loopback): it plays, it drops
when the server goes away, the show dreams on from memory, and it comes back on reconnect."""

import functools
import http.server
import threading
import time

import cv2
import pytest

from engine.mind.film import FilmSource
from tests.showkit import open_test_show, when
from tests.synthetic import shapes_frame


@pytest.fixture
def served_film(tmp_path):
    """An MJPEG AVI (readable front to back, no seeking) served over HTTP on 127.0.0.1."""
    writer = cv2.VideoWriter(
        str(tmp_path / "shapes.avi"), cv2.VideoWriter_fourcc(*"MJPG"), 25, (96, 72)
    )
    for index in range(40):
        writer.write(shapes_frame(index))
    writer.release()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, f"http://127.0.0.1:{server.server_address[1]}/shapes.avi"
    server.shutdown()
    server.server_close()


def test_a_stream_plays_drops_and_comes_back(served_film):
    server, url = served_film
    film = FilmSource(url, 64)
    assert film.is_live and film.kind == "stream"
    frames = 0
    while film.read() is not None:  # the stream's end is a drop for a live source
        frames += 1
    assert frames >= 30
    assert film.reconnect() and film.read() is not None  # the server is still there
    server.shutdown()
    server.server_close()
    assert not film.reconnect()  # gone: no exception, just no frames
    assert film.read() is None


@pytest.mark.slow
def test_the_show_dreams_on_when_the_stream_is_gone(served_film, tmp_path):
    server, url = served_film
    show = open_test_show(tmp_path, f"film.source={url}", "film.reconnect_s=0.2", duration=60)
    seen = {}

    def person():
        when(lambda: show.current is not None and show.current.number >= 2)
        server.shutdown()
        server.server_close()
        when(lambda: show.film.frames_read >= 40)  # every frame the server sent, then nothing
        seen["number"] = show.trainer.number
        when(lambda: show.trainer.number >= seen["number"] + 10)  # dreaming on from memory
        show.stop()

    helper = threading.Thread(target=person)
    started = time.monotonic()
    helper.start()
    summary = show.run()
    helper.join()
    assert summary.networks_created >= seen["number"] + 10
    assert summary.threads_left == [] and time.monotonic() - started < 60
