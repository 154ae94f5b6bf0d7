"""MIDI in (mido over python-rtmidi): a controller's knobs, faders and pads drive the same
commands as OSC, through the same inbox that the main loop drains (installation/play/controls.py).

The ports' callbacks (rtmidi's threads) only put each message in the MIDI thread's inbox; the
MIDI thread maps it (midi_map.py) and asks the show. `/dreams/midi/learn ADDRESS` asks the MIDI
thread too: the next control moved drives ADDRESS, and the mapping file is written at once.
No MIDI system: one line in the log, no thread, the show goes on. A controller plugged in while
the show runs is heard within RESCAN_S seconds; one unplugged is closed and said.
"""

import logging
import threading
import time
from pathlib import Path

import mido

from engine.config import MidiConfig
from installation.console import quiet_stderr
from installation.play.midi_map import Mapper, MappingError, load_mapping, moved, refusal
from installation.play.midi_map import save_mapping as save
from installation.threads import Inbox, LearnAddress, MidiHeard

log = logging.getLogger(__name__)

MESSAGES_PER_TURN = 500  # a flood of messages is mapped in turns; the inbox is bounded
WAKE_EVERY_S = 0.25  # the thread looks at the show's stop at least this often
RESCAN_S = 2.0  # how often the inputs are listed again: a controller plugged in mid-show


def mapping_path(config: MidiConfig, state_folder: Path) -> Path:
    """midi.mapping, or midi.toml in the state folder."""
    return Path(config.mapping).expanduser() if config.mapping else state_folder / "midi.toml"


def input_names() -> list[str]:
    """The MIDI inputs of this machine; OSError (rtmidi's errors are ones) or ImportError where
    there is no MIDI system. ALSA's own lines on stderr are kept out of the console: the show
    says it in one line of its own."""
    with quiet_stderr():
        return mido.get_input_names()


def matching(names: list[str], port: str) -> list[str]:
    """The inputs that midi.port chooses: those whose name contains it ("" chooses all)."""
    return [name for name in names if port in name]


def open_midi(config: MidiConfig, commands: Inbox, state_folder: Path) -> "Midi | None":
    """The MIDI part of the show, or None (said in one line) where MIDI is off or absent. With
    no input matching midi.port yet, it says so and listens for one to be plugged in."""
    if not config.enabled:
        return None
    try:
        names = input_names()
    except (OSError, ImportError) as error:
        log.info("midi: no MIDI system here (%s); the show goes on without MIDI", error)
        return None
    if not matching(names, config.port):
        named = f" whose name contains {config.port!r}" if config.port else ""
        log.info("midi: no MIDI input%s yet (inputs: %s); one plugged in will be heard",
                 named, ", ".join(names) or "none")  # fmt: skip
    return Midi(config.port, commands, mapping_path(config, state_folder))


class Midi:
    """The MIDI thread: opens the inputs, maps what they send, learns new bindings."""

    def __init__(self, port: str, commands: Inbox, mapping: Path):
        self.port, self.commands, self.path = port, commands, mapping  # port: part of a name
        self.rescan_s: float | None = RESCAN_S  # None: no inputs are looked for (a bench)
        self.inbox = Inbox()  # heard messages (from the ports' threads) and learn requests
        self.heard = self.asked = 0
        self.learning: str | None = None  # the address the next control moved will drive
        self.damaged = False  # the file could not be used: kept aside before a learn writes
        try:
            self.mapper = Mapper(load_mapping(mapping))
        except MappingError as error:
            log.warning("midi: no mapping: %s; the show goes on, learn with /dreams/midi/learn",
                        error)  # fmt: skip
            self.mapper, self.damaged = Mapper({}), True
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="midi", daemon=True)

    def hear(self, message: mido.Message) -> None:
        """Each port's callback, on the port's own thread: the message waits for the MIDI
        thread (a full inbox drops it, counted in inbox.dropped)."""
        self.inbox.send(MidiHeard(message))

    def loop(self) -> None:
        """The MIDI thread's loop: the inputs open (and looked for again every RESCAN_S) until
        stop()."""
        ports: dict[str, object] = {}
        rescan_at = 0.0
        try:
            while not self._stop.is_set():
                if self.rescan_s is not None and time.monotonic() >= rescan_at:
                    self._rescan(ports)
                    rescan_at = time.monotonic() + self.rescan_s
                self.inbox.arrived.wait(WAKE_EVERY_S)
                for request in self.inbox.drain(MESSAGES_PER_TURN):
                    match request:  # the messages of installation/threads.py it takes
                        case LearnAddress(address):
                            self._learn(address)
                        case MidiHeard(message):
                            self._map(message)
        finally:
            for port in ports.values():
                port.close()

    def _rescan(self, ports: dict) -> None:
        """Opens the matching inputs not open yet and closes the ones gone; each change said."""
        try:
            names = matching(mido.get_input_names(), self.port)
        except (OSError, ImportError) as error:  # the MIDI system went away: try again later
            log.debug("midi: the inputs cannot be listed (%s)", error)
            return
        for name in [name for name in ports if name not in names]:
            ports.pop(name).close()
            log.info("midi: %s is gone", name)
        for name in [name for name in names if name not in ports]:
            try:
                ports[name] = mido.open_input(name, callback=self.hear)
            except OSError as error:  # unplugged as it was listed: the next look tries again
                log.warning("midi: %s cannot be opened (%s); not heard", name, error)
                continue
            log.info("midi: listening to %s (mapping %s)", name, self.path)

    def stop(self) -> None:
        """Ask the thread to close its inputs and end (from any thread)."""
        self._stop.set()
        self.inbox.arrived.set()

    def _learn(self, address: str) -> None:
        if (why := refusal(address)) is not None:
            log.warning("midi: /dreams/midi/learn refused: %s", why)
            return
        self.learning = address
        log.info("midi: learning: the next control moved drives %s", address)

    def _map(self, message: mido.Message) -> None:
        self.heard += 1
        if self.learning is not None and (found := moved(message)) is not None:
            self._bind(found[1], self.learning)
        command = self.mapper.command(message)
        if command is not None:
            self.asked += 1
            self.commands.ask(*command)

    def _bind(self, control, address: str) -> None:
        self.learning = None
        self.mapper.bind(control, address)
        try:
            if self.damaged:  # the user's file, perhaps half-mended, is not written over
                self.path.replace(self.path.with_name(self.path.name + ".damaged"))
                self.damaged = False
            save(self.path, self.mapper.mapping)
        except OSError as error:
            why = error.strerror or error
            log.warning("midi: %s drives %s for this show only: %s cannot be written (%s)",
                        control.describe(), address, self.path, why)  # fmt: skip
            return
        log.info("midi: %s drives %s (saved in %s)", control.describe(), address, self.path)
