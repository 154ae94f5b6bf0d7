"""`dreams bench`: the live show, as a user starts it: `dreams run` in a child process, headless
(SDL's dummy driver), with the configured poet and voice, for a while. Two figures: seconds from
the command to the first network on screen (the caches warm from the bench before it), and
networks per second from then to the end, against the screen's refresh rate."""

import os
import re
import subprocess
import sys
import time
from collections import deque

from engine.config import Config

FIRST = re.compile(r"the first of this run, ([\d.]+) s after the show began")
ENDED = re.compile(r"show: ended after ([\d.]+) s at network \d+: (\d+) networks created")
SPOKEN = re.compile(r"voice: (\d+) lines spoken")
PEAK_GPU = re.compile(r"show: peak GPU memory (\d+) MB")


def run_show_bench(config: Config, config_args: list[str], seconds: float) -> dict:
    """`config_args`: the bench's own --config and --set options, handed on to the show."""
    command = [sys.executable, "-m", "installation.cli", "run", "--windowed"]
    command += ["--duration", str(seconds), *config_args]
    command += ["--set", "state.enabled=false", "--set", "osc.port=0"]  # the user's mind stays
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
    started = time.perf_counter()
    first_s = first_in_show = None
    ended, spoken, peak_gpu = None, 0, None
    peak_mb = 0.0
    last_lines: deque[str] = deque(maxlen=3)  # what a failing show said last
    with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as child:
        for line in child.stderr:
            last_lines.append(line.strip())
            peak_mb = max(peak_mb, _peak_rss_mb(child.pid))
            if first_s is None and (match := FIRST.search(line)):
                first_s, first_in_show = time.perf_counter() - started, float(match[1])
            if match := ENDED.search(line):
                ended = float(match[1]), int(match[2])
            if match := SPOKEN.search(line):
                spoken = int(match[1])
            if match := PEAK_GPU.search(line):
                peak_gpu = float(match[1])
    if child.returncode != 0 or first_s is None or ended is None:
        said = " / ".join(last_lines)
        raise RuntimeError(f"the show bench's `dreams run` ended {child.returncode}: {said}")
    show_s, created = ended
    return {
        "seconds": seconds,
        "first_network_s": first_s,
        "networks_per_s": (created - 1) / max(show_s - first_in_show, 1e-6),
        "refresh_per_s": config.screen.fps,
        "poet": config.poet.enabled,
        "lines_spoken": spoken,
        "peak_ram_mb": peak_mb or None,
        "peak_gpu_mb": peak_gpu,
    }


def _peak_rss_mb(pid: int) -> float:
    """The child's own high-water mark (Linux). Not getrusage's RUSAGE_CHILDREN: a child forked
    from this big process starts its count at this process's size."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
