"""The show's figures as data: what `dreams run --stats FILE.json` writes at exit and the bench
reads (DESIGN.md: figures are published as data; log lines are for people)."""

import json
import resource
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from engine.corpus import write_atomically


@dataclass(frozen=True)
class Began:
    """When the command began, on both clocks: the show counts in monotonic seconds, another
    process (the bench) can only compare wall-clock ones."""

    unix: float = field(default_factory=time.time)
    monotonic: float = field(default_factory=time.monotonic)

    def unix_of(self, monotonic: float) -> float:
        return self.unix + monotonic - self.monotonic


class FirstArrival:
    """The show's slot for new networks, noting when the main loop takes its first one.
    (A stand-in until the Show keeps that moment itself.)"""

    def __init__(self, slot):
        self._slot = slot
        self.at: float | None = None  # time.monotonic()

    def take(self):
        network = self._slot.take()
        if network is not None and self.at is None:
            self.at = time.monotonic()
        return network

    def __getattr__(self, name):  # put, wait_taken, wake...: the slot's own
        return getattr(self._slot, name)


def show_stats(
    summary, began: Began, show_started: float, first_at: float | None, peak_gpu_mb
) -> dict:
    """`summary`: the ShowSummary; `show_started`, `first_at`: monotonic seconds when the show
    began and when its first network was on screen (None: none was)."""
    first_s = None if first_at is None else first_at - show_started
    rate = None
    if first_s is not None:  # from the first network on: the start-up is another figure
        rate = (summary.networks_created - 1) / max(summary.seconds - first_s, 1e-6)
    return {
        "networks_created": summary.networks_created,
        "networks_shown": summary.networks_shown,
        "frames_drawn": summary.frames_drawn,
        "seconds": summary.seconds,
        "first_network_s": first_s,
        "networks_per_s": rate,
        "lines_spoken": summary.lines_spoken,
        "longest_wait_s": summary.longest_wait_s,
        "rebirths": summary.rebirths,
        "last_network": summary.last_network,
        "peak_ram_mb": peak_ram_mb(),
        "peak_gpu_mb": peak_gpu_mb,
        "started_at_unix": began.unix,
        "first_network_at_unix": None if first_at is None else began.unix_of(first_at),
    }


def write_stats(path: Path, stats: dict) -> None:
    """Whole or not at all: a reader never sees half a file under the name."""
    write_atomically(path, (json.dumps(stats, indent=2) + "\n").encode())


def peak_ram_mb() -> float:
    """This process's own high-water mark of resident memory."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB; bytes on macOS
    return peak / (2**20 if sys.platform == "darwin" else 2**10)
