"""The show's figures as data: what `dreams run --stats FILE.json` writes at exit and the bench
reads (DESIGN.md: figures are published as data; log lines are for people)."""

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from engine.files import write_atomically

try:  # not on Windows, where psutil gives the peak itself
    import resource
except ImportError:
    resource = None


@dataclass(frozen=True)
class Began:
    """When the command began, on both clocks: the show counts in monotonic seconds, another
    process (the bench) can only compare wall-clock ones."""

    unix: float = field(default_factory=time.time)
    monotonic: float = field(default_factory=time.monotonic)

    def unix_of(self, monotonic: float) -> float:
        return self.unix + monotonic - self.monotonic


def show_stats(summary, began: Began, show_started: float, peak_gpu_mb) -> dict:
    """`summary`: the ShowSummary; `show_started`: monotonic seconds when the show began."""
    first_s = summary.first_network_s  # None: no network was on screen
    first_at = None if first_s is None else show_started + first_s
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
        "frame_ms_median": summary.frame_ms_median,  # a frame's work, at the window's size
        "frame_ms_p99": summary.frame_ms_p99,
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


def rss_mb() -> float:
    """Resident memory of this process now."""
    return psutil.Process().memory_info().rss / 2**20


def peak_ram_mb() -> float:
    """This process's own high-water mark of resident memory: Windows's peak working set, or
    getrusage's ru_maxrss elsewhere; resident memory now (a floor) where neither is kept."""
    memory = psutil.Process().memory_info()
    peak = getattr(memory, "peak_wset", None)
    if peak is None and resource is not None:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB; bytes on macOS
        peak *= 1 if sys.platform == "darwin" else 1024
    return max(peak or 0, memory.rss) / 2**20
