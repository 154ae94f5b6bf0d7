"""The pygame window: full-screen on a chosen display (or a window), the picture letterboxed at
the screen's own size, the HUD and credits on top, and screenshots."""

import logging
import os
from pathlib import Path

import numpy as np
import pygame

from engine.config import ScreenConfig
from engine.errors import DreamsError
from installation.media.canvas import Canvas

log = logging.getLogger(__name__)

# SDL falls back to these when it finds no screen; they are fine only when asked for by name.
HEADLESS_DRIVERS = ("offscreen", "dummy")


class DisplayError(DreamsError):
    pass


def _no_display(reason: str) -> str:
    return (
        f"no display could be opened ({reason}); run on a machine with a screen (or set DISPLAY), "
        "or render headless with `dreams record`"
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
        self.canvas = Canvas()

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

    @property
    def size(self) -> tuple[int, int]:
        return self.surface.get_size()

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
        """Paint the frame (installation/media/canvas.py) and show it."""
        self.canvas.paint(self.surface, picture, hud, footer, subtitle, subtitle_opacity)
        pygame.display.flip()

    def screenshot(self, folder: Path, name: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        partial = path.with_name(f".{path.stem}.partial.png")
        pygame.image.save(self.surface, str(partial))
        partial.replace(path)  # never a half-written PNG under the final name
        return path

    def close(self) -> None:
        pygame.quit()
