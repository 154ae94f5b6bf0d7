"""The frame rate of the live show: `screen.fps` frames a second at most, or, at "auto", what the
machine can give. At "auto" the picture may take a share of one core (`picture_share`: a quarter
on two cores, a whole core from five): the frame's own work (events, composing, painting, the
flip) is timed, and the rate is the share over the recent typical frame, between 30 and 60 a
second. On a two-core CPU the picture then leaves the mind its core (BENCHMARKS.md); where a frame
is cheap, or the machine has cores to spare (a GPU machine), it is 60. The frame times are kept
for the show's figures (`--stats`): the median and the 99th percentile."""

import os
import statistics
from collections import deque

import numpy as np

AUTO_MOST_FPS = 60  # a projector's refresh rate: more is never seen
AUTO_LEAST_FPS = 30  # below this a slow zoom and a dissolve begin to stutter
RECENT_FRAMES = 30  # the frames whose typical time sets the rate (half a second at 60)
# The figures count every frame's time in 0.1-ms bins up to a second (the last holds the rest):
# the whole show's median and 99th percentile in a fixed 80 kB, where a list of the times would
# grow for as long as the show runs.
BIN_S, BINS = 0.0001, 10_000


def most_fps(setting: int | str) -> int:
    """The most frames a second that `screen.fps` allows."""
    return AUTO_MOST_FPS if setting == "auto" else int(setting)


def picture_share(cores: int | None = None) -> float:
    """The share of one core the picture may take at "auto": a quarter on two cores (the mind
    needs the other whole), more with each core beyond, a whole core from five."""
    cores = cores or os.cpu_count() or 1
    return min(1.0, 0.25 * max(cores - 1, 1))


class FramePace:
    def __init__(self, fps: int | str, cores: int | None = None):
        self.auto = fps == "auto"
        self.share = picture_share(cores)
        self.fps = most_fps(fps)  # the rate of the next frame
        self._recent: deque[float] = deque(maxlen=RECENT_FRAMES)
        self._counts = np.zeros(BINS, np.int64)  # frames by their time of work

    def worked(self, seconds: float) -> None:
        """A frame's work took `seconds`; at "auto", the rate follows the recent frames."""
        self._counts[min(round(seconds / BIN_S), BINS - 1)] += 1
        self._recent.append(seconds)
        if not self.auto or len(self._recent) < RECENT_FRAMES // 2:
            return
        typical = statistics.median(self._recent)
        affordable = self.share / max(typical, 1e-6)
        self.fps = int(min(max(affordable, AUTO_LEAST_FPS), AUTO_MOST_FPS))

    def figures(self) -> dict:
        """The frame times in ms: median and 99th percentile (None before a frame)."""
        frames = int(self._counts.sum())
        if not frames:
            return {"frame_ms_median": None, "frame_ms_p99": None}
        cumulative = np.cumsum(self._counts)

        def nth(n: int) -> float:  # the time of the n-th frame in order, from 0, in ms
            return 1000 * BIN_S * int(np.searchsorted(cumulative, n + 1))

        p99 = min(frames - 1, int(0.99 * frames))
        return {"frame_ms_median": nth(frames // 2), "frame_ms_p99": nth(p99)}
