"""The gallery's doors: each frame the show's main loop asks them how bright the picture is, and
once a second they ask the opening hours (schedule.py, on an injected clock) or an override
(OSC or the web page: open, close, auto) whether the gallery is open.

Closing: the picture fades to black over `schedule.fade_s`, the voice finishes its line and rests,
the poet rests, the mind goes on learning (or pauses, `learn_when_closed = false`), and once dark
the display sleeps and the projector is switched off where they can be (power.py). Opening: the
other way round. What the doors are doing is published in `state` (a frozen ScheduleState,
replaced whole: any thread may read it: the status page, the HUD). The doors are given what they
drive: the controls (pause, resume, the events told), the narrator and the poet."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from engine.config import ScheduleConfig
from installation.gallery.power import Power
from installation.gallery.schedule import parse_schedule
from installation.threads import SetResting

if TYPE_CHECKING:
    from installation.play.controls import Controls
    from installation.voice.narrator import Narrator
    from installation.voice.poet_thread import PoetThread

log = logging.getLogger(__name__)

LOOK_EVERY_S = 1.0  # the hours are asked once a second, not every frame


@dataclass(frozen=True)
class ScheduleState:
    open: bool
    why: str  # "always" (no hours), "hours", or "override" (OSC or the web page, until auto)
    next_change: datetime | None  # when the hours next open or close; None: never
    since: datetime  # when the doors last opened or closed (or the show began)


class Doors:
    def __init__(self, config: ScheduleConfig, controls: Controls, narrator: Narrator | None,
                 poet: PoetThread | None, now: Callable[[], datetime] = datetime.now):  # fmt: skip
        self.config, self.controls, self.narrator, self.poet = config, controls, narrator, poet
        self.now = now
        self.schedule = parse_schedule(config.hours, config.closed)  # checked by open_show
        self.power = Power(config)
        self.override: bool | None = None  # True open, False closed, None the hours
        self.brightness = 1.0  # the picture's: 0 black, 1 lit; owned by the main thread
        self._paused_learning = False  # the doors paused the trainer, and will resume it
        self._looked_at = -math.inf
        self._faded_at: float | None = None
        self._asleep = False  # the display and projector were switched off
        self.state = ScheduleState(True, self._why(), None, now())  # published

    def tick(self) -> float:
        """On the main thread, each frame: the doors as the hours say, and the brightness."""
        now = time.monotonic()
        if now - self._looked_at >= LOOK_EVERY_S:
            self._looked_at = now
            self._look()
        self._fade(now)  # the first frame is at once as dark or lit as the doors say
        return self.brightness

    def set_override(self, open_: bool | None) -> None:
        """OSC's and the web page's /dreams/schedule/open, close (True, False) and auto (None)."""
        self.override = open_
        held = {True: "open", False: "closed", None: "kept by the hours again"}[open_]
        log.info("gallery: %s by hand%s", held, "" if open_ is None else " (until auto)")
        self._looked_at = -math.inf  # carried out at the next frame

    def _why(self) -> str:
        if self.override is not None:
            return "override"
        return "always" if self.schedule.always_open else "hours"

    def _look(self) -> None:
        when = self.now()
        hours_open = self.schedule.is_open(when)
        open_ = hours_open if self.override is None else self.override
        since = self.state.since
        if open_ != self.state.open:
            since = when
            (self._open if open_ else self._close)(when)
        self.state = ScheduleState(open_, self._why(), self.schedule.next_change(when), since)

    def _close(self, when: datetime) -> None:
        controls = self.controls
        if self.narrator is not None:
            self.narrator.inbox.send(SetResting(True))  # finishes the line it is speaking
        if self.poet is not None:
            self.poet.rest.set()
        if not self.config.learn_when_closed and not controls.paused:
            controls.pause()  # as Space does
            self._paused_learning = True
        controls.event("closed")
        log.info("gallery: closed (%s)%s", self._why(), _until(self.schedule.next_change(when)))

    def _open(self, when: datetime) -> None:
        controls = self.controls
        if self._asleep:
            self._asleep = False
            self.power.switch(on=True)  # first: a projector takes a while to warm up
        if self.narrator is not None:
            self.narrator.inbox.send(SetResting(False))
        if self.poet is not None:
            self.poet.rest.clear()
        if self._paused_learning:
            self._paused_learning = False
            if controls.paused:  # unless someone resumed it by hand meanwhile
                controls.resume()
        controls.event("open")
        log.info("gallery: open (%s)%s", self._why(), _until(self.schedule.next_change(when)))

    def _fade(self, now: float) -> None:
        """Towards black while closed, towards lit while open, over fade_s; once black, the
        display and the projector sleep."""
        since, self._faded_at = self._faded_at, now
        target = 1.0 if self.state.open else 0.0
        step = (
            1.0 if since is None or self.config.fade_s <= 0 else (now - since) / self.config.fade_s
        )
        if self.brightness < target:
            self.brightness = min(target, self.brightness + step)
        elif self.brightness > target:
            self.brightness = max(target, self.brightness - step)
        if self.brightness == 0.0 and not self.state.open and not self._asleep:
            self._asleep = True
            self.power.switch(on=False)


def _until(change: datetime | None) -> str:
    return "" if change is None else f" until {change:%a %Y-%m-%d %H:%M}"
