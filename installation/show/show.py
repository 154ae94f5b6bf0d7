"""The live show: its threads (DESIGN.md), started and stopped together, and the main loop.

main     pygame events and keys (keys.py), OSC commands (controls.py), the newest network from
         the trainer's slot, the frame (screen.py), the recorder when recording
         (recording_control.py), the figures and the summary line (figures.py)
film     reads the film at its own fps into the frame memory (film_thread.py)
trainer  step, step, step; each new network into a latest-value slot (dreaming.py)
poet, narrator, osc, midi, audio in, state   writing, speaking, listening, saving (voice/, osc.py,
         midi.py, audio_in.py, keeper.py)

No thread writes into another's objects: requests go into the owner's inbox. The show keeps the
lifecycle and the frame loop; each part is given the collaborators it drives.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pygame

from engine.assets import DEFAULT_FILM_CREDIT
from engine.mind.build import Mind, Waking
from engine.mind.trainer import Network
from engine.poet.book import open_book_beside
from installation.endings import end_on_signals
from installation.gallery.doors import Doors
from installation.gallery.heartbeat import Heartbeat
from installation.gallery.web import WebServer
from installation.media.recorder import RecordingSummary
from installation.media.video_out import VideoOut
from installation.media.window import Window
from installation.play.audio_in import AudioIn
from installation.play.controls import COMMANDS_WAITING, Controls, Owners
from installation.play.keys import handle_events
from installation.play.midi import Midi
from installation.play.osc import OscSender, OscServer
from installation.show.dreaming import Dreaming
from installation.show.figures import Figures
from installation.show.film_thread import FilmThread
from installation.show.guard import Guard
from installation.show.hud import HudFigures, hud_lines
from installation.show.keeper import Keeper
from installation.show.live_recording import LiveRecording
from installation.show.pace import FramePace
from installation.show.recording_control import RecordingControl
from installation.show.screen import Screen
from installation.show.stage import Stage
from installation.threads import Inbox
from installation.voice.narrator import Narrator
from installation.voice.poet_thread import PoetThread

log = logging.getLogger(__name__)

STOP_WITHIN_S = 2.0  # every thread is gone this long after a stop is asked for
STEP_WAIT_S = 120.0  # but the trainer's step in hand is waited for, and the mind saved
NOTICE_S = 15.0  # how long the screen says that the mind was resumed
FAULT_NOTICE_S = 8.0  # how long the screen says that a thread failed


@dataclass
class ShowParts:
    """What the show is made of besides the mind (installation/show/assemble.py builds it)."""

    window: Window
    keeper: Keeper | None = None
    waking: Waking = field(default_factory=Waking)
    make_poet: Callable | None = None
    osc_server: OscServer | None = None
    osc_sender: OscSender | None = None
    # what OSC and MIDI ask of the show, drained by the main loop (installation/play/controls.py)
    commands: Inbox = field(default_factory=lambda: Inbox(COMMANDS_WAITING))
    video_out: VideoOut | None = None  # the picture to VJ software (installation/media/)
    midi: Midi | None = None  # MIDI in, when this machine has an input (installation/play/midi.py)
    audio_in: AudioIn | None = None  # the music moves the dreams (installation/play/audio_in.py)
    web: WebServer | None = None  # the status page (installation/gallery/web.py)


@dataclass
class Limits:
    networks: int = 0  # end after so many networks (0: never)
    duration_s: float = 0.0  # end after so many seconds (0: never)
    record_to: Path | None = None  # record from the first frame


@dataclass
class ShowSummary:
    networks_created: int
    networks_shown: int
    frames_drawn: int
    film_frames: int
    film_frames_skipped: int
    seconds: float
    threads_left: list[str]
    lines_spoken: int = 0
    longest_wait_s: float = 0.0  # silence beyond the configured pauses (the poet fell behind)
    last_network: int = 0
    rebirths: int = 0
    first_network_s: float | None = None  # from the show's start to its first network shown
    thread_faults: int = 0  # exceptions that escaped a thread's loop (installation/show/guard.py)
    frame_ms_median: float | None = None  # a frame's own work, the wait for the next left out
    frame_ms_p99: float | None = None


class Show:
    """The live show: its lifecycle (threads started, stopped, the mind kept) and its frame loop;
    the screen, the figures, the recording, the controls and the doors are its parts."""

    def __init__(self, mind: Mind, parts: ShowParts, limits: Limits | None = None):
        config = self.config = mind.config
        self.mind, self.parts, self.limits = mind, parts, limits or Limits()
        self.stop_requested = threading.Event()
        self.stopped_by: str | None = None  # the signal that ended the show, if one did
        self.guard = Guard(self.stop_requested, self.stop)
        self.film_thread = FilmThread(config, mind.film, mind.memory, self.stop_requested)
        self.dreaming = Dreaming(mind, self.stop_requested, parts.waking, parts.keeper,
                                 self.limits.networks)  # fmt: skip
        self.dreaming.film_place = self.film_thread.place  # the film's place, for the saves
        self.poet: PoetThread | None = None
        self.narrator: Narrator | None = None
        if parts.make_poet is not None:
            self._cast_the_voice(parts.make_poet)
        footer = DEFAULT_FILM_CREDIT if mind.film.is_default else ""
        stage = Stage(config.screen, parts.window, config.dream.seed, mind.trainer.device, footer)
        # on a GPU the stage composes there: the dreams stay where they were made
        mind.trainer.dreams_on_device = mind.trainer.device.type == "cuda"
        self.screen = Screen(config.screen, stage, parts.window, config.poet.line_s,
                             self.narrator, self.poet)  # fmt: skip
        self.figures = Figures(config.state.summary_every_s, mind.trainer.number,
                               parts.waking.rebirths)  # fmt: skip
        told = lambda name: self.controls.event(name)  # noqa: E731 (the controls come next)
        self.recording_control = RecordingControl(config.record, self.narrator, told)
        self.controls = Controls(config, parts.commands, parts.osc_sender or OscSender(""),
                                 self._owners(), self.screen, self.recording_control,
                                 parts.osc_server, parts.keeper)  # fmt: skip
        self.doors = Doors(config.schedule, self.controls, self.narrator, self.poet)
        self.controls.doors = self.doors  # opening hours: asked each frame

    def _cast_the_voice(self, make_poet) -> None:
        config, keeper = self.config, self.parts.keeper
        book = open_book_beside(keeper.folder.path / "poems.txt") if keeper else None
        self.poet = PoetThread(make_poet, config.poet.queue_lines, self.stop_requested, book=book)
        self.dreaming.poet_count = self.poet.count  # the poet's count, for the saves
        if config.voice.enabled:
            lead = min(2 * config.poet.lines_per_stanza, config.poet.queue_lines)
            self.narrator = Narrator(config.voice, self.poet.lines, self.stop_requested, lead)

    def _owners(self) -> Owners:
        """What the controls ask of the threads that own a value, and what those publish."""
        narrator, midi = self.narrator, self.parts.midi
        return Owners(
            trainer=self.dreaming.inbox,
            film=self.film_thread.inbox,
            narrator=narrator.inbox if narrator is not None else None,
            midi=midi.inbox if midi is not None else None,
            trainer_paused=lambda: self.dreaming.figures.latest().paused,
            now_speaking=lambda: narrator.now_speaking if narrator is not None else None,
            film_name=lambda: self.film_thread.place.latest().name,
        )

    def stop(self, why: str | None = None) -> None:
        """Ask every thread to stop (signal handlers, keys, limits); safe from any thread."""
        if why is not None and self.stopped_by is None:
            self.stopped_by = why  # logged by the main loop: a signal handler does not log
        self.stop_requested.set()
        self.dreaming.slot.wake()

    # ---- what others read of the show (the cli, the bench, the status page, the tests) --------

    @property
    def film(self):
        return self.film_thread.film

    @property
    def trainer(self):
        return self.mind.trainer

    @property
    def keeper(self) -> Keeper | None:
        return self.parts.keeper

    @property
    def window(self) -> Window:
        return self.parts.window

    @property
    def osc(self) -> OscServer | None:
        return self.parts.osc_server

    @property
    def midi(self) -> Midi | None:
        return self.parts.midi

    @property
    def audio_in(self) -> AudioIn | None:
        return self.parts.audio_in

    @property
    def video_out(self) -> VideoOut | None:
        return self.parts.video_out

    @property
    def web(self) -> WebServer | None:
        return self.parts.web

    @property
    def current(self) -> Network | None:
        return self.screen.current

    @property
    def frames_drawn(self) -> int:
        return self.screen.frames_drawn

    @property
    def last_frame(self) -> tuple[float, bool]:
        return self.screen.last_frame

    @property
    def recording(self) -> LiveRecording | None:
        return self.recording_control.recording

    @property
    def recordings(self) -> list[RecordingSummary]:
        return self.recording_control.recordings

    def networks_per_second(self) -> float:
        return self.figures.networks_per_second()

    def hud_lines(self) -> list[str]:
        """What the HUD says now (hud.py), with the figures it is given."""
        recording, learning = self.recording, self.dreaming.figures.latest()
        figures = HudFigures(
            first_number=self.dreaming.first_number,
            rebirths=learning.rebirths,
            networks_per_s=self.figures.networks_per_second(),
            film=self.film_thread.place.latest().name,
            frames_watched=self.mind.memory.frames_seen,
            paused=learning.paused,
            recording=recording.path.name if recording is not None else None,
            doors=self.doors.state,
        )
        return hud_lines(self.screen, figures)

    # ---- the main loop ------------------------------------------------------------------------

    def end_on_signals(self) -> None:
        """SIGINT, SIGTERM, SIGHUP and SIGUSR1 end the show as Esc does: a save, the normal end."""
        end_on_signals(self.stop)  # installation/endings.py

    def _guarded_threads(self) -> list[threading.Thread]:
        """Every thread of the show, each under the guard: restarted where that is safe."""
        threads = []
        for part, restart in ((self.film_thread, True), (self.dreaming, False),
                              (self.poet, True), (self.narrator, True), (self.osc, True),
                              (self.midi, True), (self.audio_in, True), (self.keeper, False),
                              (self.video_out, True), (self.web, True)):  # fmt: skip
            if part is not None:
                part.thread = self.guard.thread(part.thread.name, part.loop, restart)
                threads.append(part.thread)
        return threads

    def run(self) -> ShowSummary:
        self.started = started = time.monotonic()
        self.threads = threads = self._guarded_threads()  # the status page's too
        for thread in threads:
            thread.start()
        if self.parts.waking.notice:
            self.screen.tell(self.parts.waking.notice, NOTICE_S)
        if self.limits.record_to is not None:
            self.recording_control.start(self.limits.record_to)
        clock, heartbeat = pygame.time.Clock(), Heartbeat()  # to systemd's watchdog, if it runs us
        pace = FramePace(self.config.screen.fps)  # "auto": what the machine can give (pace.py)
        try:
            while not self.stop_requested.is_set():
                began = time.perf_counter()
                self._frame(time.monotonic() - started)
                pace.worked(time.perf_counter() - began)
                heartbeat.beat()  # READY=1 after the first frame, then WATCHDOG=1 every 2 s
                if self._finished(started):
                    break
                clock.tick(pace.fps)
        finally:
            heartbeat.stopping()
            left = self._stop_threads(threads)
        return self._summary(started, left, pace)

    def _frame(self, t: float) -> None:
        """One turn of the main loop: what was asked, the newest network, the picture."""
        handle_events(self.controls, self.screen, self.stop)
        self.controls.apply_pending()
        for name in self.guard.take_reports():
            self.screen.tell(f"the {name} thread failed (dreams.log says why)", FAULT_NOTICE_S)
            self.controls.event(f"thread failed: {name}")
        network = self.dreaming.slot.take()
        if network is not None:
            self._receive(network)
        self.controls.voice()
        self.controls.learning()
        self.screen.draw(t, self.hud_lines(), self.doors.tick())
        self.recording_control.see(self.window.surface)
        if self.video_out is not None:
            self.video_out.see(self.window.surface, self.screen.picture)
        if self.web is not None:
            self.web.publish(self)  # the figures and, when asked, the picture for the page
        self.screen.flipped()
        self.figures.log_summary_if_due(self)

    def _stop_threads(self, threads: list[threading.Thread]) -> list[str]:
        self.stop()
        if self.stopped_by is not None:
            log.info("show: %s received; ending as Ctrl-C does, with a save", self.stopped_by)
        self.recording_control.stop()
        for part in (self.osc, self.midi, self.audio_in, self.keeper, self.video_out, self.web):
            if part is not None:
                part.stop()
        self.controls.sender.close()
        deadline = time.monotonic() + STOP_WITHIN_S
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._wait_for_the_step_in_hand()
        left = [thread.name for thread in threads if thread.is_alive()]
        if left:
            log.warning("show: threads still running after %.0f s: %s", STOP_WITHIN_S, left)
        if self.guard.faults:
            log.warning("show: %d thread faults in this show (dreams.log has each traceback)",
                        self.guard.faults)  # fmt: skip
        self._keep_at_exit(left)
        if self.video_out is not None:
            self.video_out.close()
        self.window.close()
        self.film.close()
        return left

    def _wait_for_the_step_in_hand(self) -> None:
        """A long step (a large mind on a CPU) outlives the 2 s: the mind is worth the wait, and
        a process that exits under a running step is aborted by torch, the mind lost with it."""
        trainer = self.dreaming.thread
        if not trainer.is_alive():
            return
        log.warning("show: saving... the trainer is finishing network %d (up to %.0f s)",
                    self.dreaming.figures.latest().number + 1, STEP_WAIT_S)  # fmt: skip
        trainer.join(STEP_WAIT_S)

    def _summary(self, started: float, left: list[str], pace: FramePace) -> ShowSummary:
        return ShowSummary(
            networks_created=self.trainer.number - self.dreaming.first_number,
            networks_shown=self.figures.networks_shown,
            frames_drawn=self.frames_drawn,
            film_frames=self.film.frames_read,
            film_frames_skipped=self.film.frames_skipped,
            seconds=time.monotonic() - started,
            threads_left=left,
            lines_spoken=self.narrator.lines_spoken if self.narrator else 0,
            longest_wait_s=self.narrator.longest_wait_s if self.narrator else 0.0,
            last_network=self.trainer.number,
            rebirths=self.dreaming.guardian.rebirths,
            first_network_s=self.figures.first_network_s,
            thread_faults=self.guard.faults,
            **pace.figures(),
        )

    def _keep_at_exit(self, threads_left: list[str]) -> None:
        """A clean exit saves the mind, writes the run's contact sheet and puts the poem being
        written in the book."""
        if self.poet is not None and self.poet.scribe is not None and "poet" not in threads_left:
            try:
                self.poet.scribe.finish()
            except OSError as error:
                log.warning("poet: the last poem was not written in the book: %s", error)
        if "trainer" not in threads_left:
            self.dreaming.write_sheet()  # the trainer's thread has ended
        if self.keeper is None:
            return
        if "trainer" in threads_left:
            log.warning("state: not saved at the end: the trainer was still busy")
        elif self.trainer.number not in (self.dreaming.first_number, self.keeper.last_saved_number):
            self.keeper.write(self.dreaming.save(), at_exit=True)  # the trainer's thread has ended
        self.keeper.lock.release()

    def _finished(self, started: float) -> bool:
        if self.limits.duration_s and time.monotonic() - started >= self.limits.duration_s:
            return True
        return self.current is not None and self.dreaming.limit_reached(self.current.number)

    def _receive(self, network: Network) -> None:
        if self.figures.shown(network, time.monotonic() - self.started):
            log.info("show: network %d is on screen, the first of this run, %.1f s after the show "
                     "began", network.number, self.figures.first_network_s)  # fmt: skip
        self.screen.current = network
        if self.figures.reborn(self.dreaming.figures.latest().rebirths):
            self.controls.rebirth(self.figures.rebirths_told)
        self.controls.network(network, self.figures.networks_per_second())
