"""The screen of the live show, owned by the main thread: the network on it, the stage that
composes its dreams (stage.py), the window, the subtitle of the voice or of the poet's timer, the
notices (a resumed mind, a thread that failed), the switches a performer flips (H, T) and the
screenshots. The keys and the controls (installation/play/) are given it: they drive it."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pygame

from engine.config import ScreenConfig
from engine.mind.trainer import Network
from installation.media.compositor import Look
from installation.media.subtitles import Subtitles, opacity
from installation.media.window import Window
from installation.show.stage import Stage
from installation.voice.narrator import Narrator
from installation.voice.poet_thread import PoetThread

log = logging.getLogger("installation.show.show")  # the show's own lines, as before


class Screen:
    def __init__(self, config: ScreenConfig, stage: Stage, window: Window, line_s: float,
                 narrator: Narrator | None = None, poet: PoetThread | None = None):  # fmt: skip
        self.stage, self.window, self.narrator, self.poet = stage, window, narrator, poet
        self.hud_on, self.subtitles_on = config.hud, config.subtitles
        self.screenshot_dir = Path(config.screenshot_dir).expanduser()
        self.subtitles = Subtitles(line_s)  # the poet's lines on a timer, where no voice speaks
        self.current: Network | None = None  # the network on screen
        self.notice, self.notice_until = "", 0.0  # a line on screen, HUD or not, until then
        self.frames_drawn = 0
        self.last_frame = (0.0, self.hud_on)  # when the last frame was flipped, its HUD

    @property
    def look(self) -> Look:
        """The picture's values a performer changes (dissolve, hold, zoom, grain)."""
        return self.stage.look

    @property
    def picture(self):
        """The last frame's dreams alone, before the HUD and subtitle (for video out)."""
        return self.stage.picture

    def tell(self, notice: str, for_s: float) -> None:
        """A line on screen for `for_s` seconds, HUD or not."""
        self.notice, self.notice_until = notice, time.monotonic() + for_s

    def notices(self) -> list[str]:
        return [self.notice] if time.monotonic() < self.notice_until else []

    def draw(self, t: float, hud: list[str], brightness: float) -> None:
        """The frame at show time `t`: the network's dreams, the HUD, the subtitle."""
        subtitle, fade = self._subtitle(t + self.stage.dream_shift_s)
        if not self.subtitles_on:
            subtitle = None
        images = self.current.images_at(time.monotonic()) if self.current is not None else None
        self.stage.draw(t, images, hud, subtitle, fade, brightness)
        self.frames_drawn += 1

    def flipped(self) -> None:
        self.last_frame = (time.monotonic(), self.hud_on)  # for `dreams bench --osc`

    def _subtitle(self, t: float) -> tuple[str | None, float]:
        """The line to show and its opacity: the voice's line, or the poet's on a timer (which
        goes on while hidden, T); until the first, that the poet is waking."""
        if self.narrator is not None:
            speaking = self.narrator.now_speaking
            if speaking is None:
                return self.poet.waking()
            return speaking.text, opacity(time.monotonic(), speaking.started, speaking.ends)
        if self.poet is None:
            return None, 0.0
        line = self.subtitles.at(t, self.poet.next_line)
        return line if self.subtitles.shown else self.poet.waking()

    def dreams(self) -> int:
        """How many dreams the network on screen has (0 before the first)."""
        return len(self.current.images) if self.current is not None else 0

    def dream_index(self) -> int:
        """Which dream is on screen (or dissolving away) now."""
        return self.stage.dream_index(self.dreams())

    def start_dissolve(self, to: int | None = None) -> None:
        self.stage.start_dissolve(self.dreams(), to)

    def toggle_fullscreen(self) -> None:
        self.window.toggle_fullscreen()

    def screenshot(self) -> Path | None:
        number = self.current.number if self.current else 0
        name = f"dreams-{number:07d}-{time.strftime('%Y%m%d-%H%M%S')}-{self.frames_drawn}.png"
        folder = self.screenshot_dir
        try:
            path = self.window.screenshot(folder, name)
        except (OSError, pygame.error) as error:
            log.error("show: screenshot not saved in %s: %s", folder, error)
            return None
        log.info("show: screenshot %s", path)
        return path
