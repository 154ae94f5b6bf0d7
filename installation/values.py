"""The command line's values: each type below turns the text typed after an option into a value
within finite bounds, or says in words what to give (argparse puts the option's name before it).
An option that sets a config setting (--seed, --fps, --display) is only made a whole number here:
the setting's own bounds (engine/config.py) then judge it, naming the option."""

import argparse
import math

NETWORKS_MAX = 100_000_000  # a cut of this many is years of film at 30 frames a second
WORDS_MAX = 100_000_000
# poems (or passages) at once: 64 is a GPU's default for `dreams write`; 64 poems of 16 candidate
# lines are 1024 sequences in the model's cache already, and more would gain little
POET_BATCH_MAX = 64
STEPS_MAX = 10_000_000
SECONDS_MAX = 366 * 24 * 3600.0  # a year


def whole(low: int, high: int):
    """A whole number from `low` to `high`."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"give a whole number from {low} to {high}, not {text!r}"
            )
        return value

    return parse


def number(low: float, high: float, unit: str = ""):
    """A number from `low` to `high` (never NaN or infinite)."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"give a number from {_written(low)} to {_written(high)}{unit}, not {text!r}"
            )
        return value

    return parse


def _written(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else f"{bound:g}"


def integer(text: str) -> int:
    """Any whole number: a setting's bounds judge it after."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"give a whole number, not {text!r}") from None


NETWORKS, WORDS, STEPS = whole(1, NETWORKS_MAX), whole(1, WORDS_MAX), whole(1, STEPS_MAX)
POET_BATCH = whole(1, POET_BATCH_MAX)
SECONDS = number(0.001, SECONDS_MAX, " seconds")


def resolution(text: str) -> int:
    if text not in ("64", "128", "256", "512"):
        raise argparse.ArgumentTypeError(f"give a power of two from 64 to 512, not {text!r}")
    return int(text)


def size(text: str) -> tuple[int, int]:
    width, x, height = text.lower().partition("x")
    if not (x and width.isdecimal() and height.isdecimal()):
        raise argparse.ArgumentTypeError(f"give WIDTHxHEIGHT, e.g. 1920x1080, not {text!r}")
    return int(width), int(height)
