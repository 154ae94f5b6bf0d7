"""Opening hours: `schedule.hours` and `schedule.closed` parsed once, then asked on any clock.

hours   "Tue-Sun 10:00-18:00", several spans a day ("Mon-Fri 10:00-13:00 14:00-18:00"), groups
        apart with ";" ("...; Sat 11:00-16:00"), days as ranges or lists ("Mon-Wed,Fri"), a span
        past midnight belonging to the day it begins ("Fri 20:00-02:00"), 24:00 the day's end.
        Empty: always open (but for the closed dates).
closed  dates, e.g. "2026-12-25, 2027-01-01", or a run of days "2026-12-24..2026-12-31": a closed
        date keeps shut the spans that begin on it.

Wall-clock times, naive, as `datetime.now()` gives them: the gallery's own clock.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from engine.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
EXAMPLE = 'e.g. "Tue-Sun 10:00-18:00" or "Mon-Fri 10:00-13:00 14:00-18:00; Sat 11:00-16:00"'
SPAN = re.compile(r"^(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})$")
LOOK_AHEAD_DAYS = 8  # past the last closed date the week repeats: one more turn finds any change


class ScheduleError(ConfigError):
    pass


@dataclass(frozen=True)
class Schedule:
    """For each weekday (0 Monday), its spans as (start, length) in minutes; the closed dates."""

    week: tuple[tuple[tuple[int, int], ...], ...]
    closed: frozenset[date] = frozenset()

    @property
    def always_open(self) -> bool:
        return not self.closed and all(day == ((0, 24 * 60),) for day in self.week)

    def is_open(self, when: datetime) -> bool:
        return any(start <= when < end for start, end in self._spans(when.date() - _DAY, 2))

    def next_change(self, when: datetime) -> datetime | None:
        """The first moment after `when` at which the gallery opens or closes; None: never."""
        last = max(self.closed, default=when.date())
        days = max((last - when.date()).days, 0) + LOOK_AHEAD_DAYS + 2
        is_open = self.is_open(when)
        reach = when  # while open: how far the spans seen so far keep it open
        for start, end in self._spans(when.date() - _DAY, days):
            if is_open and start <= reach < end:
                reach = end
            elif not is_open and start > when:
                return start
            elif is_open and start > reach:
                return reach
        return reach if is_open and reach > when and reach < self._horizon(when, days) else None

    def _horizon(self, when: datetime, days: int) -> datetime:
        return datetime.combine(when.date() + timedelta(days=days - 1), time())

    def _spans(self, first: date, days: int):
        """The open spans as (start, end) datetimes, of the days from `first`, in order."""
        for offset in range(days):
            day = first + timedelta(days=offset)
            if day in self.closed:
                continue
            midnight = datetime.combine(day, time())
            for start, length in self.week[day.weekday()]:
                yield (midnight + timedelta(minutes=start),
                       midnight + timedelta(minutes=start + length))  # fmt: skip


_DAY = timedelta(days=1)


def parse_schedule(hours: str, closed: str = "") -> Schedule:
    """The schedule, or a ScheduleError naming the setting, the bad part and an example."""
    return Schedule(_parse_hours(hours), frozenset(_parse_closed(closed)))


def _parse_hours(text: str) -> tuple[tuple[tuple[int, int], ...], ...]:
    if not text.strip():
        return (((0, 24 * 60),),) * 7
    week: list[list[tuple[int, int]]] = [[] for _ in DAYS]
    for group in text.split(";"):
        words = group.split()
        if not words:
            continue
        if SPAN.match(words[0]):  # no day named: every day
            words = ["Mon-Sun", *words]
        days = _days(words[0], text)
        if len(words) < 2:
            raise _bad(text, f"{words[0]!r} has no hours")
        for word in words[1:]:
            span = _span(word, text)
            for day in days:
                week[day].append(span)
    return tuple(tuple(sorted(spans)) for spans in week)


def _days(word: str, text: str) -> list[int]:
    days: list[int] = []
    for part in word.split(","):
        first, dash, last = part.partition("-")
        a = _day(first, text)
        b = _day(last, text) if dash else a
        days += [(a + i) % 7 for i in range((b - a) % 7 + 1)]  # "Fri-Mon" goes round the week
    return days


def _day(name: str, text: str) -> int:
    name = name.lower()
    for number, full in enumerate(FULL_DAYS):
        if len(name) >= 3 and full.startswith(name):
            return number
    raise _bad(text, f"{name!r} is not a day (Mon, Tue, ... Sun)")


def _span(word: str, text: str) -> tuple[int, int]:
    match = SPAN.match(word)
    if match is None:
        raise _bad(text, f"{word!r} is not a span of hours like 10:00-18:00")
    h1, m1, h2, m2 = (int(group) for group in match.groups())
    for hour, minute in ((h1, m1), (h2, m2)):
        if hour > 24 or minute > 59 or (hour == 24 and minute):
            raise _bad(text, f"{hour:02d}:{minute:02d} in {word!r} is not a time of day")
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end or start == 24 * 60:
        raise _bad(text, f"{word!r} opens and closes at the same time")
    return start, (end - start) % (24 * 60) or 24 * 60  # an end before the start: past midnight


def _parse_closed(text: str) -> set[date]:
    dates: set[date] = set()
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        first, dots, last = part.strip().partition("..")
        a = _date(first, text)
        b = _date(last, text) if dots else a
        if b < a:
            raise ScheduleError(f"schedule.closed = {text!r}: {part.strip()!r} ends before it "
                                "begins; write the earlier date first")  # fmt: skip
        dates.update(a + timedelta(days=i) for i in range((b - a).days + 1))
    return dates


def _date(word: str, text: str) -> date:
    try:
        return date.fromisoformat(word.strip())
    except ValueError:
        raise ScheduleError(
            f"schedule.closed = {text!r}: {word.strip()!r} is not a date; write dates as "
            '"2026-12-25, 2027-01-01" (or a run of days, "2026-12-24..2026-12-31")'
        ) from None


def _bad(text: str, why: str) -> ScheduleError:
    return ScheduleError(f"schedule.hours = {text!r} is not valid: {why}; write weekly hours, "
                         f"{EXAMPLE}, or \"\" for always open")  # fmt: skip
