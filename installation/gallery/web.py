"""The web thread: the status page's server (site.py answers each request).

Why the standard library's ThreadingHTTPServer: a handful of endpoints, no new dependency, kept
with Python itself (prometheus_client serves its own /metrics from the same server). Its docs warn
against it for production because of SimpleHTTPRequestHandler's files: nothing here reads a file.
What a public server needs around it is done here: the allow-list and a token bucket before a
request gets a thread (like OSC's gate), a bound on the requests answered at once, a time limit on
a slow client, one log line a second for bad requests.
"""

import ipaddress
import logging
import os
import socket
import threading
from http.server import ThreadingHTTPServer

from engine.addresses import ip_networks
from engine.config import WebConfig
from engine.errors import ConfigError, DreamsError
from installation.gallery.site import Handler, Site
from installation.rate import Gate
from installation.threads import Inbox

log = logging.getLogger(__name__)

POLL_S = 0.2  # the thread looks for a stop this often
ANSWERING_AT_ONCE = 16  # requests answered at the same time; more are closed at once


class WebError(DreamsError):
    pass


def check_web(config: WebConfig) -> bool:
    """True when web.host is this machine's loopback. Beyond it a token is required, and the
    host must be one of this machine's: said now, in one line, before the window opens."""
    try:
        infos = socket.getaddrinfo(config.host, 0, type=socket.SOCK_STREAM)
        with socket.socket(infos[0][0], socket.SOCK_STREAM) as probe:
            probe.bind((config.host, 0))
    except OSError as error:
        raise ConfigError(
            f"web.host = {config.host!r} is not an address of this machine "
            f'({error.strerror or error}); use "127.0.0.1" (this machine only) or "0.0.0.0" '
            "(the network, with web.token)"
        ) from None
    loopback = all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)
    if not loopback and not config.token:
        raise ConfigError(
            f"web.host = {config.host!r} opens the status page beyond this machine: set "
            'web.token (16 or more characters, e.g. python -c "import secrets; '
            'print(secrets.token_urlsafe())") or use web.host = "127.0.0.1"'
        )
    return loopback


class _Gate(Gate):
    """Who may ask (this machine, and the allow-list if there is one) and how often (a token
    bucket for the whole server: a flood is cut before it costs a thread)."""

    def __init__(self, config: WebConfig):
        self.allowed = ip_networks(config.allow)
        super().__init__(self._allowed, config.max_requests_per_s, config.burst)

    def _allowed(self, host: str) -> bool:
        address = ipaddress.ip_address(host.split("%", 1)[0])
        address = getattr(address, "ipv4_mapped", None) or address
        if address.is_loopback or not self.allowed:
            return True
        return any(address in network for network in self.allowed)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # the show's end never waits for a phone
    allow_reuse_address = os.name != "nt"  # on Windows it would let two servers share a port
    gate: _Gate
    site: Site

    def __init__(self, address, handler):
        self.answering = threading.BoundedSemaphore(ANSWERING_AT_ONCE)
        super().__init__(address, handler)

    def verify_request(self, request, client_address) -> bool:
        admitted = self.gate.admits(client_address[0])
        if not admitted:
            self.site.say_refused(client_address[0], self.gate)
        return admitted

    def process_request(self, request, client_address) -> None:
        if not self.answering.acquire(blocking=False):
            self.gate.dropped += 1
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.answering.release()

    def handle_error(self, request, client_address) -> None:
        log.debug("web: a request from %s failed", client_address, exc_info=True)


class _Server6(_Server):
    address_family = socket.AF_INET6


class WebServer:
    """The page and its API on web.host:web.port; button presses go into `commands`, the inbox
    that OSC and MIDI share, drained by the main loop."""

    def __init__(self, config: WebConfig, commands: Inbox):
        loopback = check_web(config)
        self.site = Site(config, commands, loopback)
        family = socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM)[0][0]
        kind = _Server6 if family == socket.AF_INET6 else _Server
        try:
            self._server = kind((config.host, config.port), Handler)
        except OSError as error:
            raise WebError(
                f"the status page cannot listen on {config.host}:{config.port} "
                f"({error.strerror}); choose another web.port (0 for any free one), stop what "
                "uses it, or --set web.enabled=false"
            ) from None
        self._server.timeout = POLL_S
        self._server.site, self._server.gate = self.site, _Gate(config)
        self.port = self._server.server_address[1]
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="web", daemon=True)

    @property
    def gate(self) -> _Gate:
        return self._server.gate

    def loop(self) -> None:
        """The web thread's loop: one request at a time is accepted, each answered on a thread
        of its own, until stop()."""
        while not self._stop.is_set():
            self._server.handle_request()

    def publish(self, show) -> None:
        """On the main thread, every frame: the figures and the picture the page reads."""
        self.site.publisher.frame(show)

    def stop(self) -> None:
        """Stop accepting (from another thread) and close the socket, within POLL_S or so."""
        self._stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(2 * POLL_S + 0.5)
        self.close()

    def close(self) -> None:
        self._server.server_close()
