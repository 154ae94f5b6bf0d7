"""The trainer thread of the live show: networks, one after another, each put in a latest-value slot
for the screen, `steps_per_frame` networks per frame drawn (at 1, every network is seen).

It owns the trainer: whatever other threads want of it (a learning rate, steps per frame, a reset, a
pause, a contact sheet) arrives in its inbox and is applied here, in order, between steps. A
diverging network is reborn (engine/mind/rebirth.py); out of GPU memory, the batch is halved; every
`state.save_every_s` a copy of the mind goes to the keeper. It keeps the first dream of every Nth
network for the run's contact sheet (sheets/sheet-<start>.png in the state folder), written when
asked and at the end. With `screen.drift`, each network also brings the pictures its drift shows
until the next birth (engine/mind/drift.py), rendered here between steps. Its figures (the
network's number, the learning rate, the batch, the rebirths, whether it is paused, the speed) are
published after every step and request as a Learning record in a latest-value slot; the saves
read the film's place and the poet's count from those threads' slots.
"""

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass

import torch

from engine.mind.build import Mind, Waking, live_save
from engine.mind.drift import Drift, DriftPath
from engine.mind.rebirth import Guardian
from engine.mind.trainer import Network
from installation.media.sheet import RunSheet
from installation.show.film_thread import FilmPlace
from installation.threads import (
    Inbox,
    LatestSlot,
    Reset,
    SetDrift,
    SetLearningRate,
    SetPaused,
    SetStepsPerFrame,
    WriteSheet,
)
from installation.voice.poet_thread import PoetCount

log = logging.getLogger(__name__)

OUT_OF_MEMORY_WAIT_S = 5.0  # before trying again at batch 1


@dataclass(frozen=True)
class Learning:
    """The trainer thread's figures: for the HUD, the summary line, the status page, the log."""

    number: int  # the live network's
    learning_rate: float  # in effect now (lowered for a while after a rebirth)
    batch_size: int
    rebirths: int
    paused: bool  # a pause asked for and done
    speed: str  # the rung the trainer runs on (engine/mind/ladder.py)


class Dreaming:
    def __init__(self, mind: Mind, stop: threading.Event, waking: Waking, keeper=None,
                 networks_limit: int = 0):  # fmt: skip
        self.mind, self.trainer = mind, mind.trainer
        self._stop, self.keeper = stop, keeper
        self.inbox = Inbox()
        self.slot = LatestSlot()  # the newest network, for the screen
        self.guardian = Guardian(self.trainer)
        self.guardian.rebirths = waking.rebirths
        self.first_number = self.trainer.number  # a resumed mind goes on from its number
        self.networks_limit = networks_limit
        self.steps_per_frame = mind.config.dream.steps_per_frame
        path = DriftPath(self.trainer.dream_latents.clone(), mind.config.dream.seed)
        self.drift = Drift(path, mind.config.screen.drift)
        self._drift_failures = 0
        self.paused = False
        self.figures = LatestSlot()  # a Learning: put here only, read by any thread
        self._publish()
        self.applied: list = []  # the last requests applied, for tests
        # the film thread's and the poet thread's slots (the show's), read for the saves
        self.film_place = LatestSlot(FilmPlace(mind.film.name, 0))
        self.poet_count = LatestSlot(PoetCount())
        self.poet_lines_before = waking.poet_lines  # the lines of the shows before this one
        started = time.strftime("%Y%m%d-%H%M%S")
        self.sheet = RunSheet(
            keeper.folder.path / "sheets" / f"sheet-{started}.png" if keeper else None
        )
        self.thread = threading.Thread(target=self.loop, name="trainer", daemon=True)

    def _publish(self) -> None:
        trainer = self.trainer
        self.figures.put(Learning(trainer.number, trainer.learning_rate, trainer.batch_size,
                                  self.guardian.rebirths, self.paused, trainer.rung))  # fmt: skip

    def limit_reached(self, number: int) -> bool:
        return bool(self.networks_limit) and number - self.first_number >= self.networks_limit

    def loop(self) -> None:
        memory = self.mind.memory
        while len(memory) == 0:  # nothing watched yet
            if self._stop.wait(0.01):
                return
        while not self._stop.is_set():
            self._apply_requests()
            if self.paused or self.limit_reached(self.trainer.number):
                self.inbox.arrived.wait(0.05)
                continue
            count = self.steps_per_frame
            if self.networks_limit:  # never past the limit
                count = min(count, self.first_number + self.networks_limit - self.trainer.number)
            try:
                look = self.drift.at_birth()  # None at drift 0: the fixed dreams, no extra pass
                if look is not None:
                    self.trainer.look_at(look)
                network = self._steps(count)
            except torch.OutOfMemoryError:
                self._out_of_memory()
                continue
            except Exception:
                log.exception("trainer: a training step failed; going on")
                self._stop.wait(0.5)
                continue
            if self.keeper is not None and self.keeper.due():
                self.keeper.offer(self.save())
            self.sheet.see(network.number, network.images)
            # `steps` networks per frame drawn, no more: the one before is on screen first. The
            # wait comes after the step, not before it: the trainer never idles for a frame
            while not self.slot.wait_taken(0.1):
                if self._stop.is_set():
                    return
            self.slot.put(self._drifted(network))

    def _apply_requests(self) -> None:
        requests = self.inbox.drain()
        for request in requests:
            match request:  # the messages of installation/threads.py that the trainer takes
                case SetLearningRate(rate):
                    self.guardian.set_rate(rate)
                case SetStepsPerFrame(steps):
                    self.steps_per_frame = steps
                case SetDrift(loops_a_minute):
                    self.drift.speed = loops_a_minute
                case Reset():
                    self.trainer.reset()
                    self.guardian.forget()
                case SetPaused(paused):
                    self.paused = paused
                case WriteSheet():
                    self.write_sheet()
        if requests:  # replaced whole: a reader on another thread sees one list or the other
            self.applied = (self.applied + requests)[-1000:]
            self._publish()

    def _steps(self, count: int) -> Network:
        """`count` networks; the last one rendered. A divergence ends them early, reborn; so
        does the end of the show (a hundred steps a frame must not outlive it)."""
        for step in range(count):
            last = step == count - 1 or self._stop.is_set()
            network = self.trainer.step(render=last)
            network, why = self.guardian.watch(network)
            self._publish()
            if why is not None:
                log.warning(
                    "trainer: network %d diverged (%s); reborn from an earlier mind (rebirth %d), "
                    "learning rate %g for %d networks",
                    network.number,
                    why,
                    self.guardian.rebirths,
                    self.trainer.learning_rate,
                    self.mind.config.dream.calm_networks,
                )
                break
            if last:
                break
        return network

    def _drifted(self, network: Network) -> Network:
        """The network with the pictures its drift shows until the next birth (none at drift 0,
        none where networks come every frame): the same network, looking elsewhere."""
        frames = self.drift.between(time.monotonic())
        if not frames or network.images is None:
            return network
        began = time.monotonic()
        try:
            pictures = [(offset, self.trainer.dreams_at(latents)) for offset, latents in frames]
        except Exception:
            self._drift_failures += 1
            level = logging.ERROR if self._drift_failures == 1 else logging.DEBUG
            log.log(level, "trainer: the drift's pictures were not rendered (%d times); the "
                    "network is shown still", self._drift_failures, exc_info=True)  # fmt: skip
            return network
        shown = time.monotonic()
        self.drift.rendered(shown - began, len(frames))
        return dataclasses.replace(network, later=tuple((shown + s, p) for s, p in pictures))

    def _out_of_memory(self) -> None:
        """Out of GPU memory: halve the batch and go on (at batch 1, wait and try again)."""
        halved = self.trainer.halve_batch()
        self._publish()
        if halved:
            log.warning("trainer: out of GPU memory; batch halved to %d", self.trainer.batch_size)
        else:
            log.error("trainer: out of GPU memory at batch 1; trying again")
            self._stop.wait(OUT_OF_MEMORY_WAIT_S)

    def write_sheet(self) -> None:
        """The run's contact sheet: on the trainer's thread between steps (or after it ended)."""
        self.sheet.write()

    def save(self) -> dict:
        """A copy of what a save holds; on the trainer's thread between steps (or after it)."""
        film = self.film_place.latest()
        poet_lines = self.poet_lines_before + self.poet_count.latest().lines_written
        return live_save(self.trainer, self.guardian.rebirths, (film.name, film.position),
                         poet_lines)  # fmt: skip
