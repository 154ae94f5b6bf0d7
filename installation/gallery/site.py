"""What the status page answers: each request checked (the token, in constant time), then one
of a fixed table of answers built in memory. No answer reads a file: there is nothing on disk a
request could reach. Button presses cross to the show as OSC's commands, through the same checks
(installation/play/osc.py command_for) and into the same inbox."""

import hashlib
import hmac
import ipaddress
import json
import logging
import threading
import time
from http.cookies import CookieError, SimpleCookie
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

import cv2
import numpy as np

from engine.config import WebConfig
from installation.gallery.metrics import metrics_text
from installation.gallery.page import login_page, status_page
from installation.gallery.status import PICTURE_WIDTH, Picture, Publisher, Status
from installation.play.controls import OnceASecond
from installation.play.osc import ADDRESSES, _usage, command_for
from installation.threads import Inbox

log = logging.getLogger(__name__)

COOKIE = "dreams_session"
REQUEST_TIMEOUT_S = 10.0  # a client that says nothing for this long is dropped
LARGEST_BODY = 4096  # a button press or a login is a few dozen bytes
PICTURE_EVERY_S = 0.5  # at most two JPEGs encoded a second, whoever asks; between, the last
PICTURE_WAIT_S = 2.0  # for the main loop to copy the screen
STALE_S = 10.0  # figures older than this: the main loop has stopped
NOT_FROM_THE_WEB = ("/dreams/state",)  # answers to a UDP sender: nothing to do over HTTP
CSP = "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self'"
SECURITY_HEADERS = (
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Content-Security-Policy", CSP),
)


class Handler(BaseHTTPRequestHandler):
    server_version, sys_version = "Dreams", ""
    timeout = REQUEST_TIMEOUT_S

    def do_GET(self) -> None:
        self.server.site.answer(self)

    do_POST = do_GET

    def log_request(self, code="-", size="-") -> None:
        """A line a request would fill the log: only the bad ones are said (log_message)."""

    def log_message(self, format, *args) -> None:
        said = f"web: {self.client_address[0]}: {(format % args)[:160]}"
        self.server.site.lines.say("bad", logging.WARNING, said)


def health(status: Status | None, stall_s: float) -> list[str]:
    """Why the show is not well, or nothing: what /api/health answers 503 with."""
    if status is None:
        return ["the show has not published its figures yet"]
    reasons = []
    quiet = time.time() - status.published_unix
    if quiet > STALE_S:
        reasons.append(f"the show's main loop has not answered for {quiet:.0f} s")
    reasons += [f"the {name} thread has stopped" for name, alive in status.threads if not alive]
    if status.open and not status.paused and status.since_network_s > stall_s:
        reasons.append(f"no new network for {status.since_network_s:.0f} s (web.stall_s = "
                       f"{stall_s:g}) while open and learning")  # fmt: skip
    if status.last_save_failed:
        reasons.append("the last save failed (dreams.log says why)")
    return reasons


class Site:
    def __init__(self, config: WebConfig, commands: Inbox, loopback: bool):
        self.config, self.commands, self.loopback = config, commands, loopback
        self.publisher = Publisher()
        self.token = config.token.encode()
        self.session = hmac.new(self.token, b"dreams-web-session", hashlib.sha256).hexdigest()
        self.lines = OnceASecond()
        self._lock = threading.Lock()  # the handler threads share the figures and the JPEG
        self._status: Status | None = None
        self._jpeg, self._jpeg_at = None, -PICTURE_EVERY_S
        self.jpegs_encoded = self.unauthorized = self.commands_sent = 0
        self.routes = {
            ("GET", "/"): self._page, ("GET", "/login"): self._login_form,
            ("POST", "/login"): self._log_in, ("GET", "/api/status"): self._api_status,
            ("GET", "/api/health"): self._api_health,
            ("GET", "/api/screenshot.jpg"): self._screenshot, ("GET", "/metrics"): self._metrics,
            ("POST", "/api/command"): self._command,
        }  # fmt: skip

    # ---- the figures and the picture, as the main loop handed them over ------------------------

    def status(self) -> Status | None:
        with self._lock:
            fresh = self.publisher.status.take()
            if fresh is not None:
                self._status = fresh
            return self._status

    def health(self) -> list[str]:
        return health(self.status(), self.config.stall_s)

    def picture_jpeg(self) -> bytes | None:
        """The picture on screen now, at most PICTURE_EVERY_S old: encoded at most twice a
        second however many ask, the main loop's copy waited for here, never there."""
        with self._lock:
            if time.monotonic() - self._jpeg_at < PICTURE_EVERY_S:
                return self._jpeg
            self.publisher.picture_wanted.set()
            if self.publisher.picture.wait_put(PICTURE_WAIT_S):
                self._jpeg = encode(self.publisher.picture.take())
                self._jpeg_at = time.monotonic()
                self.jpegs_encoded += 1
            return self._jpeg

    # ---- requests ------------------------------------------------------------------------------

    def answer(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?", 1)[0]
        route = self.routes.get((request.command, path))
        if route is None:
            self._send(request, 404, b"not found\n", "text/plain")
        elif path == "/login" or self.authorized(request):
            route(request)
        else:
            self.unauthorized += 1
            self.lines.say("unauthorized", logging.WARNING,
                           f"web: {request.client_address[0]} asked for {path[:80]} "
                           "without the token")  # fmt: skip
            if path == "/":
                self._send(request, 401, login_page("").encode(), "text/html; charset=utf-8")
            else:
                self._json(request, 401, {"error": "the token is required"},
                           [("WWW-Authenticate", 'Bearer realm="dreams"')])  # fmt: skip

    def authorized(self, request) -> bool:
        """With a token: its Bearer header or the login's cookie, compared in constant time.
        Without (this machine only): a page asked for by a loopback name, so that a web page
        elsewhere cannot reach it through a name that resolves here (DNS rebinding)."""
        if not self.token:
            return _loopback_name(request.headers.get("Host", "127.0.0.1"))
        given = request.headers.get("Authorization", "")
        if given[:7].lower() == "bearer " and hmac.compare_digest(
            given[7:].strip().encode("utf-8", "replace"), self.token
        ):
            return True
        try:
            cookie = SimpleCookie(request.headers.get("Cookie", "")).get(COOKIE)
        except CookieError:
            return False
        value = cookie.value.encode("utf-8", "replace") if cookie else b""
        return hmac.compare_digest(value, self.session.encode())

    def _page(self, request) -> None:
        names = [address for address in ADDRESSES if address not in NOT_FROM_THE_WEB]
        self._send(request, 200, status_page(names).encode(), "text/html; charset=utf-8")

    def _login_form(self, request) -> None:
        self._send(request, 200, login_page("").encode(), "text/html; charset=utf-8")

    def _log_in(self, request) -> None:
        body = self._body(request)
        given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0] if body else ""
        if self.token and hmac.compare_digest(given.encode("utf-8", "replace"), self.token):
            cookie = f"{COOKIE}={self.session}; Path=/; HttpOnly; SameSite=Strict"
            self._send(request, 303, b"", "text/plain", [("Location", "/"), ("Set-Cookie", cookie)])
            return
        self.unauthorized += 1
        page = login_page("That is not the token." if self.token else "No token is set.")
        self._send(request, 401, page.encode(), "text/html; charset=utf-8")

    def _api_status(self, request) -> None:
        status = self.status()
        figures = status.as_json() if status is not None else {}
        self._json(request, 200 if status else 503, {**figures, "problems": self.health()})

    def _api_health(self, request) -> None:
        reasons = self.health()
        self._json(request, 503 if reasons else 200, {"healthy": not reasons, "reasons": reasons})

    def _screenshot(self, request) -> None:
        jpeg = self.picture_jpeg()
        if jpeg is None:
            self._json(request, 503, {"error": "the show has not drawn a picture yet"})
            return
        self._send(request, 200, jpeg, "image/jpeg")

    def _metrics(self, request) -> None:
        text, kind = metrics_text(self.status(), self.health(), self)
        self._send(request, 200, text, kind)

    def _command(self, request) -> None:
        """{"address": "/dreams/learn/pause", "args": []}: JSON only, so that a form on another
        site cannot post it (a browser sends JSON across sites only after asking, unanswered)."""
        if request.headers.get("Content-Type", "").split(";")[0].strip() != "application/json":
            self._json(request, 415, {"error": "send JSON (Content-Type: application/json)"})
            return
        try:
            asked = json.loads(self._body(request) or b"null")
            address, args = asked["address"], tuple(asked.get("args", ()))
        except (ValueError, TypeError, KeyError, AttributeError):
            self._json(request, 400, {"error": 'send {"address": "/dreams/...", "args": [...]}'})
            return
        command = command_for(address, args) if address not in NOT_FROM_THE_WEB else None
        if command is None:
            spec = ADDRESSES.get(address) if isinstance(address, str) else None
            why = _usage(spec) if spec and address not in NOT_FROM_THE_WEB else "unknown address"
            self._json(request, 400, {"error": f"{str(address)[:80]}: {why}"})
            return
        queued = self.commands.ask(*command)
        self.commands_sent += queued
        self._json(request, 202 if queued else 503, {"queued": queued, "address": address})

    # ---- the wire ------------------------------------------------------------------------------

    def _body(self, request) -> bytes:
        try:
            length = int(request.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if not 0 <= length <= LARGEST_BODY:
            return b""
        return request.rfile.read(length)

    def _json(self, request, code: int, data: dict, headers=()) -> None:
        body = (json.dumps(data, indent=1) + "\n").encode()
        self._send(request, code, body, "application/json", headers)

    def _send(self, request, code: int, body: bytes, kind: str, headers=()) -> None:
        request.send_response(code)
        for name, value in (("Content-Type", kind), ("Content-Length", str(len(body))),
                            *SECURITY_HEADERS, *headers):  # fmt: skip
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(body)

    def say_refused(self, host: str, gate) -> None:
        self.lines.say("refused", logging.WARNING,
                       f"web: {host} refused (not in web.allow, or a flood): {gate.refused} "
                       f"refused, {gate.dropped} dropped so far")  # fmt: skip


def _loopback_name(host: str) -> bool:
    name = host.rsplit("]", 1)[0].lstrip("[") if host.startswith("[") else host.split(":")[0]
    if name.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def encode(picture: Picture) -> bytes:
    """The screen as a JPEG, at most PICTURE_WIDTH wide (cv2 lets go of the GIL meanwhile)."""
    rgb = np.frombuffer(picture.rgb, np.uint8).reshape(picture.height, picture.width, 3)
    if picture.width > PICTURE_WIDTH:
        height = round(picture.height * PICTURE_WIDTH / picture.width)
        rgb = cv2.resize(rgb, (PICTURE_WIDTH, height), interpolation=cv2.INTER_AREA)
    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR),
                            [cv2.IMWRITE_JPEG_QUALITY, 80])  # fmt: skip
    return jpeg.tobytes()
