"""Opening hours: the schedule read from its strings and asked on a clock of the test's own, and a
show crossing a closing and an opening (the picture black, the voice silent, the mind learning),
and the OSC overrides."""

import logging
import socket
import threading
import time
from datetime import datetime, timedelta

import numpy as np
import pygame
import pytest

from engine.config import load_config
from installation.gallery.power import Power
from installation.gallery.schedule import ScheduleError, parse_schedule
from installation.show.hud import closed_line
from tests.conftest import run_dreams
from tests.oscclient import Listener, send, sender
from tests.showkit import open_test_show, press, run_with, tiny_poet, when

MONDAY = datetime(2026, 7, 6)  # a Monday


def at(day: int, hhmm: str) -> datetime:
    """`day` days after MONDAY (0 Monday ... 6 Sunday, 7 the next Monday), at `hhmm`."""
    hour, minute = map(int, hhmm.split(":"))
    return MONDAY + timedelta(days=day, hours=hour, minutes=minute)


@pytest.mark.parametrize(
    "hours, closed, when, is_open, change",
    [
        ("Tue-Sun 10:00-18:00", "", at(0, "12:00"), False, at(1, "10:00")),  # closed Mondays
        ("Tue-Sun 10:00-18:00", "", at(1, "09:59"), False, at(1, "10:00")),
        ("Tue-Sun 10:00-18:00", "", at(1, "10:00"), True, at(1, "18:00")),
        ("Tue-Sun 10:00-18:00", "", at(1, "18:00"), False, at(2, "10:00")),
        ("Tue-Sun 10:00-18:00", "", at(6, "17:00"), True, at(6, "18:00")),
        ("Tue-Sun 10:00-18:00", "", at(6, "19:00"), False, at(8, "10:00")),  # over the Monday
        # several spans a day, and the lunch hour shut
        ("Mon-Fri 10:00-13:00 14:00-18:00; Sat 11:00-16:00", "", at(0, "13:30"), False,
         at(0, "14:00")),
        ("Mon-Fri 10:00-13:00 14:00-18:00; Sat 11:00-16:00", "", at(5, "11:00"), True,
         at(5, "16:00")),
        # past midnight: Friday's night belongs to Friday
        ("Fri 20:00-02:00", "", at(5, "01:30"), True, at(5, "02:00")),
        ("Fri 20:00-02:00", "", at(5, "02:00"), False, at(11, "20:00")),
        # closed dates: that day's spans stay shut, the next open day is found
        ("Tue-Sun 10:00-18:00", "2026-07-07, 2026-07-08", at(1, "12:00"), False, at(3, "10:00")),
        ("", "2026-07-09..2026-07-10", at(3, "12:00"), False, at(5, "00:00")),
        ("", "2026-07-09", at(2, "12:00"), True, at(3, "00:00")),
        ("", "", at(2, "12:00"), True, None),  # always open: no change, ever
        ("Mon 22:00-24:00; Tue 00:00-02:00", "", at(0, "23:00"), True, at(1, "02:00")),  # joined
    ],
)  # fmt: skip
def test_the_hours_on_a_clock(hours, closed, when, is_open, change):
    schedule = parse_schedule(hours, closed)
    assert schedule.is_open(when) is is_open
    assert schedule.next_change(when) == change


def test_a_week_minute_by_quarter_hour_agrees_with_next_change():
    schedule = parse_schedule("Mon-Fri 10:00-13:00 14:00-18:00; Sat 11:00-16:00; Sun 20:00-01:00",
                              "2026-07-08")  # fmt: skip
    when = MONDAY
    while when < MONDAY + timedelta(days=8):
        change = schedule.next_change(when)
        assert schedule.is_open(change) is not schedule.is_open(when)
        assert schedule.is_open(change - timedelta(minutes=1)) is schedule.is_open(when)
        when += timedelta(minutes=15)
    assert not schedule.is_open(at(2, "11:00"))  # the closed Wednesday
    assert schedule.is_open(at(7, "00:30"))  # Sunday's night into Monday


@pytest.mark.parametrize(
    "hours, closed, words",
    [
        ("Tue-Sun", "", "'Tue-Sun' has no hours"),
        ("Tux 10:00-18:00", "", "'tux' is not a day"),
        ("Mon 10-18", "", "'10-18' is not a span"),
        ("Mon 10:00-25:00", "", "25:00 in '10:00-25:00' is not a time of day"),
        ("Mon 10:00-10:00", "", "opens and closes at the same time"),
        ("", "2026-13-01", "'2026-13-01' is not a date"),
        ("", "2026-12-31..2026-12-01", "ends before it begins"),
    ],
)
def test_a_bad_schedule_is_named(hours, closed, words):
    with pytest.raises(ScheduleError) as raised:
        parse_schedule(hours, closed)
    message = str(raised.value)
    assert words in message and "\n" not in message
    assert (f"schedule.hours = {hours!r}" if hours else f"schedule.closed = {closed!r}") in message


def test_a_bad_schedule_is_one_line_and_exit_2(shapes_film):
    done = run_dreams("run", "--film", str(shapes_film), "--set", 'schedule.hours="Mon 9-17"')
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if "error" in line]
    assert len(errors) == 1 and "schedule.hours = 'Mon 9-17'" in errors[0], done.stderr


class Clock:
    """The gallery's wall clock, moved by the test."""

    def __init__(self, start: datetime):
        self.time, self._lock = start, threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self.time

    def set(self, when: datetime) -> None:
        with self._lock:
            self.time = when


def screenshot(show, tmp_path) -> np.ndarray:
    """A screenshot taken now (S, as a person would), as an array."""
    before = len(list(tmp_path.glob("dreams-*.png")))
    time.sleep(0.5)  # a second S too soon would be one key
    press(pygame.K_s)
    when(lambda: len(list(tmp_path.glob("dreams-*.png"))) > before)
    newest = max(tmp_path.glob("dreams-*.png"), key=lambda path: path.stat().st_mtime_ns)
    return pygame.surfarray.array3d(pygame.image.load(str(newest))).astype(int)


@pytest.mark.slow
def test_a_show_crosses_a_closing_and_an_opening(tmp_path, shapes_film, poet_cache,
                                                 tiny_model_dir):  # fmt: skip
    clock = Clock(at(1, "17:59"))  # a Tuesday, a minute before closing
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", *tiny_poet(poet_cache, tiny_model_dir),
        "schedule.hours=Tue-Sun 10:00-18:00", "schedule.fade_s=0.5",
        "schedule.display_sleep=false", "voice.line_pause_s=0.2", "voice.stanza_pause_s=0.2",
        "voice.poem_pause_s=0.2",
    )  # fmt: skip
    show.doors.now = clock.now
    seen = {}

    def person():
        when(lambda: show.narrator.lines_spoken >= 1 and show.current is not None)
        seen["open"] = screenshot(show, tmp_path)
        clock.set(at(1, "18:00"))
        when(lambda: not show.doors.state.open and show.narrator.resting)
        when(lambda: show.doors.brightness == 0.0)
        spoken, written, number = (show.narrator.lines_spoken, show.poet.lines_written,
                                   show.trainer.number)  # fmt: skip
        seen["closed"] = screenshot(show, tmp_path)
        time.sleep(3.0)  # many lines' worth of time
        seen["quiet"] = show.narrator.lines_spoken - spoken, show.poet.lines_written - written
        seen["learned"] = show.trainer.number - number
        seen["state"] = show.doors.state
        clock.set(at(2, "10:00"))  # Wednesday morning
        when(lambda: show.doors.brightness == 1.0)
        seen["opened"] = screenshot(show, tmp_path)
        when(lambda: show.narrator.lines_spoken > spoken)  # the voice goes on

    run_with(show, person)
    assert seen["open"].std() > 5 and seen["opened"].std() > 5  # a picture
    assert seen["closed"].max() == 0  # black: no picture, no subtitle
    assert seen["quiet"][0] == 0  # no line spoken while closed
    assert seen["quiet"][1] <= 1  # the poet rests (a line begun may end)
    assert seen["learned"] > 0  # the mind learned in the dark
    state = seen["state"]
    assert (state.open, state.why, state.next_change) == (False, "hours", at(2, "10:00"))
    assert closed_line(state) == "closed until Wed 10:00"  # what the HUD says


def test_osc_opens_closes_and_gives_back_to_the_hours(tmp_path, shapes_film):
    listener = Listener()
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", f"osc.targets=127.0.0.1:{listener.port}",
        "schedule.hours=Mon 10:00-18:00", "schedule.learn_when_closed=false",
        "schedule.fade_s=0", "schedule.display_sleep=false",
    )  # fmt: skip
    show.doors.now = Clock(at(0, "12:00")).now  # Monday noon: open
    port, sock = show.osc.port, sender()

    def person():
        when(lambda: show.current is not None and show.current.number >= 2)
        send(sock, port, "/dreams/schedule/close")
        when(lambda: not show.doors.state.open and show.dreaming.paused)  # learning pauses
        assert show.doors.state.why == "override"
        assert ("closed",) in listener.got("/dreams/event")
        send(sock, port, "/dreams/screen/hud", 1)  # the HUD, lit in the dark, says why
        when(lambda: "closed by hand" in show.hud_lines())
        show.doors.now = Clock(at(1, "12:00")).now  # Tuesday: the hours say closed too
        send(sock, port, "/dreams/schedule/open")
        when(lambda: show.doors.state.open and not show.dreaming.paused)
        send(sock, port, "/dreams/schedule/auto")
        when(lambda: not show.doors.state.open and show.doors.state.why == "hours")

    try:
        run_with(show, person)
    finally:
        listener.close()


class FakeProjector:
    """A PJLink projector on 127.0.0.1 (no password): it answers POWR with OK, or, with
    `hang_up`, greets and hangs up."""

    def __init__(self, hang_up: bool = False):
        self.heard: list[str] = []
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.hang_up = hang_up
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                connection.sendall(b"PJLINK 0\r")
                if self.hang_up:
                    continue
                command = connection.recv(64).decode()
                self.heard.append(command)
                connection.sendall(command[:6].encode() + b"=OK\r")


def power_to(projector: str) -> Power:
    return Power(load_config(None, [f"schedule.projector={projector}",
                                    "schedule.display_sleep=false"]).schedule)  # fmt: skip


def test_a_projector_is_switched_off_and_on_over_pjlink(caplog):
    projector = FakeProjector()
    power = power_to(projector.address)
    with caplog.at_level(logging.INFO):
        power.switch(on=False)
        when(lambda: power.switched == 1, timeout=10)
        power.switch(on=True)
        when(lambda: power.switched == 2, timeout=10)
    assert projector.heard == ["%1POWR 0\r", "%1POWR 1\r"]
    assert "projector at 127.0.0.1" in caplog.text and "switched on" in caplog.text


@pytest.mark.parametrize("hang_up", [False, True])
def test_a_projector_that_does_not_answer_is_one_line(caplog, hang_up):
    if hang_up:
        address = FakeProjector(hang_up=True).address  # greets, then hangs up mid-answer
    else:
        with socket.create_server(("127.0.0.1", 0)) as gone:
            address = f"127.0.0.1:{gone.getsockname()[1]}"  # nothing listens there now
    power = power_to(address)
    with caplog.at_level(logging.INFO):
        power.switch(on=False)
        when(lambda: power.switched == 1, timeout=10)
    lines = [r.getMessage() for r in caplog.records if "projector" in r.getMessage()]
    assert len(lines) == 1 and "was not switched off" in lines[0], lines


def test_no_dpms_here_is_said_once(caplog, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)  # no X11 display: nothing to put to sleep
    power = Power(load_config(None, []).schedule)
    with caplog.at_level(logging.INFO):
        for on in (False, True, False):
            power.switch(on=on)
        when(lambda: power.switched == 3, timeout=10)
    assert caplog.text.count("the display is not put to sleep on this system") == 1
