"""What a cut tells its user and its log: where it came from (provenance, every "auto" already
resolved), a progress line while it runs, and the last word when it ends."""

import platform
import sys
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from engine.config import as_dict
from engine.mind.build import Mind
from installation.console import progress_bar
from installation.cut.plan import CutPlan, clock

PACKAGES = ("dreams", "torch", "av", "transformers", "piper-tts", "numpy", "opencv-python")


@dataclass
class CutStats:
    """A cut's figures as data (for `dreams bench --record` and whoever asks)."""

    status: int  # the exit status: 0 done, 1 failed, 130 interrupted
    networks: int  # the mind's number at the end (a resumed cut counts from its start)
    frames: int
    seconds: float  # of work, a resumed cut's earlier runs included
    lines_spoken: int
    networks_per_s: float


def provenance(mind: Mind, plan: CutPlan) -> dict:
    """Where a cut came from: its plan, film, device, speed, seed, shape, settings, versions."""

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "not installed"

    return {
        "networks": plan.networks,
        "fps": plan.fps,
        "frames": plan.total_frames,
        "film": mind.film.name,
        "device": str(mind.trainer.device),
        "speed": mind.trainer.speed.describe(),
        "seed": mind.config.dream.seed,
        "shape": mind.shape.describe(),
        "config": as_dict(mind.config),  # resolved: the resolution and width used, not "auto"
        "versions": {"python": platform.python_version(), **{p: installed(p) for p in PACKAGES}},
    }


class Progress:
    """A progress bar on a terminal; a line every ten seconds into a log file. While the poet is
    prepared (`poet()`, the narration's, gives its Step), the line ends with that step's own."""

    def __init__(self, started: float):
        self.started, self._last = started, 0.0
        self.poet = lambda: None  # the poet's preparation Step while one runs
        self._figures: tuple | None = None  # the last line's, redrawn while the cut waits
        self._bar = None  # tqdm's, from the first line on

    def show(self, done: int, goal: int, frame: int, total_frames: int, fps: int) -> None:
        self._figures = (done, goal, frame, total_frames, fps)
        now = time.monotonic()
        every = 0.25 if sys.stderr.isatty() else 10.0
        if now - self._last < every and done < goal:
            return
        self._last = now
        rate = done / max(now - self.started, 1e-9)
        eta = (goal - done) / rate if rate else 0.0
        step = self.poet()
        rest = f"ETA {clock(eta)}, cut {clock(frame / fps)} of {clock(total_frames / fps)}"
        if step is not None:  # the cut waits for the poet's first line: say how far it is
            rest = f"the poet, once: {step.text}"
        if self._bar is None:  # drawn only here, its figures this line's (a resumed cut's rate
            # counts its past); nothing drawn at its close: the cut ends the line itself
            bar_format, never = "{l_bar}{bar}| network {n_fmt}/{total_fmt}{postfix}", float("inf")
            self._bar = progress_bar(goal, bar_format=bar_format, leave=False, delay=never)
        self._bar.n = done
        self._bar.set_postfix_str(f"{rate:.1f} networks/s, {rest}", refresh=False)
        self._bar.refresh()

    def redraw(self) -> None:
        """The last line again, as it stands now (while the cut waits for the poet)."""
        if self._figures is not None:
            self.show(*self._figures)
