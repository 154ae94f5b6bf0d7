"""`dream.aspect` as the settings give it: "film" (the film's own width:height), "square", or
a ratio "W:H". Checked with the config (engine/config.py); the dreams' size in pixels is the
dreaming mind's (engine/mind/shape.py)."""

import re

ASPECTS = ("film", "square")
_RATIO = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*:\s*(\d+(?:\.\d+)?)\s*$")


def is_aspect(value) -> bool:
    """A valid `dream.aspect`: "film", "square" or "W:H" with both above zero."""
    if value in ASPECTS:
        return True
    match = isinstance(value, str) and _RATIO.match(value)
    return bool(match) and float(match[1]) > 0 and float(match[2]) > 0


def ratio_of(aspect: str, film_ratio: float | None) -> float:
    """Width over height that `aspect` asks for; "film" is the film's (square when unknown)."""
    if aspect == "square":
        return 1.0
    if aspect == "film":
        return film_ratio or 1.0
    width, height = _RATIO.match(aspect).groups()
    return float(width) / float(height)
