"""The status page, watched from a phone: real HTTP requests against a running show (the figures
move, health turns 503 when the trainer stops, the picture decodes, the metrics parse, a button
pauses learning), and against the server alone (no one gets in without the token)."""

import json
import logging
import shutil
import socket
import threading
import time
import urllib.error
import urllib.request

import cv2
import numpy as np
import psutil
import pytest
from prometheus_client.parser import text_string_to_metric_families

from engine.config import load_config
from installation.gallery.web import WebServer
from installation.threads import Inbox
from tests.conftest import run_dreams
from tests.showkit import open_test_show, run_with, when

TOKEN = "a-long-token-for-the-tests-0123"


def ask(port, path, token=None, data=None, headers=None, host="127.0.0.1"):
    """(status, headers, body) of one request; an HTTP error is an answer like any other."""
    request = urllib.request.Request(f"http://{host}:{port}{path}", data=data,
                                     headers=dict(headers or {}))  # fmt: skip
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, answer.headers, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def press(port, address, token=None):
    body = json.dumps({"address": address}).encode()
    return ask(port, "/api/command", token, body, {"Content-Type": "application/json"})[0]


def until(condition, timeout=60.0):
    """`when`, at a phone's pace: a poll every 100 ms stays under the page's flood limit."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the show did not get there in time"
        time.sleep(0.1)


def status(port, token=None) -> dict:
    return json.loads(ask(port, "/api/status", token)[2])


@pytest.mark.slow
def test_the_page_shows_the_show_moving_and_its_buttons_reach_it(tmp_path):
    show = open_test_show(tmp_path)
    port = show.web.port

    def phone():
        when(lambda: show.current is not None)
        first = status(port)["network"]
        until(lambda: status(port)["network"] > first + 1)  # the number grows between requests
        figures = status(port)
        assert figures["networks_per_s"] > 0 and figures["uptime_s"] > 0
        assert figures["threads"]["trainer"] and figures["threads"]["web"]
        assert figures["schedule"] == "always open" and figures["free_disk_bytes"] > 0
        assert ask(port, "/api/health")[0] == 200
        code, headers, jpeg = ask(port, "/api/screenshot.jpg")
        assert code == 200 and headers["Content-Type"] == "image/jpeg"
        picture = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert picture.shape[:2] == (240, 320) and picture.std() > 1  # the screen, not black
        encoded, began = show.web.site.jpegs_encoded, time.monotonic()
        for _ in range(8):  # a page left open on many phones: the show encodes twice a second
            assert ask(port, "/api/screenshot.jpg")[0] == 200
        assert show.web.site.jpegs_encoded - encoded <= 1 + (time.monotonic() - began) / 0.5
        metrics = {m.name: m for m in text_string_to_metric_families(ask(port, "/metrics")[2]
                                                                     .decode())}  # fmt: skip
        assert metrics["dreams_network"].samples[0].value >= first + 1
        assert metrics["dreams_healthy"].samples[0].value == 1
        page = ask(port, "/")[2].decode()
        assert "Pause learning" in page and "/api/screenshot.jpg" in page
        assert press(port, "/dreams/learn/pause") == 202
        until(lambda: status(port)["paused"])  # the show's own figure, through the inbox
        assert show.dreaming.paused and ask(port, "/api/health")[0] == 200  # paused: no stall
        assert press(port, "/dreams/learn/rate") == 400  # OSC's checks: it takes a number
        assert press(port, "/dreams/state") == 400

    run_with(show, phone)


@pytest.mark.slow
def test_health_turns_503_when_the_trainer_stops_and_200_when_it_goes_on(tmp_path):
    show = open_test_show(tmp_path, "web.stall_s=2")
    port, stuck, steps = show.web.port, threading.Event(), show.dreaming._steps

    def hung_step(count):  # a trainer that stops making networks (a hung device)
        stuck.wait()
        return steps(count)

    def monitor():
        when(lambda: show.current is not None)
        show.dreaming._steps = hung_step
        try:
            until(lambda: ask(port, "/api/health")[0] == 503, timeout=30)
            reasons = json.loads(ask(port, "/api/health")[2])["reasons"]
            assert any("no new network for" in reason for reason in reasons)
        finally:  # the show's end waits for the step in hand
            stuck.set()
            show.dreaming._steps = steps
        until(lambda: ask(port, "/api/health")[0] == 200, timeout=30)

    run_with(show, monitor)


@pytest.fixture
def server():
    """The page's server alone, with a token, as a phone beyond this machine would meet it."""
    config = load_config(None, ["web.port=0", f"web.token={TOKEN}", "web.burst=1000"])
    web = WebServer(config.web, Inbox())
    web.thread.start()
    yield web
    web.stop()


def test_without_the_token_nothing_gets_in(server):
    port = server.port
    for path in ("/api/status", "/api/health", "/api/screenshot.jpg", "/metrics"):
        code, headers, _ = ask(port, path)
        assert code == 401 and "Bearer" in headers["WWW-Authenticate"], path
        assert ask(port, path, token=TOKEN[:-1] + "x")[0] == 401
    assert press(port, "/dreams/learn/pause") == 401
    assert ask(port, "/api/health", token=TOKEN)[0] == 503  # let in: no show has published yet
    assert press(port, "/dreams/learn/pause", TOKEN) == 202
    code, _, page = ask(port, "/")
    assert code == 401 and b'name="token"' in page  # the login page, not the status page
    assert ask(port, "/login", data=b"token=guess-guess-guess-guess")[0] == 401


def test_the_login_sets_a_cookie_that_lets_the_page_in(server):
    port = server.port
    request = urllib.request.Request(f"http://127.0.0.1:{port}/login",
                                     data=f"token={TOKEN}".encode())  # fmt: skip
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        opener.open(request, timeout=10)
        raise AssertionError("no redirect after the login")
    except urllib.error.HTTPError as answer:
        assert answer.code == 303
        cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and TOKEN not in cookie
    session = {"Cookie": cookie.split(";")[0]}
    assert ask(port, "/", headers=session)[0] == 200
    # a form posted from another site (no JSON) is refused even with the cookie
    assert ask(port, "/api/command", data=b"address=/dreams/learn/pause", headers=session)[0] == 415


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


def test_a_name_from_elsewhere_is_refused_without_a_token():
    """Without a token the page is this machine's: a site elsewhere whose name is made to resolve
    here (DNS rebinding) is not let in by a browser that follows it."""
    web = WebServer(load_config(None, ["web.port=0"]).web, Inbox())
    web.thread.start()
    try:
        assert ask(web.port, "/api/health", headers={"Host": "evil.example:80"})[0] == 401
        for name in ("localhost", f"127.0.0.1:{web.port}", "[::1]:80"):
            assert ask(web.port, "/api/health", headers={"Host": name})[0] == 503  # let in
    finally:
        web.stop()


def test_no_request_reads_a_file(server):
    for path in ("/../../etc/passwd", "/config.toml", "/api/../README.md", "/%2e%2e/etc/passwd",
                 "//etc/passwd", "/api/status/../../pyproject.toml"):  # fmt: skip
        code, _, body = ask(server.port, path, token=TOKEN)
        assert code == 404 and body == b"not found\n", path


def test_a_flood_is_cut_and_said_once_a_second(caplog):
    config = load_config(None, ["web.port=0", "web.max_requests_per_s=2", "web.burst=3"])
    web = WebServer(config.web, Inbox())
    web.thread.start()
    answered = refused = 0
    with caplog.at_level(logging.WARNING):
        for _ in range(40):
            try:
                answered += ask(web.port, "/api/health")[0] == 503
            except (ConnectionError, urllib.error.URLError):
                refused += 1
    web.stop()
    assert answered <= 3 + 2 * 2 and refused >= 30  # the burst, then two a second
    assert len([r for r in caplog.records if "web:" in r.getMessage()]) <= 3


@pytest.mark.slow
def test_sixteen_requests_at_once_and_a_silent_phone_dropped_after_10_s(server):
    """Phones that connect and say nothing hold at most 16 of the show's threads, and each is
    let go after 10 s: a page left half-open in a pocket never takes the show's threads."""
    silent = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(16)]
    try:
        time.sleep(0.5)  # each given a thread, waiting for its request
        with pytest.raises((ConnectionError, urllib.error.URLError)):
            ask(server.port, "/api/health", TOKEN)  # the seventeenth: closed at once
        started = time.monotonic()
        for phone in silent:
            phone.settimeout(15)
            assert phone.recv(1) == b""  # closed by the page, not by us
        assert 8 < time.monotonic() - started + 0.5 < 13
        assert ask(server.port, "/api/health", TOKEN)[0] in (200, 503)  # answered again
    finally:
        for phone in silent:
            phone.close()


def _address_beyond_loopback() -> str | None:
    for addresses in psutil.net_if_addrs().values():
        for address in addresses:
            if address.family == socket.AF_INET and not address.address.startswith("127."):
                return address.address
    return None


def test_beyond_this_machine_only_the_allowed_get_in():
    here = _address_beyond_loopback()
    if here is None:
        pytest.skip("this machine has no address beyond loopback")
    other = "198.51.100.7" if here != "198.51.100.7" else "203.0.113.9"
    for allow, let_in in ((other, False), (f"{here}/32, {other}", True)):
        config = load_config(None, ["web.host=0.0.0.0", "web.port=0", f"web.token={TOKEN}",
                                    f"web.allow={allow}"])  # fmt: skip
        web = WebServer(config.web, Inbox())
        web.thread.start()
        try:
            if let_in:
                assert ask(web.port, "/api/health", TOKEN, host=here)[0] == 503  # answered
            else:
                with pytest.raises((ConnectionError, urllib.error.URLError)):
                    ask(web.port, "/api/health", TOKEN, host=here)
            assert ask(web.port, "/api/health", TOKEN)[0] == 503  # this machine: always let in
        finally:
            web.stop()


@pytest.mark.slow
def test_a_page_open_to_the_network_without_a_token_is_refused_before_the_window():
    result = run_dreams("run", "--windowed", "--duration", "2", "--set", "web.host=0.0.0.0")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].count("web.token") == 1
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_a_busy_port_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_dreams("run", "--windowed", "--set", f"web.port={port}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "web.port" in result.stderr


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium (apt install chromium)")
def test_a_real_browser_shows_the_picture(tmp_path):
    from tools.page_shot import page_shot, picture_is_drawn

    show = open_test_show(tmp_path)
    shot = tmp_path / "page.png"

    def browser():
        when(lambda: show.current is not None)
        page_shot(f"http://127.0.0.1:{show.web.port}/", shot)

    run_with(show, browser)
    assert picture_is_drawn(shot)


def test_the_show_ends_within_2_s_while_a_phone_holds_a_connection(tmp_path):
    """The show's end waits for no phone: a client that sends half a request and stays keeps
    neither the web thread nor the show from stopping."""
    show = open_test_show(tmp_path)
    port, asked_to_stop = show.web.port, []
    idle = socket.create_connection(("127.0.0.1", port))

    def phone():
        when(lambda: show.current is not None)
        idle.sendall(b"GET /api/status HTTP/1.1\r\n")  # and never the rest
        time.sleep(0.5)
        asked_to_stop.append(time.monotonic())

    run_with(show, phone)
    assert time.monotonic() - asked_to_stop[0] < 2.5
    idle.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
