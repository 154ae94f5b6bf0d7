"""OSC in and out (python-osc). The server only checks and enqueues; the main loop applies.

In: a table of addresses, each with its argument types and range; anything else is ignored and
logged (at most once a second per address). Beyond loopback, only senders on the allow-list are
heard. A token bucket drops a flood before it is even parsed, so the show keeps its frame rate.
Out: state to the configured targets over a non-blocking socket; a full socket drops, never waits.
"""

import ipaddress
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass

import numpy as np
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import build_msg
from pythonosc.osc_server import BlockingOSCUDPServer

from engine.addresses import ip_networks, osc_targets
from engine.config import OscConfig
from engine.errors import ConfigError, DreamsError
from installation.rate import Gate
from installation.threads import Inbox

log = logging.getLogger(__name__)

RECEIVE_BUFFER = 8 * 1024 * 1024  # a burst of thousands of messages arrives whole
# What one read takes: the largest UDP datagram (65,507 bytes of IPv4, 65,527 of IPv6), so that
# no packet is cut short by the OS and dropped unsaid (socketserver reads 8,192 bytes): a long
# film source arrives whole and is refused by the check that says why.
LARGEST_PACKET = 65536
LOG_EVERY_S = 1.0
FLOAT32_MAX = float(np.finfo(np.float32).max)


@dataclass(frozen=True)
class Spec:
    command: str
    kind: type | None = None  # the one argument's type, or None for none
    low: float = 0.0
    high: float = 0.0
    effect: str = ""


ADDRESSES = {
    "/dreams/learn/pause": Spec("pause", effect="pause learning (the film goes on)"),
    "/dreams/learn/resume": Spec("resume", effect="resume learning"),
    "/dreams/learn/rate": Spec("learning_rate", float, 1e-6, 1e-2, "Adam's learning rate"),
    "/dreams/learn/steps_per_frame": Spec("steps_per_frame", int, 1, 100, "networks per frame"),
    "/dreams/dream/index": Spec("dream", int, 0, 63, "dissolve to this dream"),
    "/dreams/dream/next": Spec("next_dream", effect="dissolve to the next dream"),
    "/dreams/screen/dissolve_s": Spec("dissolve_s", float, 0, 60, "dissolve time"),
    "/dreams/screen/hold_s": Spec("hold_s", float, 0, 3600, "how long each dream holds"),
    "/dreams/screen/zoom": Spec("zoom", float, 0, 4, "how far each dream zooms in"),
    "/dreams/screen/grain": Spec("grain", float, 0, 1, "film grain"),
    "/dreams/screen/drift": Spec("drift", float, 0, 30, "the dreams' drift (loops a minute)"),
    "/dreams/screen/hud": Spec("hud", int, 0, 1, "HUD off or on"),
    "/dreams/screen/subtitles": Spec("subtitles", int, 0, 1, "subtitles off or on"),
    "/dreams/voice/volume": Spec("volume", float, 0, 2, "voice volume"),
    "/dreams/voice/mute": Spec("mute", int, 0, 1, "voice on (0) or muted (1)"),
    "/dreams/voice/next": Spec("next_line", effect="cut the line short, go on"),
    "/dreams/voice/sound": Spec("retry_sound", effect="open the sound device again"),
    "/dreams/film/seek": Spec("seek", float, 0, 1, "jump to this point of the film"),
    "/dreams/film/source": Spec("film", str, effect="watch another film (file, camera:N, URL)"),
    "/dreams/reset": Spec("reset", effect="a new blank mind; the counter goes on"),
    "/dreams/screenshot": Spec("screenshot", effect="save a screenshot"),
    "/dreams/sheet": Spec("sheet", effect="write the run's contact sheet (state folder)"),
    "/dreams/record/start": Spec("record_start", effect="record the show (record.folder)"),
    "/dreams/record/stop": Spec("record_stop", effect="stop recording"),
    "/dreams/preset/save": Spec("preset_save", str, effect="save the settings as this preset"),
    "/dreams/preset/load": Spec("preset_load", str, effect="glide to this preset's settings"),
    "/dreams/midi/learn": Spec("midi_learn", str, effect="the next MIDI control moved drives this"),
    "/dreams/state": Spec("state", effect="answer the sender with every current value"),
    "/dreams/schedule/open": Spec("schedule_open", effect="open the gallery now (the hours wait)"),
    "/dreams/schedule/close": Spec("schedule_close", effect="close it now: dark and quiet"),
    "/dreams/schedule/auto": Spec("schedule_auto", effect="keep the opening hours again"),
}


class OscError(DreamsError):
    pass


def check_osc_host(host: str) -> None:
    """osc.host must be an address of this machine: asked now, by binding a throwaway socket to
    any free port there, so the message names osc.host and not the port."""
    try:
        family = socket.getaddrinfo(host, 0, type=socket.SOCK_DGRAM)[0][0]
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((host, 0))
    except OSError as error:
        raise ConfigError(
            f"osc.host = {host!r} is not an address of this machine ({error.strerror or error}); "
            'use "127.0.0.1" (this machine only), "0.0.0.0" (the network) or one of its addresses'
        ) from None


class _Gate(Gate):
    """Who may speak (the allow-list) and how much (a token bucket)."""

    def __init__(self, config: OscConfig, open_to_all: bool):
        self.allowed = ip_networks(config.allow)
        self.open_to_all = open_to_all
        super().__init__(self._allowed, config.max_messages_per_s, config.burst)

    def _allowed(self, host: str) -> bool:
        address = ipaddress.ip_address(host)
        return self.open_to_all or any(address in network for network in self.allowed)


class _Server(BlockingOSCUDPServer):
    gate: _Gate
    max_packet_size = LARGEST_PACKET

    def verify_request(self, request, client_address) -> bool:
        return self.gate.admits(client_address[0]) and super().verify_request(
            request, client_address
        )

    def handle_error(self, request, client_address) -> None:
        log.debug("osc: a packet from %s failed", client_address, exc_info=True)


class OscServer:
    """Hears OSC and puts each valid command in `commands`, the inbox that the main loop drains
    (MIDI puts its commands there too)."""

    def __init__(self, config: OscConfig, commands: Inbox):
        self.commands = commands
        self.received = self.ignored = 0
        self._logged: dict[str, float] = {}
        dispatcher = Dispatcher()
        for address in ADDRESSES:
            dispatcher.map(address, self._handle, needs_reply_address=True)
        dispatcher.map("/dreams/ping", lambda *_: ("/dreams/pong",))
        dispatcher.set_default_handler(self._unknown)
        try:
            self._server = _Server((config.host, config.port), dispatcher)
        except OSError as error:
            raise OscError(
                f"OSC cannot listen on {config.host}:{config.port} ({error.strerror}); "
                "choose another osc.port (0 for any free one) or stop what uses it"
            ) from None
        self._server.socket.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER)
        loopback = ipaddress.ip_address(socket.gethostbyname(config.host)).is_loopback
        self._server.gate = _Gate(config, open_to_all=loopback)
        self.port = self._server.server_address[1]
        self._python_osc_lines = _PythonOscLines(self.log_once_a_second)
        logging.getLogger().addFilter(self._python_osc_lines)
        self.thread = threading.Thread(target=self.loop, name="osc", daemon=True)

    @property
    def gate(self) -> _Gate:
        return self._server.gate

    def loop(self) -> None:
        """The OSC thread's loop: serve until stop()."""
        self._server.serve_forever()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        """Stop serving (from another thread) and close the socket."""
        if self.thread.is_alive():
            self._server.shutdown()
        self.close()

    def close(self) -> None:
        logging.getLogger().removeFilter(self._python_osc_lines)
        self._server.server_close()

    @property
    def commands_dropped(self) -> int:
        return self.commands.dropped

    @property
    def messages_dropped(self) -> int:
        """Messages cut by the flood limit (`osc.max_messages_per_s` after `osc.burst`)."""
        return self.gate.dropped

    def _handle(self, sender: tuple[str, int], address: str, *args) -> None:
        self.received += 1
        command = command_for(address, tuple(as_typed(arg) for arg in args))
        if command is None:
            self.ignored += 1
            usage = _usage(ADDRESSES[address])
            self.log_once_a_second(address, f"osc: {address} {args!r} ignored: {usage}")
            return
        name, value = command
        self.commands.ask(name, sender if name == "state" else value)  # the answer goes back

    def _unknown(self, address: str, *args) -> None:
        self.received += 1
        self.ignored += 1
        # one key for them all: a stream of garbage must not grow a dict for weeks (soak test)
        self.log_once_a_second("unknown", f"osc: unknown address {address[:80]} ignored")

    def log_once_a_second(self, key: str, message: str) -> None:
        now = time.monotonic()
        if now - self._logged.get(key, -LOG_EVERY_S) >= LOG_EVERY_S:
            self._logged[key] = now
            log.warning("%s", message[:200])


class _PythonOscLines(logging.Filter):
    """python-osc's own warnings about a packet it cannot read ("Could not identify content type
    of dgram b'...'", up to a datagram of raw bytes each) go to the root logger at the rate of the
    garbage: they become the show's own line, at most once a second, without the bytes."""

    def __init__(self, log_once_a_second):
        super().__init__()
        self.log_once_a_second = log_once_a_second
        self.swallowed = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if f"{os.sep}pythonosc{os.sep}" not in record.pathname:
            return True
        self.swallowed += 1
        what = str(record.msg).split(" of dgram", 1)[0].split(":", 1)[0]
        self.log_once_a_second("python-osc", f"osc: a packet not understood ignored ({what})")
        return False


_INVALID = object()


def as_typed(value):
    """An OSC float as the performer typed it: a 32-bit float (0.7 arrives as 0.699999988...)
    becomes the shortest decimal that is the same float32, so that presets and the state say 0.7.
    Anything else (a 64-bit double that no float32 is, NaN, an int, a string) is left as it is."""
    if isinstance(value, float) and abs(value) <= FLOAT32_MAX:  # NaN is not
        single = np.float32(value)
        if float(single) == value:
            return float(str(single))
    return value


def unmappable(address: str, by: str) -> str | None:
    """Why `address` cannot be driven by `by` (a MIDI control, a sound: anything that gives a
    number and has no address of its own to be answered at), or None where it can."""
    spec = ADDRESSES.get(address)
    if spec is None:
        return f"{address!r} is not an address of the show (README: Playing it live: OSC)"
    if spec.kind is str:
        return f"{address} takes a string, which no {by} can give"
    if spec.command == "state":
        return f"{address} answers whoever sent it, and a {by} has no address to answer"
    return None


def command_for(address: str, args: tuple) -> tuple[str, object] | None:
    """The command an address asks for and its checked argument, or None (unknown address,
    wrong arguments, out of range)."""
    spec = ADDRESSES.get(address)
    if spec is None:
        return None
    value = _checked(spec, args)
    return None if value is _INVALID else (spec.command, value)


def _checked(spec: Spec, args: tuple):
    """The argument as the command wants it, or _INVALID."""
    if spec.kind is None:
        return None if not args else _INVALID
    if len(args) != 1:
        return _INVALID
    (value,) = args
    if spec.kind is str:
        return value if isinstance(value, str) and value else _INVALID
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _INVALID
    if spec.kind is int and float(value) != int(value):
        return _INVALID
    value = spec.kind(value)
    return value if spec.low <= value <= spec.high else _INVALID


def _usage(spec: Spec) -> str:
    if spec.kind is None:
        return "takes no arguments"
    if spec.kind is str:
        return "takes one string"
    return f"takes one {spec.kind.__name__} from {spec.low:g} to {spec.high:g}"


class OscSender:
    """State out to `ip:port` targets; never blocks (a full socket drops the message)."""

    def __init__(self, targets: str):
        try:  # checked with the config before the show starts; this for a caller that did not
            self.targets = osc_targets(targets)
        except ValueError as error:
            raise OscError(
                f"osc.targets: {error} (an IPv4 address and a port 1 to 65535)"
            ) from None
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._socket.setblocking(False)
        self.dropped = 0

    def send(self, address: str, *args) -> None:
        for target in self.targets:
            self.send_to(target, address, *args)

    def send_to(self, target: tuple[str, int], address: str, *args) -> None:
        """To one listener (the targets, or whoever asked for the state)."""
        try:
            self._socket.sendto(build_msg(address, list(args)).dgram, target)
        except OSError:  # full buffer, unreachable: the show never waits for a listener
            self.dropped += 1

    def close(self) -> None:
        self._socket.close()
