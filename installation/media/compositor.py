"""The compositor: turns a network's dreams into the picture on screen.

The shown dream walks through the fixed latents: each holds for `hold_s`, then dissolves into the
next over `dissolve_s`, zooming in slowly all the while, under film grain. Both images of a
dissolve come from the newest network, so the picture is always the live mind's.

A small dream on a large screen is zoomed and dissolved on a canvas at most CANVAS_ZOOM times the
dream's size, then scaled up once, smoothly, to the picture's size, and the grain is laid on at
the picture's own size, as fine as ever: a 64 x 112 dream at 1920 x 1080 is composed at 448 x 252
(about 2 ms on this project's CPU instead of 56 ms for two bicubic warps of two million pixels),
and the picture differs from the one bicubic warp by about a grey level (tests/test_compositor.py).
"""

from dataclasses import dataclass

import cv2
import numpy as np

from engine.config import ScreenConfig

GRAIN_SD = 50.0  # standard deviation of the stored grain texture, in grey levels around 128
CANVAS_ZOOM = 4.0  # the most screen pixels a dream pixel spans on the canvas, before the scaling


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
        self._grain = np.clip(noise, 0, 255).astype(np.uint8)
        self._grain_rgb: np.ndarray | None = None  # the same for colour dreams, made once

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

    def canvas_size(self, picture: tuple[int, int], dream: tuple[int, int]) -> tuple[int, int]:
        """(width, height) where the dreams are zoomed and dissolved for a picture of this size:
        the picture's own, or smaller where a dream pixel would span more than CANVAS_ZOOM of
        its pixels (the picture's shape kept)."""
        scale = placement(dream, picture, 1.0)[0] / CANVAS_ZOOM
        if scale <= 1.0:
            return picture
        return max(1, round(picture[0] / scale)), max(1, round(picture[1] / scale))

    def compose(self, images: np.ndarray, t: float, offset: int = 0) -> np.ndarray:
        """The picture at show time t from a network's dreams (n, height, width, C) uint8: an
        RGB (height, width, 3) uint8 array of `picture_size`."""
        a, b, alpha, zoom_a, zoom_b = self.schedule(t, len(images), offset)
        size = self.picture_size(*images.shape[1:3])
        canvas = self.canvas_size(size, images.shape[1:3])
        picture = self._zoomed(images[a], zoom_a, canvas)
        if alpha > 0:
            picture = cv2.addWeighted(
                picture, 1.0 - alpha, self._zoomed(images[b], zoom_b, canvas), alpha, 0
            )
        if canvas != size:  # once, smoothly: the dream's own pixels were smoothed on the canvas
            picture = cv2.resize(picture, size, interpolation=cv2.INTER_LINEAR)
        picture = self._add_grain(picture)  # at the picture's size: the grain stays fine
        if picture.ndim == 2:
            picture = cv2.cvtColor(picture, cv2.COLOR_GRAY2RGB)
        return picture

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
        grain = self._grain
        if picture.ndim == 3:  # colour: the same grey grain on every channel
            if self._grain_rgb is None:
                self._grain_rgb = cv2.cvtColor(self._grain, cv2.COLOR_GRAY2RGB)
            grain = self._grain_rgb
        return cv2.addWeighted(picture, 1.0, grain[rows, columns], strength, -128.0 * strength)


def placement(dream_shape: tuple[int, int], size: tuple[int, int], zoom: float):
    """(scale, x shift, y shift) that maps a dream of (height, width) onto a picture of `size`
    (width, height): covering it, centred, zoomed by `zoom`."""
    height, width = dream_shape
    scale = max(size[0] / width, size[1] / height) * zoom
    return scale, size[0] / 2 - scale * width / 2, size[1] / 2 - scale * height / 2
