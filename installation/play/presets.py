"""Presets: every live setting a performer can change, kept as a small TOML file per name in the
state folder's presets/ (README: Presets). Saved and read on the main thread: a few hundred
bytes, written whole (engine/files.py), so a pulled plug leaves the old preset or the new one.

A preset names settings by their command (installation/play/osc.py's table); every value is
checked against that table when it is read, and a file that is damaged or holds anything else is
refused whole: half a preset is not what the performer saved.
"""

import re
import time
import tomllib
from pathlib import Path

from engine.files import NotRegular, read_regular, write_atomically
from installation.play.osc import ADDRESSES, command_for

# what a preset holds, in the order it is written: the look, the voice, the learning, the dream
SETTINGS = ("dissolve_s", "hold_s", "zoom", "grain", "hud", "subtitles", "volume", "mute",
            "learning_rate", "steps_per_frame", "drift", "dream")  # fmt: skip
ADDRESS_OF = {spec.command: address for address, spec in ADDRESSES.items()}
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")
MOST_BYTES = 64 * 1024  # a preset is a few hundred bytes; a bigger file is not one


class PresetError(Exception):
    """A preset that cannot be saved or loaded; the message is the log line."""


def check_preset_name(name: str) -> str:
    """The name if a preset may be called so (it becomes a file name); else a PresetError."""
    if not NAME.fullmatch(name):
        raise PresetError(
            f"preset: the name {name[:80]!r} is refused: 1 to 64 letters, digits, - and _ only"
        )
    return name


class Presets:
    """The presets folder of a show; None of it exists until the first preset is saved."""

    def __init__(self, folder: Path):
        self.folder = folder
        self._refused: dict[Path, tuple] = {}  # a damaged file is said once (until it changes)

    def path(self, name: str) -> Path:
        return self.folder / f"{check_preset_name(name)}.toml"

    def save(self, name: str, settings: dict[str, float | int]) -> Path:
        path = self.path(name)
        stamp = time.strftime("%Y-%m-%d %H:%M")
        lines = [f'# Dreams preset "{name}", saved {stamp}: load it with /dreams/preset/load '
                 f"{name}" + (f" or the key {name}" if name in "123456789" else "")]  # fmt: skip
        lines += [f"{command} = {settings[command]!r}" for command in SETTINGS]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomically(path, ("\n".join(lines) + "\n").encode())
        except OSError as error:
            raise PresetError(f"preset: {path} not saved: {error.strerror or error}") from None
        self._refused.pop(path, None)
        return path

    def load(self, name: str) -> dict[str, float | int] | None:
        """The settings in the preset, checked; None when a damaged file was already said."""
        path = self.path(name)
        if not path.exists():
            raise PresetError(f"preset: there is no preset {name!r} ({path}); save one first")
        try:
            return _settings(tomllib.loads(read_regular(path, MOST_BYTES).decode("utf-8")))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, PresetError) as error:
            changed = _version(path)
            if self._refused.get(path) == changed:
                return None  # said once already; the file has not changed since
            self._refused[path] = changed
            if isinstance(error, NotRegular):  # a pipe, a device, a huge file: never read
                raise PresetError(f"preset: {error}; it loads nothing") from None
            raise PresetError(f"preset: {path} is damaged and loads nothing ({error})") from None


def _version(path: Path) -> tuple:
    try:
        stat = path.stat()
        return stat.st_mtime_ns, stat.st_size
    except OSError:
        return ()


def _settings(table: dict) -> dict[str, float | int]:
    """Each value checked as OSC checks it (kind and range); anything else refuses the file."""
    settings = {}
    for command, value in table.items():
        if command not in SETTINGS:
            raise PresetError(f"{command!r} is not a setting a preset holds")
        checked = command_for(ADDRESS_OF[command], (value,))
        if checked is None:
            raise PresetError(f"{command} = {value!r} is out of range")
        settings[command] = checked[1]
    return settings
