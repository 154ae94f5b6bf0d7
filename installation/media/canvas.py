"""Paints a frame of the show on a pygame surface: the picture centred, the HUD, the line
being spoken, the credit; and the title cards of a recorded cut. The window paints on the
display, `dreams record` on a surface in memory, so both look the same."""

import logging
import sys

import cv2
import numpy as np
import pygame

from engine.assets import serif_font
from engine.errors import DreamsError

log = logging.getLogger(__name__)

TEXT = (245, 240, 225)
XRGB = (0xFF0000, 0x00FF00, 0x0000FF)  # the masks of a usual 32-bit screen: B, G, R, X in memory


class Canvas:
    def __init__(self):
        pygame.font.init()  # fonts need no display
        self.hud_font = _font(20)
        self.small_font = _font(16)
        self._fonts: dict[tuple[int, bool], pygame.font.Font] = {}
        self._subtitle_rows: tuple = (None, [])  # the last line's outlined rows, and its key

    def paint(
        self,
        surface: pygame.Surface,
        picture: np.ndarray | None,
        hud: list[str],
        footer: str = "",
        subtitle: str | None = None,
        subtitle_opacity: float = 1.0,
    ) -> None:
        """Black, the picture centred (RGB (height, width, 3) uint8: the whole surface, or less
        between bars), the HUD lines, a subtitle at the bottom, a footer."""
        width, height = surface.get_size()
        if picture is None or picture.shape[:2] != (height, width):
            surface.fill((0, 0, 0))  # the bars beside the picture, or no picture yet
        if picture is not None:
            picture_h, picture_w = picture.shape[:2]
            at = ((width - picture_w) // 2, (height - picture_h) // 2)
            if not put_pixels(surface, picture, at):
                image = pygame.image.frombuffer(picture.data, (picture_w, picture_h), "RGB")
                surface.blit(image, at)
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
        """The line in italic serif, centred near the bottom, wrapped to the picture's width,
        in light type ringed with black: readable over the whitest dream."""
        width, height = surface.get_size()
        font = self.font(max(18, height // 26), italic=True)
        key = (text, font.get_height(), min(width, height))
        if self._subtitle_rows[0] != key:  # rendered once a line, not every frame
            rows = wrap(text, font, int(min(width, height) * 0.9))
            self._subtitle_rows = (key, [outlined(font, row) for row in rows])
        rows = self._subtitle_rows[1]
        y = height - int(height * 0.06) - font.get_linesize() * len(rows)
        for image in rows:
            image.set_alpha(int(255 * opacity))
            surface.blit(image, ((width - image.get_width()) // 2, y))
            y += font.get_linesize()


def put_pixels(surface: pygame.Surface, picture: np.ndarray, at: tuple[int, int]) -> bool:
    """The RGB picture written straight into the pixels of a usual 32-bit surface at `at` (x,
    y): at 1080p a third of a blit's time, and without Python's lock, which OpenCV lets go
    (a blit holds it, and the trainer's thread waits). False for another kind of surface."""
    if surface.get_bitsize() != 32 or surface.get_masks()[:3] != XRGB or sys.byteorder != "little":
        return False
    (x, y), (height, width) = at, picture.shape[:2]
    # (width, height) of 32-bit pixels; the surface is locked while they are held, until return
    pixels = pygame.surfarray.pixels2d(surface)
    rows = pixels.T.view(np.uint8).reshape(pixels.shape[1], pixels.shape[0], 4)
    target = rows[y : y + height, x : x + width]
    written = cv2.cvtColor(picture, cv2.COLOR_RGB2BGRA, dst=target)
    if not np.shares_memory(written, target):  # OpenCV wrote elsewhere: copy it in
        np.copyto(target, written)
    return True


def outlined(font: pygame.font.Font, text: str) -> pygame.Surface:
    """The text in light type inside a black ring a fourteenth of its height wide."""
    ring = max(2, font.get_height() // 14)
    dark = font.render(text, True, (0, 0, 0))
    light = font.render(text, True, TEXT)
    image = pygame.Surface(
        (light.get_width() + 2 * ring, light.get_height() + 2 * ring), pygame.SRCALPHA
    )
    for dx in range(-ring, ring + 1):
        for dy in range(-ring, ring + 1):
            if dx * dx + dy * dy <= ring * ring:
                image.blit(dark, (ring + dx, ring + dy))
    image.blit(light, (ring, ring))
    return image


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
