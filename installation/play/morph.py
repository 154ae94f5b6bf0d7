"""A preset's numeric settings glide from where they were to where the preset has them over
`preset.morph_s` (README: Presets); switches (HUD, subtitles, mute) and the dream change at once.
The main thread steps the glide each frame and applies each value through the controls, as a
fader would; a setting moved by hand meanwhile leaves the glide.
"""

import math

from installation.media.compositor import smoothstep

GLIDING = ("dissolve_s", "hold_s", "zoom", "grain", "drift", "volume", "learning_rate",
           "steps_per_frame")  # fmt: skip
ON_A_LOG_SCALE = ("learning_rate",)  # 1e-5 to 1e-3 is a glide of decades, not of steps
WHOLE = ("steps_per_frame",)


class Morph:
    def __init__(self):
        self._glides: dict[str, tuple[float, float]] = {}  # command -> (from, to)
        self._start = self._seconds = 0.0
        self._last: dict[str, float | int] = {}  # what was last applied, to skip repeats

    @property
    def gliding(self) -> list[str]:
        return list(self._glides)

    def begin(self, now: float, seconds: float, start: dict, end: dict) -> None:
        """Glide each GLIDING setting of `end` from its value in `start`."""
        self._start, self._seconds = now, seconds
        self._glides = {c: (start[c], end[c]) for c in GLIDING if c in end and start[c] != end[c]}
        self._last = {}

    def drop(self, command: str) -> None:
        self._glides.pop(command, None)

    def step(self, now: float) -> list[tuple[str, float | int]]:
        """The settings' values for this moment (each only when it changed); a finished glide
        ends on its exact value and is dropped."""
        progress = 1.0 if self._seconds <= 0 else min((now - self._start) / self._seconds, 1.0)
        eased = smoothstep(progress)
        values = []
        for command, (start, end) in list(self._glides.items()):
            value = _between(command, start, end, eased) if progress < 1.0 else end
            if progress >= 1.0:
                del self._glides[command]
            if self._last.get(command) != value:
                self._last[command] = value
                values.append((command, value))
        return values


def _between(command: str, start: float, end: float, eased: float) -> float | int:
    if command in ON_A_LOG_SCALE and start > 0 and end > 0:
        return math.exp(math.log(start) + (math.log(end) - math.log(start)) * eased)
    value = start + (end - start) * eased
    return round(value) if command in WHOLE else value
