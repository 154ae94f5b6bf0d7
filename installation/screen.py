"""The pygame window: full-screen on a chosen display (or a window), the picture letterboxed at
the screen's own size, the HUD and credits on top, and screenshots."""

import logging
import os
from pathlib import Path

import numpy as np
import pygame

from engine.assets import serif_font
from engine.config import ScreenConfig
from engine.errors import DreamsError

log = logging.getLogger(__name__)

# SDL falls back to these when it finds no screen; they are fine only when asked for by name.
HEADLESS_DRIVERS = ("offscreen", "dummy")


class DisplayError(DreamsError):
    pass


def _no_display(reason: str) -> str:
    return (
        f"no display could be opened ({reason}); run on a machine with a screen (or set DISPLAY), "
        "or render headless with `dreams record` (coming soon)"
    )


class Window:
    def __init__(self, config: ScreenConfig, fullscreen: bool, title: str = "Dreams"):
        self.config = config
        self.fullscreen = fullscreen
        try:
            pygame.display.init()
            pygame.font.init()
        except pygame.error as error:
            raise DisplayError(_no_display(str(error))) from None
        driver = pygame.display.get_driver()
        if driver in HEADLESS_DRIVERS and os.environ.get("SDL_VIDEODRIVER") != driver:
            pygame.quit()
            raise DisplayError(_no_display(f"SDL found only its {driver} driver"))
        displays = pygame.display.get_num_displays()
        if config.display >= displays:
            pygame.quit()
            raise DisplayError(
                f"screen.display = {config.display}, but there are only {displays} display(s); "
                f"choose 0 to {displays - 1}"
            )
        pygame.display.set_caption(title)
        self._open()
        pygame.mouse.set_visible(not fullscreen)
        self.hud_font = self._font(20)
        self.small_font = self._font(16)
        self._subtitle_fonts: dict[int, pygame.font.Font] = {}

    def _open(self) -> None:
        try:
            if self.fullscreen:  # (0, 0): the display's own size; other sizes break without a WM
                size, flags = (0, 0), pygame.FULLSCREEN
            else:
                size = (self.config.window_width, self.config.window_height)
                flags = pygame.RESIZABLE
            self.surface = pygame.display.set_mode(size, flags, display=self.config.display)
        except pygame.error as error:
            pygame.quit()
            raise DisplayError(f"the window could not be opened ({error})") from None

    def _font(self, size: int, italic: bool = False) -> pygame.font.Font:
        try:
            return pygame.font.Font(str(serif_font(italic)), size)
        except (DreamsError, OSError, pygame.error) as error:
            log.warning("screen: serif font unavailable (%s); using pygame's default", error)
            return pygame.font.Font(None, size)

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

    @property
    def picture_side(self) -> int:
        """The side of the square picture, letterboxed in the window."""
        width, height = self.size
        return min(width, height)

    def toggle_fullscreen(self) -> None:
        self.fullscreen = not self.fullscreen
        self._open()
        pygame.mouse.set_visible(not self.fullscreen)

    def draw(
        self,
        picture: np.ndarray | None,
        hud: list[str],
        footer: str = "",
        subtitle: str | None = None,
        subtitle_opacity: float = 1.0,
    ) -> None:
        """Black, the picture centred (RGB (side, side, 3) uint8), the HUD lines, a subtitle
        at the bottom, a footer."""
        self.surface.fill((0, 0, 0))
        width, height = self.size
        if picture is not None:
            side = picture.shape[0]
            image = pygame.image.frombuffer(picture.data, (side, side), "RGB")
            self.surface.blit(image, ((width - side) // 2, (height - side) // 2))
        y = 12
        for line in hud:
            y += self._text(self.hud_font, line, (235, 235, 235), 14, y) + 2
        if subtitle and subtitle_opacity > 0:
            self._subtitle(subtitle, subtitle_opacity)
        if footer:
            text_width, text_height = self.small_font.size(footer)
            self._text(
                self.small_font,
                footer,
                (170, 170, 170),
                width - text_width - 14,
                height - text_height - 10,
            )
        pygame.display.flip()

    def _subtitle(self, text: str, opacity: float) -> None:
        """The line in italic serif, centred near the bottom, wrapped to the picture's width."""
        width, height = self.size
        size = max(18, height // 26)
        font = self._subtitle_fonts.get(size) or self._subtitle_fonts.setdefault(
            size, self._font(size, italic=True)
        )
        rows = wrap(text, font, int(self.picture_side * 0.9))
        y = height - int(height * 0.06) - font.get_linesize() * len(rows)
        alpha = int(255 * opacity)
        for row in rows:
            shadow = font.render(row, True, (0, 0, 0))
            light = font.render(row, True, (245, 240, 225))
            x = (width - light.get_width()) // 2
            for surface, offset in ((shadow, 2), (light, 0)):
                surface.set_alpha(alpha)
                self.surface.blit(surface, (x + offset, y + offset))
            y += font.get_linesize()

    def _text(self, font: pygame.font.Font, line: str, colour, x: int, y: int) -> int:
        """Draw a line with a soft shadow, readable over a bright dream; returns its height."""
        shadow = font.render(line, True, (0, 0, 0))
        self.surface.blit(shadow, (x + 1, y + 1))
        self.surface.blit(font.render(line, True, colour), (x, y))
        return shadow.get_height()

    def screenshot(self, folder: Path, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        partial = path.with_name(f".{path.stem}.partial.png")
        pygame.image.save(self.surface, str(partial))
        partial.replace(path)  # never a half-written PNG under the final name
        return path

    def close(self) -> None:
        pygame.quit()


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    """Words into rows no wider than `width` pixels (a long word gets a row of its own)."""
    rows: list[str] = []
    for word in text.split():
        if rows and font.size(f"{rows[-1]} {word}")[0] <= width:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows
