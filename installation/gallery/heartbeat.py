"""The show's heartbeat to systemd (the sd_notify protocol): READY=1 once the first frame is
drawn, WATCHDOG=1 every couple of seconds from the frame loop, STOPPING=1 at the end; a unit with
WatchdogSec= then restarts a show that froze, not only one that died (installation/gallery/
units.py). Each message is one datagram to $NOTIFY_SOCKET (an AF_UNIX socket; a name starting
with "@" is in Linux's abstract namespace). Where the variable is absent (not run by systemd) or
the system has no AF_UNIX (Windows), nothing is sent. The frame loop never waits on it: the
socket does not block, and a failed send is said once in the log, then ignored."""

import logging
import os
import socket
import time

log = logging.getLogger(__name__)

BEAT_EVERY_S = 2.0  # at most one WATCHDOG=1 this often (or half of WatchdogSec=, if shorter)


def notify_address(value: str | None) -> str | None:
    """$NOTIFY_SOCKET as an address for sendto: "@name" is "\\0name" (abstract)."""
    if not value or getattr(socket, "AF_UNIX", None) is None:
        return None
    return "\0" + value[1:] if value.startswith("@") else value


def beat_every_s(watchdog_usec: str | None) -> float:
    """Half the watchdog's limit, as sd_watchdog_enabled advises, but no more than BEAT_EVERY_S."""
    try:
        return min(BEAT_EVERY_S, int(watchdog_usec or "") / 2e6)
    except ValueError:
        return BEAT_EVERY_S


class Heartbeat:
    """beat() from each turn of the frame loop, stopping() once when the show ends."""

    def __init__(self, environ=os.environ, clock=time.monotonic):
        self.address = notify_address(environ.get("NOTIFY_SOCKET"))
        self.every_s = beat_every_s(environ.get("WATCHDOG_USEC"))
        self.clock, self.ready, self.last_beat = clock, False, float("-inf")
        self.failed = False  # a send failed and was said: later failures are quiet
        self.socket = None
        if self.address is not None:
            try:
                self.socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                self.socket.setblocking(False)
            except OSError as error:
                self._said(error)

    def beat(self) -> None:
        if self.socket is None:
            return
        if not self.ready:
            self.ready = True
            self._send(b"READY=1\nSTATUS=the show is on screen")
        now = self.clock()
        if now - self.last_beat >= self.every_s:
            self.last_beat = now
            self._send(b"WATCHDOG=1")

    def stopping(self) -> None:
        if self.socket is None:
            return
        self._send(b"STOPPING=1\nSTATUS=ending with a save")
        self.socket.close()
        self.socket = None

    def _send(self, message: bytes) -> None:
        try:
            self.socket.sendto(message, self.address)
        except OSError as error:  # a full queue, a socket gone: the show goes on regardless
            self._said(error)

    def _said(self, error: OSError) -> None:
        if not self.failed:
            self.failed = True
            log.warning("heartbeat: not sent to systemd (NOTIFY_SOCKET): %s; the show goes on, "
                        "but a watchdog may restart it", error)  # fmt: skip
