"""Controls: what OSC and MIDI commands, keys and presets do to the running show, applied on the
main thread (never the server's), and the state that the show tells its OSC targets. What belongs
to another thread (the trainer's learning, the narrator's voice, the film) is asked of it through
its inbox, and what was asked is remembered here as that setting's value; what the main thread
owns (the screen: the stage's look, the HUD, the subtitles) is changed here. The controls are
given what they drive: the owners' inboxes (Owners), the screen, the recording and the doors."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from engine.config import Config
from engine.errors import shown
from installation.paths import impossible_source
from installation.play.morph import Morph
from installation.play.osc import LOG_EVERY_S, OscSender, OscServer
from installation.play.presets import ADDRESS_OF, PresetError, Presets
from installation.threads import (
    Inbox,
    LearnAddress,
    Reset,
    RetrySound,
    Seek,
    SetDrift,
    SetLearningRate,
    SetMuted,
    SetPaused,
    SetStepsPerFrame,
    SetVolume,
    Skip,
    SwitchFilm,
    WriteSheet,
)

if TYPE_CHECKING:  # the show's parts, given to the controls; play/ never imports show/ to run
    from installation.gallery.doors import Doors
    from installation.show.keeper import Keeper
    from installation.show.recording_control import RecordingControl
    from installation.show.screen import Screen
    from installation.voice.narrator import SpokenLine

log = logging.getLogger(__name__)

COMMANDS_WAITING = 10_000  # bounded: beyond this, commands are dropped and counted
COMMANDS_PER_FRAME = 500  # a flood waits in the bounded queue instead of stalling a frame
SCREENSHOT_EVERY_S = 1.0  # OSC screenshots: at most one a second (a 1080p PNG is 20-50 ms)
SHEET_EVERY_S = 10.0  # OSC contact sheets: written on the trainer's thread, so rarely


class OnceASecond:
    """Lines that a flood of commands would repeat (a hundred /dreams/reset in a second): each
    said at most once a second, the next one saying how many were left unsaid meanwhile."""

    def __init__(self):
        self._said: dict[str, tuple[float, int]] = {}  # key -> when said, how many unsaid since

    def say(self, key: str, level: int, line: str) -> None:
        """`key` names the kind of line (a few: a flood of garbage must not grow the dict)."""
        now = time.monotonic()
        said_at, unsaid = self._said.get(key, (-LOG_EVERY_S, 0))
        if now - said_at < LOG_EVERY_S:
            self._said[key] = (said_at, unsaid + 1)
            return
        self._said[key] = (now, 0)
        log.log(level, "%s%s", line, f" (and {unsaid} more since the last)" if unsaid else "")


@dataclass(frozen=True)
class Owners:
    """The threads that own a value, as the controls see them: the inbox each drains between
    its steps, and what each publishes that the controls tell OSC."""

    trainer: Inbox
    film: Inbox
    narrator: Inbox | None = None
    midi: Inbox | None = None  # None: this show has no MIDI input
    trainer_paused: Callable[[], bool] = lambda: False  # what the trainer has done
    now_speaking: Callable[[], SpokenLine | None] = lambda: None
    film_name: Callable[[], str] = lambda: ""


class AtMostEvery:
    """Requests let through at most one every `seconds` (a flood of OSC must not write a file
    every frame); those refused are counted."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.at = -seconds  # when one was last let through
        self.refused = 0
        self._refusal_told = -seconds

    def allows(self) -> bool:
        now = time.monotonic()
        if now - self.at < self.seconds:
            self.refused += 1
            return False
        self.at = now
        return True

    def first_refusal(self) -> bool:
        """True for the first refusal of each wait (to be said once)."""
        if self._refusal_told >= self.at:
            return False
        self._refusal_told = time.monotonic()
        return True


class Controls:
    def __init__(self, config: Config, commands: Inbox, sender: OscSender, owners: Owners,
                 screen: Screen, recording: RecordingControl, server: OscServer | None = None,
                 keeper: Keeper | None = None):  # fmt: skip
        self.commands, self.server, self.sender = commands, server, sender
        self.owners, self.screen, self.recording = owners, screen, recording
        self.doors: Doors | None = None  # the gallery's, given once built (they drive these)
        self.applied = 0
        # the settings that other threads own, as last asked of them
        self.asked = {"volume": config.voice.volume, "mute": 0,
                      "learning_rate": config.dream.learning_rate,
                      "steps_per_frame": config.dream.steps_per_frame,
                      "drift": config.screen.drift}  # fmt: skip
        self.presets = Presets(keeper.folder.path / "presets") if keeper else None
        self.morph, self.morph_s = Morph(), config.preset.morph_s
        self.paused = False  # what was last asked of the trainer (keys toggle it)
        self._told_paused = False  # what the trainer has done, as last told
        self._spoken = None  # the last line announced, and whether its end was
        self._end_sent = True
        self.screenshots = AtMostEvery(SCREENSHOT_EVERY_S)  # asked by OSC
        self.sheets = AtMostEvery(SHEET_EVERY_S)  # asked by OSC
        self.lines = OnceASecond()

    def apply_pending(self) -> None:
        """The commands that OSC and MIDI put in the inbox, applied here on the main thread."""
        for command, value in self.commands.drain(COMMANDS_PER_FRAME):
            self.apply(command, value)
            self.applied += 1
        for command, value in self.morph.step(time.monotonic()):
            self.apply(command, value, by_hand=False)

    def apply(self, command: str, value=None, by_hand: bool = True) -> None:
        """The one door of every change: OSC, MIDI, keys, presets and their glides."""
        if by_hand:
            self.morph.drop(command)  # a fader moved during a glide takes the setting over
        try:
            getattr(self, command)(value)  # names from ADDRESSES, never from the wire
        except Exception:  # a command must never end the show
            log.exception("controls: %s %r failed", command, value)

    # ---- state out ----------------------------------------------------------------------------

    def network(self, network, rate: float) -> None:
        self.sender.send("/dreams/network", network.number)
        self.sender.send("/dreams/losses", network.d_loss, network.g_loss)
        self.sender.send("/dreams/rate", rate)

    def voice(self) -> None:
        speaking = self.owners.now_speaking()
        if speaking is None:
            return
        if not speaking.same_line(self._spoken):
            self._end_sent = False
            self.sender.send("/dreams/voice/line", speaking.text)
        self._spoken = speaking  # a skipped line is published again, shorter: its end is new
        if not self._end_sent and time.monotonic() >= speaking.ends:
            self._end_sent = True
            self.sender.send("/dreams/voice/end", speaking.text)

    def rebirth(self, count: int) -> None:
        self.sender.send("/dreams/rebirths", count)
        self.event("rebirth")

    def event(self, name: str) -> None:
        self.sender.send("/dreams/event", name)
        self.lines.say(name, logging.INFO, f"show: {name}")  # a preset is its own event

    # ---- commands -----------------------------------------------------------------------------

    def pause(self, _=None):
        self.paused = True
        self.owners.trainer.send(SetPaused(True))

    def resume(self, _=None):
        self.paused = False
        self.owners.trainer.send(SetPaused(False))

    def learning(self) -> None:
        """Says "paused" or "resumed" once the trainer has done it (not when it was asked: a
        step under way ends first)."""
        paused = self.owners.trainer_paused()
        if paused != self._told_paused:
            self._told_paused = paused
            self.event("paused" if paused else "resumed")

    def learning_rate(self, rate):
        self.asked["learning_rate"] = rate
        self.owners.trainer.send(SetLearningRate(rate))

    def steps_per_frame(self, steps):
        self.asked["steps_per_frame"] = steps
        self.owners.trainer.send(SetStepsPerFrame(steps))

    def drift(self, loops_a_minute):
        self.asked["drift"] = loops_a_minute
        self.owners.trainer.send(SetDrift(loops_a_minute))

    def next_dream(self, _):
        self.screen.start_dissolve()

    def dream(self, index):
        self.screen.start_dissolve(to=index)

    def dissolve_s(self, seconds):
        self.screen.look.dissolve_s = seconds

    def hold_s(self, seconds):
        self.screen.look.hold_s = seconds

    def zoom(self, zoom):
        self.screen.look.zoom = zoom

    def grain(self, grain):
        self.screen.look.grain = grain

    def hud(self, on):
        self.screen.hud_on = bool(on)

    def subtitles(self, on):
        self.screen.subtitles_on = bool(on)

    def _ask_the_narrator(self, request) -> None:
        if self.owners.narrator is not None:
            self.owners.narrator.send(request)

    def volume(self, volume):
        self.asked["volume"] = volume
        self._ask_the_narrator(SetVolume(volume))

    def mute(self, muted):
        self.asked["mute"] = int(muted)
        self._ask_the_narrator(SetMuted(bool(muted)))

    def next_line(self, _):
        self._ask_the_narrator(Skip())

    def retry_sound(self, _):
        self._ask_the_narrator(RetrySound())

    def seek(self, fraction):
        self.owners.film.send(Seek(fraction))

    def film(self, source):
        why = impossible_source(source)  # said here, at most once a second, not per packet
        if why is not None:
            self.lines.say("film", logging.ERROR, f"film: not switching to {shown(source)}: {why}")
            return
        self.owners.film.send(SwitchFilm(source))

    def reset(self, _):
        self.owners.trainer.send(Reset())
        self.event("reset")

    def schedule_open(self, _=None):
        self.doors.set_override(True)  # the main thread's own part (installation/gallery/)

    def schedule_close(self, _=None):
        self.doors.set_override(False)

    def schedule_auto(self, _=None):
        self.doors.set_override(None)

    # ---- presets and the state asked for ---------------------------------------------------------

    def settings(self) -> dict[str, float | int]:
        """Every setting a preset holds (presets.SETTINGS), as it is now."""
        screen, look = self.screen, self.screen.look
        return {"dissolve_s": look.dissolve_s, "hold_s": look.hold_s, "zoom": look.zoom,
                "grain": look.grain, "hud": int(screen.hud_on),
                "subtitles": int(screen.subtitles_on), **self.asked,
                "dream": screen.dream_index()}  # fmt: skip

    def _no_presets(self, name: str, doing: str) -> bool:
        """True, and said, where this show has no state folder to keep presets in."""
        if self.presets is None:
            log.warning("preset: %r not %s: presets live in the state folder (state.enabled "
                        "is false)", name[:80], doing)  # fmt: skip
        return self.presets is None

    def preset_save(self, name: str) -> None:
        if self._no_presets(name, "saved"):
            return
        try:
            path = self.presets.save(name, self.settings())
        except PresetError as error:
            log.warning("%s", error)
            return
        self.event(f"preset saved: {name} ({path})")

    def preset_load(self, name: str) -> None:
        """Switches at once, the dream dissolves, numbers glide over preset.morph_s."""
        if self._no_presets(name, "loaded"):
            return
        try:
            wanted = self.presets.load(name)
        except PresetError as error:
            log.warning("%s", error)
            return
        if wanted is None:  # a damaged file, said once already
            return
        now = self.settings()
        for command in ("hud", "subtitles", "mute", "dream"):
            if command in wanted and wanted[command] != now[command]:
                self.apply(command, wanted[command])
        self.morph.begin(time.monotonic(), self.morph_s, now, wanted)
        self.event(f"preset loaded: {name}")

    def state(self, sender: tuple[str, int]) -> None:
        """/dreams/state: every current value, sent back to the one who asked, each at the
        address that sets it (a surface's controls follow), then what the show is doing."""
        current = self.screen.current
        for command, value in self.settings().items():
            self.sender.send_to(sender, ADDRESS_OF[command], value)
        self.sender.send_to(sender, "/dreams/learn/paused", int(self.paused))
        self.sender.send_to(sender, "/dreams/network", current.number if current else 0)
        self.sender.send_to(sender, "/dreams/film/source", self.owners.film_name())
        self.sender.send_to(sender, "/dreams/record/recording", int(self.recording.on))

    def screenshot(self, _):
        """From OSC: a flood of requests must not write a PNG every frame."""
        if not self.screenshots.allows():
            if self.server is not None:
                self.server.log_once_a_second(
                    "screenshot",
                    f"osc: /dreams/screenshot ignored: at most one every {SCREENSHOT_EVERY_S:g} s "
                    f"({self.screenshots.refused} so far)",
                )
            return
        self.screen.screenshot()

    def sheet(self, _=None):
        """From OSC: the run's contact sheet, asked of the trainer's thread that keeps it; at most
        one every SHEET_EVERY_S, the first refusal of each wait logged."""
        if not self.sheets.allows():
            if self.sheets.first_refusal():
                log.warning("osc: /dreams/sheet ignored: at most one every %g s",
                            SHEET_EVERY_S)  # fmt: skip
            return
        self.owners.trainer.send(WriteSheet())

    def record_start(self, _=None):
        self.recording.start()

    def record_stop(self, _=None):
        self.recording.stop()

    def toggle_recording(self) -> None:
        """Key R: a recording stopped, or one started."""
        self.record_stop() if self.recording.on else self.record_start()

    def midi_learn(self, address):
        """Asked of the MIDI thread, which binds the next control moved (installation/play/
        midi.py); it refuses an address that MIDI cannot drive."""
        if self.owners.midi is None:
            log.warning("midi: /dreams/midi/learn %s ignored: this show has no MIDI input "
                        "(the log's first midi line says why)", address)  # fmt: skip
            return
        self.owners.midi.send(LearnAddress(address))
