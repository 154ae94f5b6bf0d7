"""Typed configuration: one dataclass per section of config.toml, loaded and overridden safely.

Every default lives here; config.toml mirrors them with comments (a test keeps the two equal).
Overrides come as `section.key=value` strings and are checked against the field's type and range.
A loaded config is frozen (a write raises): a changed one is a copy, `config.with_changes(...)`.
"""

import dataclasses
import math
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.addresses import is_host, is_ip_networks, is_osc_targets
from engine.aspect import is_aspect
from engine.errors import ConfigError

# The names that engine/mind/networks.py and engine/mind/speed.py act on, kept here: the config
# imports no torch, so `dreams doctor` and a mistake's one line work where torch is broken.
UPSAMPLES = ("transposed", "nearest", "bilinear")
SPEEDS = ("auto", "eager", "compiled")
COMPILE_MODES = ("default", "reduce-overhead", "max-autotune", "max-autotune-no-cudagraphs")
FITS = ("fill", "letterbox")  # the picture covers the screen, or all of it shows between bars


def _setting(default, check=None, hint=""):
    """A config field with an optional validity check and the hint shown when it fails."""
    return field(default=default, metadata={"check": check, "hint": hint})


def _between(default, low, high, unit=""):
    """A setting that must lie from `low` to `high` inclusive; the hint says so in those words.
    Every number has both bounds (tests/test_config.py tries inf, NaN and huge values on each)."""
    return _setting(
        default, lambda v: low <= v <= high, f"between {_written(low)} and {_written(high)}{unit}"
    )


def _written(number: float) -> str:
    """A bound as a person writes it: 4294967295 and 1000000, not 4.29497e+09."""
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _auto_or(check, hint: str):  # "auto", or a whole number that passes `check`
    return _setting("auto", lambda v: v == "auto" or (isinstance(v, int) and check(v)), hint)


SEED_MAX = 2**32 - 1  # numpy's legacy generators take 0 to 2**32 - 1, torch more, never below 0


def _seed():
    return _between(0, 0, SEED_MAX)


def _device():
    """Where a network runs: "auto", "cpu", "cuda", "cuda:N" or "mps"."""
    return _setting(
        "auto",
        lambda v: v in ("auto", "cpu", "mps", "cuda") or v.startswith("cuda:"),
        'one of "auto", "cpu", "cuda", "cuda:N", "mps"',
    )


@dataclass(frozen=True)
class FilmConfig:
    source: str = _setting("", hint="a video file, a folder of images, camera:N or a URL")
    color: bool = False
    loop: bool = True
    # and what fits the machine (engine/mind/build.py)
    memory_frames: int = _between(1024, 1, 100_000)
    folder_fps: float = _between(12.0, 0.01, 240)
    reconnect_s: float = _between(2.0, 0.1, 600, " seconds")


@dataclass(frozen=True)
class DreamConfig:
    device: str = _device()
    resolution: int | str = _auto_or(
        lambda v: v in (32, 64, 128, 256, 512), 'a power of two from 32 to 512, or "auto"'
    )
    aspect: str = _setting("film", is_aspect, 'one of "film", "square" or "W:H" (e.g. "16:9")')
    upsample: str = _setting(
        "nearest", lambda v: v in UPSAMPLES, 'one of "' + '", "'.join(UPSAMPLES) + '"'
    )
    seed: int = _seed()
    batch_size: int = _between(16, 1, 1024)
    latent_size: int = _between(100, 1, 4096)
    width: int | str = _auto_or(
        lambda v: 4 <= v <= 1024, 'between 4 and 1024, or "auto" (32 on a CPU, 64 on a GPU)'
    )
    learning_rate: float = _setting(2e-4, lambda v: 0 < v < 1, "between 0 and 1")
    beta1: float = _setting(0.5, lambda v: 0 <= v < 1, "between 0 and 1")
    dreams: int = _between(8, 1, 64)
    steps_per_frame: int = _between(1, 1, 1000)
    augment: str = _setting(
        "color,translation,cutout",
        lambda v: all(p in ("", "color", "translation", "cutout") for p in v.split(",")),
        'a comma-separated list of "color", "translation", "cutout" (or "")',
    )
    speed: str = _setting("auto", lambda v: v in SPEEDS, 'one of "auto", "eager", "compiled"')
    compile_mode: str = _setting(
        "reduce-overhead", lambda v: v in COMPILE_MODES, "one of " + ", ".join(COMPILE_MODES)
    )
    max_loss: float = _setting(100.0, lambda v: 0 < v <= 1e9, "more than 0, at most 1e9")
    snapshot_every: int = _between(200, 1, 1_000_000)
    rebirth_rate_factor: float = _setting(0.5, lambda v: 0 < v <= 1, "between 0 and 1")
    calm_networks: int = _between(2000, 0, 100_000_000)


@dataclass(frozen=True)
class ScreenConfig:
    fullscreen: bool = True
    display: int = _between(0, 0, 255)
    window_width: int = _between(1280, 64, 16384)
    window_height: int = _between(720, 64, 16384)
    fps: int | str = _auto_or(lambda v: 1 <= v <= 1000, 'between 1 and 1000, or "auto"')
    hold_s: float = _between(4.0, 0, 3600, " seconds")
    dissolve_s: float = _between(6.0, 0, 600, " seconds")
    zoom: float = _between(0.15, 0, 4)
    grain: float = _between(0.06, 0, 1)
    drift: float = _between(0.0, 0, 30, " loops a minute")
    fit: str = _setting("fill", lambda v: v in FITS, 'one of "fill", "letterbox"')
    hud: bool = False
    subtitles: bool = True
    screenshot_dir: str = "~/Pictures/Dreams"


@dataclass(frozen=True)
class PoetConfig:
    enabled: bool = True
    model: str = _setting("", hint='"" for the bundled SmolLM2, a model folder or a hub id')
    adapter: str = "bundled"
    device: str = _device()
    seed: int = _seed()
    prompt_lines: int = _between(6, 1, 40)
    temperature: float = _between(0.9, 0.01, 5)
    top_p: float = _between(0.95, 0.01, 1)
    repetition_penalty: float = _between(1.15, 1, 3)
    max_new_tokens: int = _between(32, 8, 1024)
    candidates: int = _between(0, 0, 256, " (0: auto)")
    lines_per_stanza: int = _between(4, 1, 32)
    stanzas: int = _between(3, 1, 32)
    queue_lines: int = _between(8, 1, 1000)
    line_s: float = _between(6.0, 0.5, 120, " seconds")
    cache_dir: str = ""


@dataclass(frozen=True)
class VoiceConfig:
    enabled: bool = True
    model: str = _setting("", hint='"" for the bundled voice, or a Piper .onnx voice file')
    device: str = ""
    length_scale: float = _between(1.35, 0.3, 4)
    noise_scale: float = _between(0.6, 0, 2)
    noise_w: float = _between(0.8, 0, 2)
    volume: float = _between(1.0, 0, 2)
    line_pause_s: float = _between(1.2, 0, 60, " seconds")
    stanza_pause_s: float = _between(2.5, 0, 60, " seconds")
    poem_pause_s: float = _between(6.0, 0, 300, " seconds")


@dataclass(frozen=True)
class OscConfig:
    enabled: bool = True
    host: str = _setting(
        "127.0.0.1", is_host, 'an address of this machine, e.g. "127.0.0.1" or "0.0.0.0"'
    )
    port: int = _between(9000, 0, 65535, " (0: any free)")
    allow: str = _setting(
        "",
        is_ip_networks,
        'IP addresses or networks, comma-separated, e.g. "192.168.1.20,10.0.0.0/24"',
    )
    targets: str = _setting(
        "",
        is_osc_targets,
        'ip:port pairs (IPv4, ports 1 to 65535), comma-separated, e.g. "127.0.0.1:9001"',
    )
    max_messages_per_s: float = _between(2000.0, 1, 1_000_000)
    burst: int = _between(5000, 1, 1_000_000)


@dataclass(frozen=True)
class PresetConfig:
    morph_s: float = _between(2.0, 0, 600, " seconds")


VIDEO_OUT_KINDS = ("ndi", "syphon", "spout")


@dataclass(frozen=True)
class VideoOutConfig:
    enabled: bool = False
    kind: str = _setting("ndi", lambda v: v in VIDEO_OUT_KINDS, ", ".join(VIDEO_OUT_KINDS))
    name: str = _setting("Dreams", lambda v: 0 < len(v) <= 63, "1 to 63 characters")
    subtitles: bool = True


@dataclass(frozen=True)
class MidiConfig:
    enabled: bool = True
    port: str = _setting("", hint='"" for every MIDI input, or part of one\'s name')
    mapping: str = _setting("", hint='"" for midi.toml in the state folder, or a file')


@dataclass(frozen=True)
class AudioInConfig:
    enabled: bool = False
    device: str = _setting("", hint='"" for the default input, or part of a device\'s name')
    mapping: str = _setting("", hint='"" for audio.toml in the state folder, or a file')
    mute_while_speaking: bool = True  # the voice heard by a microphone is not the music


X264_PRESETS = ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower",
                "veryslow")  # fmt: skip


def _even(default, low, high):
    """A picture size: even (H.264's colour planes are half size), from `low` to `high`."""
    return _setting(default, lambda v: low <= v <= high and v % 2 == 0, f"even, {low} to {high}")


@dataclass(frozen=True)
class RecordConfig:
    width: int = _even(1920, 64, 7680)
    height: int = _even(1080, 64, 4320)
    fps: int = _between(30, 1, 240)
    frames_per_network: int = _between(1, 1, 1000)
    film_frames_per_network: float = _between(0.0, 0, 1000, " (0: the whole film over the run)")
    crf: int = _between(20, 0, 51)
    preset: str = _setting("veryfast", lambda v: v in X264_PRESETS, ", ".join(X264_PRESETS))
    audio_kbps: int = _between(160, 32, 512)
    title_s: float = _between(5.0, 0, 60, " seconds")
    credits_s: float = _between(10.0, 0, 120, " seconds")
    queue_frames: int = _between(120, 2, 10000)
    checkpoint_s: float = _between(60.0, 1, 3600, " seconds")
    folder: str = "~/Videos/Dreams"


@dataclass(frozen=True)
class StateConfig:
    enabled: bool = True
    folder: str = _setting("", hint='"" for the user\'s data folder, or a folder')
    save_every_s: float = _between(300.0, 1, 86400, " seconds")
    keep: int = _between(3, 1, 1000)
    summary_every_s: float = _between(300.0, 1, 86400, " seconds")
    log_kb: int = _between(1024, 16, 1_000_000)
    log_files: int = _between(5, 1, 100)


def _token(text: str) -> bool:
    """Empty (this machine only), or long enough that guessing it is hopeless."""
    return text == "" or (16 <= len(text) <= 256 and text.isprintable() and " " not in text)


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = True
    host: str = _setting(
        "127.0.0.1", is_host, 'an address of this machine, e.g. "127.0.0.1" or "0.0.0.0"'
    )
    port: int = _between(8080, 0, 65535, " (0: any free)")
    token: str = _setting("", _token, '"" or 16 to 256 characters without spaces')
    allow: str = _setting(
        "",
        is_ip_networks,
        'IP addresses or networks, comma-separated, e.g. "192.168.1.20,10.0.0.0/24"',
    )
    stall_s: float = _between(300.0, 1, 86400, " seconds")
    max_requests_per_s: float = _between(20.0, 1, 10_000)
    burst: int = _between(60, 1, 100_000)


@dataclass(frozen=True)
class ScheduleConfig:
    """Opening hours (installation/gallery/schedule.py reads the two strings, before the show)."""

    hours: str = _setting("", hint='weekly hours, e.g. "Tue-Sun 10:00-18:00"; "": always open')
    closed: str = _setting("", hint='closed dates, e.g. "2026-12-25, 2027-01-01"')
    learn_when_closed: bool = True
    fade_s: float = _between(10.0, 0, 600, " seconds")
    display_sleep: bool = True
    projector: str = _setting("", hint='"" (none) or a PJLink projector\'s address[:port]')
    projector_password: str = ""


@dataclass(frozen=True)
class Config:
    film: FilmConfig = field(default_factory=FilmConfig)
    dream: DreamConfig = field(default_factory=DreamConfig)
    screen: ScreenConfig = field(default_factory=ScreenConfig)
    poet: PoetConfig = field(default_factory=PoetConfig)
    voice: VoiceConfig = field(default_factory=VoiceConfig)
    osc: OscConfig = field(default_factory=OscConfig)
    preset: PresetConfig = field(default_factory=PresetConfig)
    video_out: VideoOutConfig = field(default_factory=VideoOutConfig)
    midi: MidiConfig = field(default_factory=MidiConfig)
    audio_in: AudioInConfig = field(default_factory=AudioInConfig)
    record: RecordConfig = field(default_factory=RecordConfig)
    state: StateConfig = field(default_factory=StateConfig)
    web: WebConfig = field(default_factory=WebConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)

    def with_changes(self, section: str, **values) -> "Config":
        """A copy with `values` in [section], e.g. `config.with_changes("osc", port=0)`."""
        changed = dataclasses.replace(getattr(self, section), **values)
        return dataclasses.replace(self, **{section: changed})


def load_config(
    path: Path | None = None, overrides: list[str] = (), typed: dict[str, str] | None = None
) -> Config:
    """Defaults, then the TOML file at `path`, then `section.key=value` overrides. `typed` maps
    an override made from a command-line option to the option as typed, which a refusal names."""
    config = Config()
    if path is not None:
        for section, values in _read_toml(Path(path)).items():
            if not isinstance(values, dict):
                raise ConfigError(f"config {path}: [{section}] must be a table of settings")
            for key, value in values.items():
                config = _assign(config, section, key, value, where=f"config {path}")
    for override in overrides:
        section, key, value = _parse_override(override)
        where = (typed or {}).get(override, f"--set {override}")
        config = _assign(config, section, key, value, where=where)
    return config


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}; give an existing TOML file") from None
    except UnicodeDecodeError as error:  # a binary file, or text in another encoding
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte {error.start}); give a TOML file"
        ) from None
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(f"config file {path} cannot be read: {error}") from None


def _parse_override(text: str) -> tuple[str, str, Any]:
    name, equals, raw = text.partition("=")
    section, dot, key = name.strip().partition(".")
    if not equals or not dot or not section or not key:
        raise ConfigError(
            f"--set {text!r}: write it as section.key=value, e.g. dream.resolution=128"
        )
    try:  # a TOML literal (128, 0.5, true, "text"); a bare word is taken as a string
        value = tomllib.loads(f"value = {raw.strip()}")["value"]
    except tomllib.TOMLDecodeError:
        value = raw.strip()
    return section, key, value


def _assign(config: Config, section: str, key: str, value: Any, where: str) -> Config:
    sections = {f.name: getattr(config, f.name) for f in dataclasses.fields(config)}
    if section not in sections:
        raise ConfigError(f"{where}: unknown section [{section}]; known: {', '.join(sections)}")
    target = sections[section]
    fields = {f.name: f for f in dataclasses.fields(target)}
    if key not in fields:
        known = ", ".join(fields)
        raise ConfigError(f"{where}: unknown key {section}.{key}; known in [{section}]: {known}")
    spec = fields[key]
    coerced = _coerce(value, spec)
    check, hint = spec.metadata.get("check"), spec.metadata.get("hint", "")
    if coerced is None or (check is not None and not check(coerced)):
        expected = hint or TYPE_NAMES.get(spec.type, "a value")
        raise ConfigError(f"{where}: {section}.{key} = {value!r} is not valid; expected {expected}")
    return config.with_changes(section, **{key: coerced})


def _coerce(value: Any, spec: dataclasses.Field) -> Any:
    """The value in the field's type, or None when it cannot be one."""
    kind = spec.type
    if kind is bool:
        return value if isinstance(value, bool) else None
    if isinstance(value, bool):  # True is an int in Python; never accept it as a number
        return None
    if kind is int:
        return value if isinstance(value, int) else None
    if kind is float:  # inf and NaN are no setting's value: `x < inf` never ends a loop
        try:
            number = float(value) if isinstance(value, int | float) else math.nan
        except OverflowError:  # an int beyond any float
            return None
        return number if math.isfinite(number) else None
    if kind is str:
        return value if isinstance(value, str) else None
    return value if isinstance(value, int | str) else None  # int | str: the check decides


TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text"}


def as_dict(config: Config) -> dict[str, dict[str, Any]]:
    return dataclasses.asdict(config)
