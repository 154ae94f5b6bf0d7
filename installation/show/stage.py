"""The stage: what the main thread puts on screen each frame. The newest network's dreams,
composited (dissolve, zoom, grain) on the GPU where they were made or else on the CPU, with the
HUD, the footer and a subtitle. What a performer changes of the picture itself (the look, which
dream) lives here, owned by the main thread, apart from the config; the screen (screen.py) decides
what else is shown.
"""

import logging

import cv2
import numpy as np

from engine.config import ScreenConfig
from installation.media.compositor import Compositor, Look
from installation.media.gpu_compositor import make_compositor, on_host
from installation.media.window import Window

log = logging.getLogger(__name__)


class Stage:
    def __init__(self, screen: ScreenConfig, window: Window, seed: int, device, footer: str):
        self.window, self.seed, self.device, self.footer = window, seed, device, footer
        self.look = Look.of(screen)
        self.fit = screen.fit
        self.compositor: Compositor | None = None
        self.dream_clock = 0.0  # the dreams' clock at the last frame drawn
        self.dream_shift_s = 0.0  # added to the show's clock (next dream)
        self.dream_offset = 0  # added to the dream index (which dream)
        self.picture = None  # the last frame's dreams alone, before the HUD and subtitle

    def compositor_for(self, area: tuple[int, int]) -> Compositor:
        """The compositor for a window of this size (made again when the window changes)."""
        if self.compositor is None or self.compositor.area != area:
            self.compositor = make_compositor(self.look, area, self.fit, self.seed, self.device)
            if type(self.compositor) is Compositor:  # the GPU's refused: not tried again
                self.device = "cpu"
        return self.compositor

    def draw(self, t: float, images, hud: list[str], subtitle: str | None, fade: float,
             brightness: float = 1.0) -> None:  # fmt: skip
        """A frame at show time `t`: `images` the newest network's dreams (or None yet), the
        picture and subtitle at `brightness` (0: black while the gallery is closed, the HUD
        lit: nothing is composed, the CPU or GPU left to the learning)."""
        t += self.dream_shift_s
        compositor = self.compositor_for(self.window.size)
        dark = images is None or brightness <= 0.0
        picture = None if dark else dimmed(self._compose(compositor, images, t), brightness)
        self.dream_clock, self.picture = t, picture
        if brightness <= 0.0:
            subtitle = None
        self.window.draw(picture, hud, self.footer, subtitle, fade * brightness)

    def _compose(self, compositor: Compositor, images, t: float) -> np.ndarray:
        if type(compositor) is Compositor:
            return compositor.compose(on_host(images), t, self.dream_offset)
        try:
            return compositor.compose(images, t, self.dream_offset)
        except Exception:  # the GPU's compositor (out of memory, say): the CPU's from now on
            log.exception("screen: composing on the GPU failed; composing on the CPU from now on")
            self.compositor = Compositor(self.look, compositor.area, self.fit, self.seed)
            self.device = "cpu"  # a new window size is composed on the CPU too
            return self.compositor.compose(on_host(images), t, self.dream_offset)

    def dream_index(self, dreams: int) -> int:
        """Which of `dreams` is on screen (or dissolving away) now."""
        if not dreams or self.compositor is None:
            return 0
        return self.compositor.schedule(self.dream_clock, dreams, self.dream_offset)[0]

    def start_dissolve(self, dreams: int, to: int | None = None) -> None:
        """Begin the dissolve into the next dream now, or into dream `to` of `dreams`."""
        look = self.look
        period = max(look.hold_s + look.dissolve_s, 1e-3)
        turn, phase = divmod(self.dream_clock, period)
        self.dream_shift_s += (look.hold_s - phase) if phase < look.hold_s else (period - phase)
        if to is not None and dreams:
            upcoming = int(turn if phase < look.hold_s else turn + 1) + 1
            self.dream_offset = (to - upcoming) % dreams


def dimmed(picture: np.ndarray, brightness: float) -> np.ndarray:
    """The picture at `brightness` (during a fade: about 5 ms a frame at 1080p on a CPU)."""
    return picture if brightness >= 1.0 else cv2.convertScaleAbs(picture, alpha=brightness)
