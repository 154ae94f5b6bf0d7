"""Controls: what OSC and MIDI commands, keys and presets do to the running show, applied on the
main thread (never the server's), and the state that the show tells its OSC targets. What belongs
to another thread (the trainer's learning, the narrator's voice, the film) is asked of it through
its inbox, and what was asked is remembered here as that setting's value; what the main thread
owns (the stage's look) is changed here."""

import logging
import time

from engine.errors import shown
from installation.play.morph import Morph
from installation.play.osc import LOG_EVERY_S, OscSender, OscServer
from installation.play.presets import ADDRESS_OF, PresetError, Presets
from installation.show.film_thread import impossible_source
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


class Controls:
    def __init__(self, show, commands: Inbox, server: OscServer | None, sender: OscSender):
        self.show, self.commands, self.server, self.sender = show, commands, server, sender
        self.applied = 0
        config = show.config
        # the settings that other threads own, as last asked of them
        self.asked = {"volume": config.voice.volume, "mute": 0,
                      "learning_rate": config.dream.learning_rate,
                      "steps_per_frame": config.dream.steps_per_frame,
                      "drift": config.screen.drift}  # fmt: skip
        keeper = show.keeper
        self.presets = Presets(keeper.folder.path / "presets") if keeper else None
        self.morph, self.morph_s = Morph(), config.preset.morph_s
        self.paused = False  # what was last asked of the trainer (keys toggle it)
        self._told_paused = False  # what the trainer has done, as last told
        self._spoken = None  # the last line announced, and whether its end was
        self._end_sent = True
        self._screenshot_at = -SCREENSHOT_EVERY_S  # when OSC last had a screenshot taken
        self.screenshots_refused = 0
        self._sheet_at = -SHEET_EVERY_S  # when OSC last had a contact sheet written
        self.sheets_refused = 0
        self._sheet_refusal_told = -SHEET_EVERY_S
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
        narrator = self.show.narrator
        speaking = narrator.now_speaking if narrator else None
        if speaking is not None and speaking is not self._spoken:
            self._spoken, self._end_sent = speaking, False
            self.sender.send("/dreams/voice/line", speaking.text)
        if speaking is not None and not self._end_sent and time.monotonic() >= speaking.ends:
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
        self.show.dreaming.inbox.send(SetPaused(True))

    def resume(self, _=None):
        self.paused = False
        self.show.dreaming.inbox.send(SetPaused(False))

    def learning(self) -> None:
        """Says "paused" or "resumed" once the trainer has done it (not when it was asked: a
        step under way ends first)."""
        paused = self.show.dreaming.figures.latest().paused
        if paused != self._told_paused:
            self._told_paused = paused
            self.event("paused" if paused else "resumed")

    def learning_rate(self, rate):
        self.asked["learning_rate"] = rate
        self.show.dreaming.inbox.send(SetLearningRate(rate))

    def steps_per_frame(self, steps):
        self.asked["steps_per_frame"] = steps
        self.show.dreaming.inbox.send(SetStepsPerFrame(steps))

    def drift(self, loops_a_minute):
        self.asked["drift"] = loops_a_minute
        self.show.dreaming.inbox.send(SetDrift(loops_a_minute))

    def next_dream(self, _):
        self.show.start_dissolve()

    def dream(self, index):
        self.show.start_dissolve(to=index)

    def dissolve_s(self, seconds):
        self.show.stage.look.dissolve_s = seconds

    def hold_s(self, seconds):
        self.show.stage.look.hold_s = seconds

    def zoom(self, zoom):
        self.show.stage.look.zoom = zoom

    def grain(self, grain):
        self.show.stage.look.grain = grain

    def hud(self, on):
        self.show.stage.hud_on = bool(on)

    def subtitles(self, on):
        self.show.stage.subtitles_on = bool(on)

    def _ask_the_narrator(self, request) -> None:
        if self.show.narrator:
            self.show.narrator.inbox.send(request)

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
        self.show.film_thread.inbox.send(Seek(fraction))

    def film(self, source):
        why = impossible_source(source)  # said here, at most once a second, not per packet
        if why is not None:
            self.lines.say("film", logging.ERROR, f"film: not switching to {shown(source)}: {why}")
            return
        self.show.film_thread.inbox.send(SwitchFilm(source))

    def reset(self, _):
        self.show.dreaming.inbox.send(Reset())
        self.event("reset")

    def schedule_open(self, _=None):
        self.show.doors.set_override(True)  # the main thread's own part (installation/gallery/)

    def schedule_close(self, _=None):
        self.show.doors.set_override(False)

    def schedule_auto(self, _=None):
        self.show.doors.set_override(None)

    # ---- presets and the state asked for ---------------------------------------------------------

    def settings(self) -> dict[str, float | int]:
        """Every setting a preset holds (presets.SETTINGS), as it is now."""
        stage, current = self.show.stage, self.show.current
        look = stage.look
        dreams = len(current.images) if current is not None else 0
        return {"dissolve_s": look.dissolve_s, "hold_s": look.hold_s, "zoom": look.zoom,
                "grain": look.grain, "hud": int(stage.hud_on),
                "subtitles": int(stage.subtitles_on), **self.asked,
                "dream": stage.dream_index(dreams)}  # fmt: skip

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
        show = self.show
        for command, value in self.settings().items():
            self.sender.send_to(sender, ADDRESS_OF[command], value)
        self.sender.send_to(sender, "/dreams/learn/paused", int(self.paused))
        self.sender.send_to(sender, "/dreams/network", show.current.number if show.current else 0)
        self.sender.send_to(sender, "/dreams/film/source", show.film.name)
        self.sender.send_to(sender, "/dreams/record/recording", int(show.recording is not None))

    def screenshot(self, _):
        """From OSC: a flood of requests must not write a PNG every frame."""
        now = time.monotonic()
        if now - self._screenshot_at < SCREENSHOT_EVERY_S:
            self.screenshots_refused += 1
            if self.server is not None:
                self.server.log_once_a_second(
                    "screenshot",
                    f"osc: /dreams/screenshot ignored: at most one every {SCREENSHOT_EVERY_S:g} s "
                    f"({self.screenshots_refused} so far)",
                )
            return
        self._screenshot_at = now
        self.show.screenshot()

    def sheet(self, _=None):
        """From OSC: the run's contact sheet, asked of the trainer's thread that keeps it; at most
        one every SHEET_EVERY_S, the first refusal of each wait logged."""
        now = time.monotonic()
        if now - self._sheet_at < SHEET_EVERY_S:
            self.sheets_refused += 1
            if self._sheet_refusal_told < self._sheet_at:
                self._sheet_refusal_told = now
                log.warning("osc: /dreams/sheet ignored: at most one every %g s",
                            SHEET_EVERY_S)  # fmt: skip
            return
        self._sheet_at = now
        self.show.dreaming.inbox.send(WriteSheet())

    def record_start(self, _=None):
        self.show.start_recording()

    def record_stop(self, _=None):
        self.show.stop_recording()

    def midi_learn(self, address):
        """Asked of the MIDI thread, which binds the next control moved (installation/play/
        midi.py); it refuses an address that MIDI cannot drive."""
        if self.show.midi is None:
            log.warning("midi: /dreams/midi/learn %s ignored: this show has no MIDI input "
                        "(the log's first midi line says why)", address)  # fmt: skip
            return
        self.show.midi.inbox.send(LearnAddress(address))
