"""The gallery's service: `dreams service install | remove` writes (and takes away) what starts
the show with the user's session on Linux (systemd), macOS (launchd) and Windows (Task
Scheduler), each read back here; and the show's heartbeat, which systemd's watchdog restarts a
frozen show by, received on a notify socket of our own."""

import logging
import os
import socket

import pytest

from installation.gallery.heartbeat import Heartbeat
from tests.conftest import run_dreams

needs_unix = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX here")


def listening(address: str) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.setblocking(False)
    return listener


def received(listener: socket.socket) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(listener.recv(4096).decode())
        except BlockingIOError:
            return messages


@needs_unix
def test_a_show_run_by_systemd_says_ready_beats_and_stopping(shapes_film, tmp_path):
    address = tmp_path / "notify"
    with listening(str(address)) as listener:
        env = {"NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "30000000"}
        result = run_dreams("run", "--windowed", "--film", str(shapes_film), "--duration", "7",
                            env=env)  # fmt: skip
        assert result.returncode == 0, result.stderr
        messages = received(listener)
    assert messages[0].startswith("READY=1")
    assert messages[-1].startswith("STOPPING=1")
    beats = messages[1:-1]
    assert set(beats) == {"WATCHDOG=1"} and 3 <= len(beats) <= 5  # one every 2 s, not a flood
    assert "heartbeat" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/proc/net/unix"), reason="abstract sockets are Linux's")
def test_an_abstract_notify_socket_and_the_beats_rate_limited():
    name = f"dreams-test-{os.getpid()}"
    now = [100.0]
    with listening("\0" + name) as listener:
        heartbeat = Heartbeat({"NOTIFY_SOCKET": "@" + name}, clock=lambda: now[0])
        for _ in range(50):  # frames at 50 fps for 3.5 s
            heartbeat.beat()
            now[0] += 0.07
        heartbeat.stopping()
        messages = received(listener)
    assert [m.split("\n")[0] for m in messages] == ["READY=1", *["WATCHDOG=1"] * 2, "STOPPING=1"]


@needs_unix
def test_a_notify_socket_that_is_gone_is_one_log_line(tmp_path, caplog):
    heartbeat = Heartbeat(
        {"NOTIFY_SOCKET": str(tmp_path / "nobody")}, clock=iter(range(99)).__next__
    )
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            heartbeat.beat()
        heartbeat.stopping()
    assert len(caplog.records) == 1 and "heartbeat" in caplog.text


def test_without_notify_socket_nothing_is_sent():
    heartbeat = Heartbeat({})
    heartbeat.beat()
    heartbeat.stopping()
    assert heartbeat.socket is None
