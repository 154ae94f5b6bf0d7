"""The speed ladder: each acceleration of a Speed is a rung, and a rung that fails is stepped
down from, never fallen through. A rung fails when it cannot be built (torch.compile or fused
Adam refused), when a step on it raises (a compile error, a CUDA graph that cannot be captured,
an operator bf16 lacks), or when its first steps give NaN or Inf losses where the plain eager
float32 step, from the same weights, does not. Then the trainer goes on with the same networks
on the next rung down, and one line says what failed and what it runs on now.

A step on trial (the first few on each rung but the last) keeps a copy of the networks and
their optimisers first, so that a failed step is undone and done again below; after its trial a
rung that raises is still stepped down from, with no copy to undo a half-made step.
"""

import copy
import logging
from collections.abc import Callable
from dataclasses import replace

import numpy as np
import torch

from engine.mind.speed import Speed

log = logging.getLogger(__name__)

TRIAL_STEPS = 3  # the first steps on a rung whose losses are checked against the plain path
# the least proven first: torch.compile (with its CUDA graphs), bf16, fused Adam, channels-last
OPTIONS = ("compile_mode", "bf16", "fused_adam", "channels_last")


def next_rung(speed: Speed) -> Speed | None:
    """The rung below `speed`: its least proven option off; None below eager float32."""
    for option in OPTIONS:
        if getattr(speed, option):
            return replace(speed, **{option: None if option == "compile_mode" else False})
    return None


def rungs(speed: Speed) -> list[Speed]:
    """The ladder from `speed` down to eager float32, in the order a failing trainer takes."""
    ladder = [speed]
    while (lower := next_rung(ladder[-1])) is not None:
        ladder.append(lower)
    return ladder


def first_line(error: BaseException) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text.splitlines()[0]}" if text else type(error).__name__


class Ladder:
    """The trainer's rung: built, tried on its first steps, stepped down from where it fails.
    The trainer gives it `use_speed`, `lay_out`, `networks_state` and `load_networks`."""

    def __init__(self, trainer):
        self.trainer = trainer
        self.steps_on_rung = 0  # steps done on the current rung
        self.falls: list[str] = []  # each step down, as logged: for the summary and doctor

    def build(self, optimizers: dict | None = None) -> None:
        """Lay the networks out for the trainer's speed (and its optimisers, carrying their
        state); a rung that cannot be built gives way to the next one down."""
        while True:
            try:
                self.trainer.lay_out(optimizers)
                return
            except Exception as error:
                lower = self.below(self.trainer.speed, f"could not be built ({first_line(error)})")
                if lower is None:
                    raise
                self.trainer.speed = lower  # and laid out again, carrying the same optimisers

    def below(self, speed: Speed, why: str) -> Speed | None:
        """The rung below `speed`, with one line saying why; None below eager float32."""
        lower = next_rung(speed)
        if lower is not None:
            line = (
                f"trainer: {speed.describe()} {why}; now on {lower.describe()}, the same networks"
            )
            log.warning(line)
            self.falls.append(line)
            self.steps_on_rung = 0
        return lower

    def step(self, learn: Callable[[], tuple]) -> tuple:
        """`learn()` (one step: the losses on the host first) on the current rung, or on the
        rungs below it where it fails."""
        trainer = self.trainer
        while True:
            speed = trainer.speed
            on_trial = next_rung(speed) is not None and self.steps_on_rung < TRIAL_STEPS
            before = copy.deepcopy(trainer.networks_state()) if on_trial else None
            try:
                result = learn()
            except torch.OutOfMemoryError:
                raise  # not the rung's fault: the show halves the batch
            except Exception as error:
                if before is not None:
                    trainer.load_networks(before)  # the failed step undone
                why = f"failed on network {trainer.number + 1:,} ({first_line(error)})"
                lower = self.below(speed, why)
                if lower is None:
                    raise
                trainer.use_speed(lower)
                continue  # the same step, one rung down
            if on_trial and not finite(result[0]):
                return self._blame(speed, before, learn)
            self.steps_on_rung += 1
            return result

    def _blame(self, fast: Speed, before: dict, learn: Callable[[], tuple]) -> tuple:
        """NaN or Inf losses on a rung on trial: the same step on the plain path, from the same
        weights, says whose they are. The plain step's network is the one kept."""
        trainer = self.trainer
        trainer.load_networks(before)
        trainer.use_speed(Speed())
        plain = learn()
        if finite(plain[0]):
            number = trainer.number + 1
            why = f"gave NaN or Inf losses on network {number:,} where eager float32 did not"
            trainer.use_speed(self.below(fast, why))
        else:  # the mind diverged on every path: the guardian's business, not the ladder's
            trainer.use_speed(fast)
        return plain


def finite(losses) -> bool:
    return bool(np.isfinite(np.asarray(losses, dtype=np.float64)).all())
