"""The live show: film, trainer and main threads (DESIGN.md), started and stopped together.

main     pygame events, compositing, flip; applies key commands; reads the latest network;
         hands each frame shown to the recorder, when recording
film     reads the film at its own fps into the frame memory (installation/watching.py)
trainer  step, step, step; puts each new network in a latest-value slot and waits until the
         screen has taken it: `steps_per_frame` networks per frame drawn, so at 1 every network
         is seen. A diverging network is reborn (engine/rebirth.py); out of GPU memory, the batch
         is halved; every `state.save_every_s` it hands a copy of the mind to the keeper
state    writes the mind's saves (installation/keeper.py)
"""

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np
import pygame
import torch

from engine.assets import DEFAULT_FILM_CREDIT
from engine.book import Book
from engine.config import Config
from engine.errors import DreamsError
from engine.film import FilmSource
from engine.memory import FrameMemory
from engine.rebirth import Guardian
from engine.trainer import Network, Trainer
from installation.media.compositor import Compositor
from installation.media.gpu_compositor import make_compositor
from installation.media.recorder import RecordingSummary
from installation.media.subtitles import Subtitles, opacity
from installation.media.window import Window
from installation.show.controls import Controls
from installation.show.film_thread import Watching
from installation.show.health import gpu_text, rss_mb
from installation.show.keeper import Keeper, Waking, mind_state
from installation.show.live_recording import LiveRecording, new_recording_path
from installation.show.osc import OscSender
from installation.threads import LatestSlot
from installation.voice.narrator import Narrator
from installation.voice.poet_thread import PoetThread

log = logging.getLogger(__name__)

STOP_WITHIN_S = 2.0  # every thread is gone this long after a stop is asked for
RATE_WINDOW_S = 3.0  # networks per second are counted over this many recent seconds
NOTICE_S = 15.0  # how long the screen says that the mind was resumed
OUT_OF_MEMORY_WAIT_S = 5.0  # before trying again at batch 1


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


class Show:
    def __init__(
        self,
        config: Config,
        film: FilmSource,
        trainer: Trainer,
        memory: FrameMemory,
        window: Window,
        networks_limit: int = 0,
        duration_s: float = 0.0,
        make_poet=None,
        osc_server=None,
        osc_sender=None,
        record_to: Path | None = None,
        keeper: Keeper | None = None,
        waking: Waking | None = None,
    ):
        self.config, self.trainer, self.memory = config, trainer, memory
        self.stop_requested = threading.Event()
        self.watching = Watching(config, film, memory, self.stop_requested)
        self.keeper, self.waking = keeper, waking or Waking()
        self.guardian = Guardian(trainer)
        self.guardian.rebirths = self.waking.rebirths
        self._rebirths_told = self.guardian.rebirths
        self.first_number = trainer.number  # a resumed mind goes on from its number
        self.notice_until = 0.0
        self._summary_from = (time.monotonic(), trainer.number)
        self.window = window
        self.networks_limit, self.duration_s = networks_limit, duration_s
        self.learning = threading.Event()
        self.learning.set()
        self.slot = LatestSlot()
        self.hud_on = config.screen.hud
        self.current: Network | None = None
        self.networks_shown = self.frames_drawn = 0
        self._births: deque[float] = deque()
        self._compositor: Compositor | None = None
        self._dream_clock = 0.0  # the dreams' clock at the last frame drawn
        self.last_frame = (0.0, self.hud_on)  # when the last frame was flipped, and its HUD
        self.subtitles_on = config.screen.subtitles
        self.reset_requested = False  # for the trainer thread
        self.dream_shift_s = 0.0  # added to the dreams' clock (OSC: next dream)
        self.dream_offset = 0  # added to the dream index (OSC: which dream)
        self.osc = osc_server
        self.controls = Controls(self, osc_server, osc_sender or OscSender(""))
        self.subtitles = Subtitles(config.poet.line_s)
        self.record_to = record_to
        self.recording: LiveRecording | None = None
        self.recordings: list[RecordingSummary] = []
        self.poet = self.narrator = None
        if make_poet is not None:
            book = Book(keeper.folder.path / "poems.txt") if keeper else None
            self.poet = PoetThread(
                make_poet, config.poet.queue_lines, self.stop_requested, book=book
            )
            if config.voice.enabled:
                self.narrator = Narrator(config.voice, self.poet.lines, self.stop_requested)

    @property
    def film(self) -> FilmSource:
        return self.watching.film

    def stop(self) -> None:
        """Ask every thread to stop (signal handlers, keys, limits); safe from any thread."""
        self.stop_requested.set()
        self.slot.wake()

    # ---- threads ------------------------------------------------------------------------------

    def _dream(self) -> None:
        """The trainer thread: networks, one after another, handed to the screen."""
        while len(self.memory) == 0:  # nothing watched yet
            if self.stop_requested.wait(0.01):
                return
        while not self.stop_requested.is_set():
            if self.reset_requested:
                self.reset_requested = False
                self.trainer.reset()
                self.guardian.forget()
            steps = self.config.dream.steps_per_frame
            if not self.learning.is_set() or self._limit_reached(self.trainer.number):
                self.stop_requested.wait(0.05)
                continue
            count = steps
            if self.networks_limit:  # never past the limit
                count = min(steps, self.first_number + self.networks_limit - self.trainer.number)
            try:
                network = self._steps(count)
            except torch.OutOfMemoryError:
                self._out_of_memory()
                continue
            except Exception:
                log.exception("dreamer: a training step failed; going on")
                self.stop_requested.wait(0.5)
                continue
            if self.keeper is not None and self.keeper.due():
                self.keeper.offer(self._mind_state())
            self.slot.put(network)
            while not self.slot.wait_taken(0.1):  # `steps` networks per frame drawn, no more
                if self.stop_requested.is_set():
                    return

    def _steps(self, count: int) -> Network:
        """`count` networks; the last one rendered. A divergence ends them early, reborn."""
        for step in range(count):
            network = self.trainer.step(render=step == count - 1)
            network, why = self.guardian.watch(network)
            if why is not None:
                log.warning(
                    "dreamer: network %d diverged (%s); reborn from an earlier mind (rebirth %d), "
                    "learning rate %g for %d networks",
                    network.number,
                    why,
                    self.guardian.rebirths,
                    self.trainer.config.learning_rate,
                    self.config.dream.calm_networks,
                )
                break
        return network

    def _out_of_memory(self) -> None:
        """Out of GPU memory: halve the batch and go on (at batch 1, wait and try again)."""
        if self.trainer.halve_batch():
            log.warning("dreamer: out of GPU memory; batch halved to %d", self.trainer.batch_size)
        else:
            log.error("dreamer: out of GPU memory at batch 1; trying again")
            self.stop_requested.wait(OUT_OF_MEMORY_WAIT_S)

    def _mind_state(self) -> dict:
        """A copy of what a save holds; on the trainer's thread, between steps."""
        poet_lines = self.waking.poet_lines + (self.poet.lines_written if self.poet else 0)
        film = (self.film.name, self.watching.position)
        return mind_state(self.trainer, self.guardian.rebirths, film, poet_lines)

    def _limit_reached(self, number: int) -> bool:
        return bool(self.networks_limit) and number - self.first_number >= self.networks_limit

    # ---- main loop ----------------------------------------------------------------------------

    def run(self) -> ShowSummary:
        self.started = started = time.monotonic()
        threads = [
            self.watching.thread,
            threading.Thread(target=self._dream, name="trainer", daemon=True),
        ]
        if self.poet is not None:
            threads.append(self.poet.thread)
        if self.narrator is not None:
            threads.append(self.narrator.thread)
        if self.osc is not None:
            threads.append(self.osc.thread)
        if self.keeper is not None:
            threads.append(self.keeper.thread)
        for thread in threads:
            thread.start()
        if self.waking.notice:
            self.notice_until = started + NOTICE_S
        if self.record_to is not None:
            self.start_recording(self.record_to)
        clock = pygame.time.Clock()
        try:
            while not self.stop_requested.is_set():
                self._handle_events()
                self.controls.apply_pending()
                network = self.slot.take()
                if network is not None:
                    self._receive(network)
                self.controls.voice()
                self._draw(time.monotonic() - started + self.dream_shift_s)
                if self.recording is not None:
                    self.recording.see(self.window.surface)
                self.frames_drawn += 1
                self.last_frame = (time.monotonic(), self.hud_on)  # for `dreams bench --osc`
                self._summarise_if_due()
                if self._finished(started):
                    break
                clock.tick(self.config.screen.fps)
        finally:
            self.stop()
            self.stop_recording()
            if self.osc is not None:
                self.osc.stop()
            if self.keeper is not None:
                self.keeper.stop()
            self.controls.sender.close()
            deadline = time.monotonic() + STOP_WITHIN_S
            for thread in threads:
                thread.join(max(0.0, deadline - time.monotonic()))
            left = [thread.name for thread in threads if thread.is_alive()]
            if left:
                log.warning("show: threads still running after %.0f s: %s", STOP_WITHIN_S, left)
            self._keep_at_exit(left)
            self.window.close()
            self.film.close()
        return ShowSummary(
            networks_created=self.trainer.number - self.first_number,
            networks_shown=self.networks_shown,
            frames_drawn=self.frames_drawn,
            film_frames=self.film.frames_read,
            film_frames_skipped=self.film.frames_skipped,
            seconds=time.monotonic() - started,
            threads_left=left,
            lines_spoken=self.narrator.lines_spoken if self.narrator else 0,
            longest_wait_s=self.narrator.longest_wait_s if self.narrator else 0.0,
            last_network=self.trainer.number,
            rebirths=self.guardian.rebirths,
        )

    def _keep_at_exit(self, threads_left: list[str]) -> None:
        """A clean exit saves the mind and puts the poem being written in the book."""
        if self.poet is not None and self.poet.scribe is not None and "poet" not in threads_left:
            try:
                self.poet.scribe.finish()
            except OSError as error:
                log.warning("poet: the last poem was not written in the book: %s", error)
        if self.keeper is None:
            return
        if "trainer" in threads_left:
            log.warning("state: not saved at the end: the trainer was still busy")
        elif self.trainer.number not in (self.first_number, self.keeper.last_saved_number):
            self.keeper.write(self._mind_state())

    def _summarise_if_due(self) -> None:
        """A line in the log every `state.summary_every_s`: how the show has been doing."""
        now = time.monotonic()
        since, number = self._summary_from
        if now - since < self.config.state.summary_every_s:
            return
        self._summary_from = (now, self.trainer.number)
        recording = self.recording.recorder.dropped if self.recording else 0
        log.info(
            "summary: %.1f networks/s · memory %.0f MB%s · %d rebirths · film frames skipped %d "
            "· recording frames dropped %d · lines spoken %d · saves %d (%d failed) · threads %d",
            (self.trainer.number - number) / (now - since),
            rss_mb(),
            gpu_text(self.trainer.device),
            self.guardian.rebirths,
            self.film.frames_skipped,
            recording,
            self.narrator.lines_spoken if self.narrator else 0,
            self.keeper.saves_written if self.keeper else 0,
            self.keeper.saves_failed if self.keeper else 0,
            threading.active_count(),
        )

    def _finished(self, started: float) -> bool:
        if self.duration_s and time.monotonic() - started >= self.duration_s:
            return True
        return self.current is not None and self._limit_reached(self.current.number)

    def _receive(self, network: Network) -> None:
        if self.current is None:
            log.info(
                "show: network %d is on screen, the first of this run, %.1f s after the show began",
                network.number,
                time.monotonic() - self.started,
            )
        self.current = network
        self.networks_shown += 1
        if self.guardian.rebirths != self._rebirths_told:
            self._rebirths_told = self.guardian.rebirths
            self.controls.rebirth(self.guardian.rebirths)
        self._births.append(network.born_at)
        while self._births and self._births[0] < network.born_at - RATE_WINDOW_S:
            self._births.popleft()
        self.controls.network(network, self.networks_per_second())

    def networks_per_second(self) -> float:
        if len(self._births) < 2:
            return 0.0
        return (len(self._births) - 1) / max(self._births[-1] - self._births[0], 1e-6)

    def _draw(self, t: float) -> None:
        side = self.window.picture_side
        if self._compositor is None or self._compositor.side != side:
            self._compositor = make_compositor(
                self.config.screen, side, self.config.dream.seed, self.trainer.device
            )
        picture = None
        if self.current is not None:
            picture = self._compose(t)
        self._dream_clock = t
        footer = DEFAULT_FILM_CREDIT if self.film.is_default else ""
        subtitle, fade = self._subtitle(t)
        self.window.draw(picture, self._hud_lines(), footer, subtitle, fade)

    def _compose(self, t: float) -> np.ndarray:
        images = self.current.images
        try:
            return self._compositor.compose(images, t, self.dream_offset)
        except Exception:  # the GPU's compositor (out of memory, say): the CPU's from now on
            if type(self._compositor) is Compositor:
                raise
            log.exception("screen: composing on the GPU failed; composing on the CPU from now on")
            self._compositor = Compositor(self.config.screen, self._compositor.side,
                                          self.config.dream.seed)  # fmt: skip
            return self._compositor.compose(images, t, self.dream_offset)

    def _subtitle(self, t: float) -> tuple[str | None, float]:
        """The line to show and its opacity: the voice's line, or the poet's on a timer."""
        if self.narrator is not None:
            speaking = self.narrator.now_speaking
            if speaking is None:
                return None, 0.0
            text = speaking.text if self.subtitles_on else None
            return text, opacity(time.monotonic(), speaking.started, speaking.ends)
        if self.poet is None:
            return None, 0.0
        text, fade = self.subtitles.at(t, self.poet.next_line)  # goes on while hidden (T)
        return (text if self.subtitles_on else None), fade

    def start_dissolve(self, to: int | None = None) -> None:
        """Begin the dissolve into the next dream now, or into dream `to`."""
        screen = self.config.screen
        period = max(screen.hold_s + screen.dissolve_s, 1e-3)
        turn, phase = divmod(self._dream_clock, period)
        self.dream_shift_s += (screen.hold_s - phase) if phase < screen.hold_s else (period - phase)
        if to is not None and self.current is not None:
            count = len(self.current.images)
            upcoming = int(turn if phase < screen.hold_s else turn + 1) + 1
            self.dream_offset = (to - upcoming) % count

    def _hud_lines(self) -> list[str]:
        """The HUD; the notice of a resumed mind shows for its first seconds, HUD or not."""
        notice = [self.waking.notice] if time.monotonic() < self.notice_until else []
        if not self.hud_on:
            return notice
        network = self.current
        if network is None:
            mind = f"the mind of network {self.first_number:,}" if self.first_number else ""
            return [*notice, f"{mind or 'a blank mind'} is watching {self.film.name}"]
        rebirths = self.guardian.rebirths
        reborn = f" · reborn {rebirths:,} time{'s' * (rebirths != 1)}" if rebirths else ""
        lines = [
            *notice,
            f"network {network.number:,} created · {network.number - 1:,} destroyed{reborn}",
            f"{self.networks_per_second():.1f} networks/s · "
            f"D {network.d_loss:.3f} · G {network.g_loss:.3f}",
            f"{self.film.name} · {self.memory.frames_seen:,} frames watched",
        ]
        if not self.learning.is_set():
            lines.append("learning paused")
        if self.recording is not None:
            lines.append(f"recording {self.recording.path.name}")
        return lines

    # ---- keys ---------------------------------------------------------------------------------

    def _handle_events(self) -> None:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.stop()
            elif event.type == pygame.KEYDOWN:
                self._key(event.key)

    def _key(self, key: int) -> None:
        if key in (pygame.K_ESCAPE, pygame.K_q):
            self.stop()
        elif key == pygame.K_f:
            self.window.toggle_fullscreen()
        elif key == pygame.K_h:
            self.hud_on = not self.hud_on
        elif key == pygame.K_t:
            self.subtitles_on = not self.subtitles_on
        elif key == pygame.K_SPACE:
            if self.learning.is_set():
                self.controls.pause()
            else:
                self.controls.resume()
        elif key == pygame.K_s:
            self.screenshot()
        elif key == pygame.K_r:
            if self.recording is None:
                self.start_recording()
            else:
                self.stop_recording()

    def start_recording(self, path: Path | None = None) -> None:
        """Record what is seen and heard, to `path` or a new file in record.folder."""
        if self.recording is not None:
            return
        try:
            path = path or new_recording_path(self.config.record)
            self.recording = LiveRecording(path, self.config.record, self.narrator)
        except (DreamsError, OSError, av.FFmpegError) as error:
            log.error("record: not recording: %s", error)
            return
        self.controls.event("recording")

    def stop_recording(self) -> None:
        if self.recording is None:
            return
        recording, self.recording = self.recording, None
        self.recordings.append(recording.close())
        self.controls.event("recording stopped")

    def screenshot(self) -> Path | None:
        number = self.current.number if self.current else 0
        name = f"dreams-{number:07d}-{time.strftime('%Y%m%d-%H%M%S')}-{self.frames_drawn}.png"
        folder = Path(self.config.screen.screenshot_dir).expanduser()
        try:
            path = self.window.screenshot(folder, name)
        except (OSError, pygame.error) as error:
            log.error("show: screenshot not saved in %s: %s", folder, error)
            return None
        log.info("show: screenshot %s", path)
        return path
