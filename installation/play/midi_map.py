"""The MIDI mapping: which control (a CC or a note, on a channel or any) drives which OSC address
of the table (installation/play/osc.py ADDRESSES), read from and written to a small TOML file:

    [cc.7]                           # control change 7, any channel
    address = "/dreams/voice/volume"

    [note.36]                        # note 36, on channel 10 only
    address = "/dreams/dream/next"
    channel = 10

A CC's 0..127 (a note's velocity) is scaled to the address's range (int addresses rounded). An
address without an argument fires on a note-on, or when a CC rises past 63 (a button, a knob
turned past half way). String addresses (a film, a preset's name) cannot be driven by a number.
"""

import json
import tomllib
from dataclasses import dataclass
from pathlib import Path

import mido

from engine.errors import DreamsError
from engine.files import NotRegular, read_regular, write_atomically
from installation.play.osc import ADDRESSES, Spec, unmappable

KINDS = ("cc", "note")
FIRE_ABOVE = 63  # a CC rising past this fires an address without an argument
MOST_BYTES = 1024 * 1024  # 256 controls of a line or three each are some 20 kB


class MappingError(DreamsError):
    pass


@dataclass(frozen=True)
class Control:
    kind: str  # "cc" or "note"
    number: int  # 0..127
    channel: int | None = None  # 1..16 as the controller's label says, None for any

    def describe(self) -> str:
        channel = f" on channel {self.channel}" if self.channel else ""
        return f"{self.kind} {self.number}{channel}"


def refusal(address: str) -> str | None:
    """Why `address` cannot be driven by MIDI, or None where it can."""
    return unmappable(address, "MIDI control")


def scaled(spec: Spec, value: int):
    """A MIDI value 0..127 as the address's argument: 0 is spec.low, 127 spec.high."""
    if spec.kind is None:
        return None
    fraction = min(max(value, 0), 127) / 127
    number = spec.low + (spec.high - spec.low) * fraction
    return round(number) if spec.kind is int else float(number)


def moved(message: mido.Message) -> tuple[Control, Control, int] | None:
    """The control a message moved (on its channel, and on any) and its value 0..127, or None
    for what moves nothing (a note-off, a clock tick)."""
    if message.type == "control_change":
        kind, number, value = "cc", message.control, message.value
    elif message.type == "note_on" and message.velocity > 0:
        kind, number, value = "note", message.note, message.velocity
    else:
        return None
    return Control(kind, number, message.channel + 1), Control(kind, number), value


class Mapper:
    """Messages to the show's commands, as the mapping says; owned by the MIDI thread."""

    def __init__(self, mapping: dict[Control, str]):
        self.mapping = dict(mapping)
        self._last_cc: dict[Control, int] = {}  # each CC's last value: a rise past 63 fires

    def command(self, message: mido.Message) -> tuple[str, object] | None:
        """The (command, value) a message asks for, or None (unmapped, or no rise)."""
        found = moved(message)
        if found is None:
            return None
        on_channel, anywhere, value = found
        last = self._last_cc.get(on_channel, 0)
        if on_channel.kind == "cc":
            self._last_cc[on_channel] = value
        address = self.mapping.get(on_channel) or self.mapping.get(anywhere)
        if address is None:
            return None
        spec = ADDRESSES[address]
        if spec.kind is None and on_channel.kind == "cc" and not last <= FIRE_ABOVE < value:
            return None
        return spec.command, scaled(spec, value)

    def bind(self, control: Control, address: str) -> None:
        """`control` (on any channel) drives `address` from now on, instead of what it drove."""
        for old in [
            c for c in self.mapping if (c.kind, c.number) == (control.kind, control.number)
        ]:
            del self.mapping[old]
        self.mapping[Control(control.kind, control.number)] = address


def load_mapping(path: Path) -> dict[Control, str]:
    """The mapping in `path` ({} where there is no file yet); MappingError says what is wrong."""
    try:
        data = tomllib.loads(read_regular(path, MOST_BYTES).decode("utf-8"))
    except FileNotFoundError:
        return {}
    except NotRegular as error:  # a pipe would hang the show's start, /dev/zero never end
        raise MappingError(f"{error}; give a mapping file or remove it") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise MappingError(f"{path} cannot be read: {error}") from None
    mapping = {}
    for kind, entries in data.items():
        if kind not in KINDS or not isinstance(entries, dict):
            raise MappingError(f"{path}: [{kind}] is not [cc.N] or [note.N] (N from 0 to 127)")
        for number, entry in entries.items():
            control, address = _entry(f"{path}: [{kind}.{number}]", number, entry)
            mapping[Control(kind, *control)] = address
    return mapping


def _entry(where: str, number: str, entry) -> tuple[tuple[int, int | None], str]:
    if not (number.isdigit() and 0 <= int(number) <= 127):
        raise MappingError(f"{where}: {number!r} is not a number from 0 to 127")
    if not isinstance(entry, dict) or not set(entry) <= {"address", "channel"}:
        raise MappingError(f'{where} must hold address = "/dreams/..." and perhaps channel = N')
    address, channel = entry.get("address"), entry.get("channel")
    if not isinstance(address, str):
        raise MappingError(f'{where} has no address = "/dreams/..."')
    if (why := refusal(address)) is not None:
        raise MappingError(f"{where}: {why}")
    if channel is not None and (type(channel) is not int or not 1 <= channel <= 16):
        raise MappingError(f"{where}: channel = {channel!r} is not from 1 to 16")
    return (int(number), channel), address


def mapping_toml(mapping: dict[Control, str]) -> str:
    lines = ["# Dreams: MIDI controls and the OSC addresses they drive (README: MIDI)", ""]
    for control, address in sorted(mapping.items(), key=lambda item: _order(item[0])):
        lines.append(f"[{control.kind}.{control.number}]")
        lines.append(f"address = {json.dumps(address)}")
        if control.channel is not None:
            lines.append(f"channel = {control.channel}")
        lines.append("")
    return "\n".join(lines)


def _order(control: Control) -> tuple:
    return KINDS.index(control.kind), control.number, control.channel or 0


def save_mapping(path: Path, mapping: dict[Control, str]) -> None:
    """Written whole or not at all (engine/files.py)."""
    write_atomically(path, mapping_toml(mapping).encode())
