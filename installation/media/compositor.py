"""The compositor: turns a network's dreams into the picture on screen.

The shown dream walks through the fixed latents: each holds for `hold_s`, then dissolves into the
next over `dissolve_s`, zooming in slowly all the while, under film grain. Both images of a
dissolve come from the newest network, so the picture is always the live mind's.
"""

from dataclasses import dataclass

import cv2
import numpy as np

from engine.config import ScreenConfig

GRAIN_SD = 50.0  # standard deviation of the stored grain texture, in grey levels around 128


def smoothstep(x: float) -> float:
    x = min(max(x, 0.0), 1.0)
    return x * x * (3.0 - 2.0 * x)


@dataclass
class Look:
    """What a performer may change of the picture while it plays (keys, OSC): owned by the
    thread that composes, never the config it started from."""

    hold_s: float
    dissolve_s: float
    zoom: float
    grain: float

    @classmethod
    def of(cls, screen: ScreenConfig) -> "Look":
        return cls(screen.hold_s, screen.dissolve_s, screen.zoom, screen.grain)


class Compositor:
    def __init__(self, look: Look | ScreenConfig, side: int, seed: int = 0):
        self.config = look  # read every frame: a change shows on the next one
        self.side = side  # the square picture's side in screen pixels
        self._random = np.random.default_rng(seed)
        # A grain texture twice the picture's size; each frame shows a random window of it.
        noise = self._random.normal(128.0, GRAIN_SD, (2 * side, 2 * side))
        noise = cv2.GaussianBlur(noise, (0, 0), 0.6)  # soften single-pixel noise into grain
        grey = np.clip(noise, 0, 255).astype(np.uint8)
        self._grain = cv2.cvtColor(grey, cv2.COLOR_GRAY2RGB)  # once, not every frame

    @property
    def random_state(self) -> dict:
        """The grain's random state, for a recording to resume with the same grain."""
        return self._random.bit_generator.state

    @random_state.setter
    def random_state(self, state: dict) -> None:
        self._random.bit_generator.state = state

    def schedule(
        self, t: float, dreams: int, offset: int = 0
    ) -> tuple[int, int, float, float, float]:
        """At show time t: (dream a, dream b, how far a has dissolved into b, zoom of a, zoom
        of b). Each dream lives dissolve + hold + dissolve seconds and zooms over its life."""
        hold, dissolve = self.config.hold_s, self.config.dissolve_s
        period = max(hold + dissolve, 1e-3)
        turn, phase = divmod(max(t, 0.0), period)
        a, b = (int(turn) + offset) % dreams, (int(turn) + offset + 1) % dreams
        alpha = smoothstep((phase - hold) / dissolve) if dissolve > 0 else float(phase >= hold)
        life = period + dissolve
        zoom_a = 1.0 + self.config.zoom * (phase + dissolve) / life
        zoom_b = 1.0 + self.config.zoom * max(phase - hold, 0.0) / life
        return a, b, alpha, zoom_a, zoom_b

    def compose(self, images: np.ndarray, t: float, offset: int = 0) -> np.ndarray:
        """The picture at show time t from a network's dreams (n, size, size, C) uint8:
        an RGB (side, side, 3) uint8 array."""
        a, b, alpha, zoom_a, zoom_b = self.schedule(t, len(images), offset)
        picture = self._zoomed(images[a], zoom_a)
        if alpha > 0:
            picture = cv2.addWeighted(
                picture, 1.0 - alpha, self._zoomed(images[b], zoom_b), alpha, 0
            )
        if picture.ndim == 2:
            picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
        return self._add_grain(picture)

    def _zoomed(self, image: np.ndarray, zoom: float) -> np.ndarray:
        """The image scaled up to the picture's side and zoomed in by `zoom` about its centre."""
        size = image.shape[0]
        scale = self.side / size * zoom
        shift = self.side / 2 - scale * size / 2
        matrix = np.array([[scale, 0, shift], [0, scale, shift]], dtype=np.float64)
        source = image[:, :, 0] if image.shape[2] == 1 else image
        return cv2.warpAffine(
            source,
            matrix,
            (self.side, self.side),
            flags=cv2.INTER_CUBIC,
            borderMode=cv2.BORDER_REFLECT,
        )

    def _add_grain(self, picture: np.ndarray) -> np.ndarray:
        strength = self.config.grain * 255.0 / GRAIN_SD
        if strength <= 0:
            return picture
        top, left = self._random.integers(0, self.side, 2)
        grain = self._grain[top : top + self.side, left : left + self.side]
        return cv2.addWeighted(picture, 1.0, grain, strength, -128.0 * strength)
