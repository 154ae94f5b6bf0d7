"""Paints a frame of the show on a pygame surface: the picture letterboxed, the HUD, the line
being spoken, the credit; and the title cards of a recorded cut. The window paints on the
display, `dreams record` on a surface in memory, so both look the same."""

import logging

import numpy as np
import pygame

from engine.assets import serif_font
from engine.errors import DreamsError

log = logging.getLogger(__name__)

TEXT = (245, 240, 225)


class Canvas:
    def __init__(self):
        pygame.font.init()  # fonts need no display
        self.hud_font = _font(20)
        self.small_font = _font(16)
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}

    def paint(
        self,
        surface: pygame.Surface,
        picture: np.ndarray | None,
        hud: list[str],
        footer: str = "",
        subtitle: str | None = None,
        subtitle_opacity: float = 1.0,
    ) -> None:
        """Black, the picture centred (RGB (side, side, 3) uint8), the HUD lines, a subtitle
        at the bottom, a footer."""
        surface.fill((0, 0, 0))
        width, height = surface.get_size()
        if picture is not None:
            side = picture.shape[0]
            image = pygame.image.frombuffer(picture.data, (side, side), "RGB")
            surface.blit(image, ((width - side) // 2, (height - side) // 2))
        y = 12
        for line in hud:
            y += _text(surface, self.hud_font, line, (235, 235, 235), 14, y) + 2
        if subtitle and subtitle_opacity > 0:
            self._subtitle(surface, subtitle, subtitle_opacity)
        if footer:
            text_width, text_height = self.small_font.size(footer)
            x, y = width - text_width - 14, height - text_height - 10
            _text(surface, self.small_font, footer, (170, 170, 170), x, y)

    def card(self, surface: pygame.Surface, lines: list[str], opacity: float) -> None:
        """A title card: black, the first line large, the rest smaller, centred; the type
        shrinks until the card fits the picture."""
        surface.fill((0, 0, 0))
        width, height = surface.get_size()
        for scale in (1.0, 0.8, 0.64, 0.5, 0.4, 0.3):
            sizes = [max(8, int(height / 9 * scale))] + [max(8, int(height / 30 * scale))] * (
                len(lines) - 1
            )
            rows = [
                (self.font(size, italic=i > 0), row, i)
                for i, (size, line) in enumerate(zip(sizes, lines, strict=True))
                for row in wrap(line, self.font(size, italic=i > 0), int(width * 0.8))
            ]
            gap = int(height / 40 * scale)
            total = sum(font.get_linesize() for font, _, _ in rows) + gap * (len(lines) - 1)
            if total <= height * 0.9:
                break
        y = (height - total) // 2
        alpha = int(255 * min(max(opacity, 0.0), 1.0))
        previous = 0
        for font, row, line in rows:
            if line != previous:
                y += gap
                previous = line
            image = font.render(row, True, TEXT)
            image.set_alpha(alpha)
            surface.blit(image, ((width - image.get_width()) // 2, y))
            y += font.get_linesize()

    def font(self, size: int, italic: bool = False) -> pygame.font.Font:
        key = (size, italic)
        if key not in self._fonts:
            self._fonts[key] = _font(size, italic)
        return self._fonts[key]

    def _subtitle(self, surface: pygame.Surface, text: str, opacity: float) -> None:
        """The line in italic serif, centred near the bottom, wrapped to the picture's width."""
        width, height = surface.get_size()
        font = self.font(max(18, height // 26), italic=True)
        rows = wrap(text, font, int(min(width, height) * 0.9))
        y = height - int(height * 0.06) - font.get_linesize() * len(rows)
        alpha = int(255 * opacity)
        for row in rows:
            shadow = font.render(row, True, (0, 0, 0))
            light = font.render(row, True, TEXT)
            x = (width - light.get_width()) // 2
            for image, offset in ((shadow, 2), (light, 0)):
                image.set_alpha(alpha)
                surface.blit(image, (x + offset, y + offset))
            y += font.get_linesize()


def _font(size: int, italic: bool = False) -> pygame.font.Font:
    try:
        return pygame.font.Font(str(serif_font(italic)), size)
    except (DreamsError, OSError, pygame.error) as error:
        log.warning("screen: serif font unavailable (%s); using pygame's default", error)
        return pygame.font.Font(None, size)


def _text(surface, font: pygame.font.Font, line: str, colour, x: int, y: int) -> int:
    """Draw a line with a soft shadow, readable over a bright dream; returns its height."""
    shadow = font.render(line, True, (0, 0, 0))
    surface.blit(shadow, (x + 1, y + 1))
    surface.blit(font.render(line, True, colour), (x, y))
    return shadow.get_height()


def wrap(text: str, font: pygame.font.Font, width: int) -> list[str]:
    """Words into rows no wider than `width` pixels (a long word gets a row of its own)."""
    rows: list[str] = []
    for word in text.split():
        if rows and font.size(f"{rows[-1]} {word}")[0] <= width:
            rows[-1] = f"{rows[-1]} {word}"
        else:
            rows.append(word)
    return rows


def pixels(surface: pygame.Surface) -> np.ndarray:
    """The surface as an RGB (height, width, 3) uint8 array (a copy)."""
    width, height = surface.get_size()
    data = pygame.image.tobytes(surface, "RGB")
    return np.frombuffer(data, np.uint8).reshape(height, width, 3)
