"""The audio mapping: which feature of the sound in (audio_in.py) drives which OSC address of the
table (installation/play/osc.py ADDRESSES), read from a small TOML file, audio.toml:

    [[map]]
    feature = "loudness"            # loudness, onset, low, mid or high: each from 0 to 1
    address = "/dreams/screen/zoom"
    range = [0.5, 2.0]              # where 0 and 1 land (default: the address's whole range)
    smoothing_s = 0.2               # one time constant; or attack_s and release_s apart
    curve = 2.0                     # the feature to this power first ("linear" is 1)

A mapping sends at most MOST_PER_S commands a second, and only when its value changes (an int
address when its rounded value does). An address without an argument (/dreams/dream/next) fires
when the smoothed feature rises past one half, and once more only after it fell below.
"""

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DreamsError
from engine.files import NotRegular, read_regular
from installation.play.osc import ADDRESSES, unmappable

FEATURES = ("loudness", "onset", "low", "mid", "high")
MOST_PER_S = 30  # commands a second from one mapping: a screen shows no more
MOST_MAPS = 64
MOST_BYTES = 1024 * 1024
SMOOTHING_MAX_S = 60.0
CURVE_MAX = 10.0
FIRE_ABOVE, REARM_BELOW = 0.5, 0.4  # an address without argument: fired, and ready again
CHANGE = 1e-3  # of the range: a float address moves by at least this much, or is not sent
KEYS = {"feature", "address", "range", "smoothing_s", "attack_s", "release_s", "curve"}


class AudioMappingError(DreamsError):
    pass


@dataclass(frozen=True)
class Route:
    """One [[map]] entry: a feature, an address and how the one moves the other."""

    feature: str
    address: str
    low: float  # where the feature's 0 lands
    high: float  # and its 1 (below low: the address moves against the feature)
    attack_s: float = 0.0  # time constant while the feature rises (0: at once)
    release_s: float = 0.0  # and while it falls
    curve: float = 1.0  # exponent


class Follower:
    """One route's smoothed level and what it last sent; owned by the audio-in thread."""

    def __init__(self, route: Route):
        self.route, self.spec = route, ADDRESSES[route.address]
        self.level = 0.0  # the smoothed feature, 0..1
        self.sent = None  # the last value sent (None: nothing yet)
        self.sent_at = -math.inf
        self.armed = True  # an address without argument fires on the next rise

    def follow(self, feature: float, dt: float) -> None:
        """The level after `dt` seconds of the feature: one pole, a step reaches 63% after one
        time constant."""
        tau = self.route.attack_s if feature > self.level else self.route.release_s
        self.level += (feature - self.level) * (1.0 - math.exp(-dt / tau) if tau > 0 else 1.0)

    def value(self):
        """The address's argument for the current level: curved, then scaled to the range."""
        route = self.route
        number = (
            route.low + (route.high - route.low) * min(max(self.level, 0.0), 1.0) ** route.curve
        )
        return round(number) if self.spec.kind is int else float(number)

    def command(self, now: float) -> tuple[str, object] | None:
        """The (command, value) to send now, or None: too soon after the last, or no change."""
        if now - self.sent_at < 1.0 / MOST_PER_S:
            return None  # a change waits for the next block after the gap
        if self.spec.kind is None:
            if self.level < REARM_BELOW:
                self.armed = True
            if not (self.armed and self.level > FIRE_ABOVE):
                return None
            self.armed, value = False, None
        else:
            value = self.value()
            span = abs(self.route.high - self.route.low) or 1.0
            if self.sent is not None and abs(value - self.sent) < (
                1 if self.spec.kind is int else CHANGE * span
            ):
                return None
        self.sent, self.sent_at = value, now
        return self.spec.command, value


class Mapper:
    """Features to the show's commands, as the mapping says."""

    def __init__(self, routes: list[Route]):
        self.followers = [Follower(route) for route in routes]

    def commands(self, features: dict[str, float], dt: float, now: float) -> list[tuple]:
        """What `dt` seconds of sound with these features ask of the show at time `now`."""
        asked = []
        for follower in self.followers:
            follower.follow(features[follower.route.feature], dt)
            if (command := follower.command(now)) is not None:
                asked.append(command)
        return asked


def refusal(address: str) -> str | None:
    """Why `address` cannot be driven by a feature, or None where it can."""
    return unmappable(address, "sound")


def load_mapping(path: Path) -> list[Route]:
    """The routes in `path` ([] where there is no file); AudioMappingError says what is wrong."""
    try:
        data = tomllib.loads(read_regular(path, MOST_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return []
    except NotRegular as error:  # a pipe would hang the show's start, /dev/zero never end
        raise AudioMappingError(f"{error}; give a mapping file or remove it") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise AudioMappingError(f"{path} cannot be read: {error}") from None
    entries = data.pop("map", [])
    if data or not isinstance(entries, list) or len(entries) > MOST_MAPS:
        raise AudioMappingError(f"{path} must hold [[map]] entries only, at most {MOST_MAPS}")
    return [_route(f"{path}: [[map]] number {i + 1}", entry) for i, entry in enumerate(entries)]


def _route(where: str, entry) -> Route:
    if not isinstance(entry, dict) or not set(entry) <= KEYS:
        raise AudioMappingError(f"{where} may hold only {', '.join(sorted(KEYS))}")
    feature, address = entry.get("feature"), entry.get("address")
    if feature not in FEATURES:
        raise AudioMappingError(f"{where}: feature = {feature!r} is not one of {FEATURES}")
    if not isinstance(address, str):
        raise AudioMappingError(f'{where} has no address = "/dreams/..."')
    if (why := refusal(address)) is not None:
        raise AudioMappingError(f"{where}: {why}")
    low, high = _range(where, entry.get("range"), ADDRESSES[address])
    smoothing = _number(where, entry, "smoothing_s", 0.0, 0.0, SMOOTHING_MAX_S)
    attack = _number(where, entry, "attack_s", smoothing, 0.0, SMOOTHING_MAX_S)
    release = _number(where, entry, "release_s", smoothing, 0.0, SMOOTHING_MAX_S)
    curve = (
        1.0
        if entry.get("curve") == "linear"
        else _number(where, entry, "curve", 1.0, 0.1, CURVE_MAX)
    )
    return Route(feature, address, low, high, attack, release, curve)


def _number(where: str, entry: dict, key: str, default: float, low: float, high: float) -> float:
    value = entry.get(key, default)
    if type(value) not in (int, float) or not low <= value <= high:
        raise AudioMappingError(
            f"{where}: {key} = {value!r} is not a number from {low:g} to {high:g}"
        )
    return float(value)


def _range(where: str, given, spec) -> tuple[float, float]:
    """The entry's range, within the address's (default: all of it)."""
    if given is None:
        return spec.low, spec.high
    inside = isinstance(given, list) and len(given) == 2
    if not (inside and all(type(v) in (int, float) and spec.low <= v <= spec.high for v in given)):
        raise AudioMappingError(
            f"{where}: range = {given!r} must be [from, to] within {spec.low:g} to {spec.high:g}"
        )
    return float(given[0]), float(given[1])
