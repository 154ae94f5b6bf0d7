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
    def __init__(
        self, look: Look | ScreenConfig, area: tuple[int, int], fit: str = "fill", seed: int = 0
    ):
        self.config = look  # read every frame: a change shows on the next one
        self.area = area  # (width, height) in pixels of the screen or the cut's frame
        self.fit = fit  # "fill": the picture covers the area; "letterbox": all of it shows
        self._random = np.random.default_rng(seed)
        # A grain texture twice the area's size; each frame shows a random window of it.
        width, height = area
        noise = self._random.normal(128.0, GRAIN_SD, (2 * height, 2 * width))
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

    def picture_size(self, dream_height: int, dream_width: int) -> tuple[int, int]:
        """(width, height) of the picture of a dream of this shape: the whole area when it
        fills it, else the largest of the dream's shape that fits (centred between bars)."""
        if self.fit == "fill":
            return self.area
        width, height = self.area
        scale = min(width / dream_width, height / dream_height)
        return max(1, round(dream_width * scale)), max(1, round(dream_height * scale))

    def compose(self, images: np.ndarray, t: float, offset: int = 0) -> np.ndarray:
        """The picture at show time t from a network's dreams (n, height, width, C) uint8: an
        RGB (height, width, 3) uint8 array of `picture_size`."""
        a, b, alpha, zoom_a, zoom_b = self.schedule(t, len(images), offset)
        size = self.picture_size(*images.shape[1:3])
        picture = self._zoomed(images[a], zoom_a, size)
        if alpha > 0:
            picture = cv2.addWeighted(
                picture, 1.0 - alpha, self._zoomed(images[b], zoom_b, size), alpha, 0
            )
        if picture.ndim == 2:
            picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
        return self._add_grain(picture)

    def _zoomed(self, image: np.ndarray, zoom: float, size: tuple[int, int]) -> np.ndarray:
        """The image scaled to cover a picture of `size` (width, height), zoomed in by `zoom`
        about its centre."""
        scale, shift_x, shift_y = placement(image.shape[:2], size, zoom)
        matrix = np.array([[scale, 0, shift_x], [0, scale, shift_y]], dtype=np.float64)
        source = image[:, :, 0] if image.shape[2] == 1 else image
        return cv2.warpAffine(
            source, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT
        )

    def grain_window(self, size: tuple[int, int]) -> tuple[slice, slice]:
        """This frame's random window of the grain texture for a picture of `size`."""
        width, height = self.area
        top, left = self._random.integers(0, (height, width))
        return slice(top, top + size[1]), slice(left, left + size[0])

    def _add_grain(self, picture: np.ndarray) -> np.ndarray:
        strength = self.config.grain * 255.0 / GRAIN_SD
        if strength <= 0:
            return picture
        rows, columns = self.grain_window((picture.shape[1], picture.shape[0]))
        grain = self._grain[rows, columns]
        return cv2.addWeighted(picture, 1.0, grain, strength, -128.0 * strength)


def placement(dream_shape: tuple[int, int], size: tuple[int, int], zoom: float):
    """(scale, x shift, y shift) that maps a dream of (height, width) onto a picture of `size`
    (width, height): covering it, centred, zoomed by `zoom`."""
    height, width = dream_shape
    scale = max(size[0] / width, size[1] / height) * zoom
    return scale, size[0] / 2 - scale * width / 2, size[1] / 2 - scale * height / 2
