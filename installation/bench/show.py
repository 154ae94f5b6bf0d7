"""`dreams bench`: the live show, as a user starts it: `dreams run` in a child process, headless
(SDL's dummy driver), with the configured poet and voice, for a while. Two figures: seconds from
the command to the first network on screen (the caches warm from the bench before it), and
networks per second from then to the end, against the screen's refresh rate. The show writes
its figures as JSON (`--stats`); its log is only quoted when it fails."""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from engine.config import Config


def run_show_bench(config: Config, config_args: list[str], seconds: float) -> dict:
    """`config_args`: the bench's own --config and --set options, handed on to the show."""
    with tempfile.TemporaryDirectory() as folder:
        stats_path = Path(folder) / "show.json"
        command = [sys.executable, "-m", "installation.cli", "run", "--windowed"]
        command += ["--duration", str(seconds), "--stats", str(stats_path), *config_args]
        command += ["--set", "state.enabled=false", "--set", "osc.port=0", "--set", "web.port=0"]
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy"}
        last_lines: deque[str] = deque(maxlen=3)  # what a failing show said last
        launched = time.time()
        with subprocess.Popen(command, stderr=subprocess.PIPE, text=True, env=env) as child:
            for line in child.stderr:
                last_lines.append(line.strip())
        stats = json.loads(stats_path.read_text()) if stats_path.is_file() else {}
    if child.returncode != 0 or stats.get("first_network_at_unix") is None:
        said = " / ".join(last_lines)
        raise RuntimeError(f"the show bench's `dreams run` ended {child.returncode}: {said}")
    return {
        "seconds": seconds,
        "first_network_s": stats["first_network_at_unix"] - launched,
        "networks_per_s": stats["networks_per_s"],
        "refresh_per_s": config.screen.fps,
        "poet": config.poet.enabled,
        "lines_spoken": stats["lines_spoken"],
        "peak_ram_mb": stats["peak_ram_mb"],
        "peak_gpu_mb": stats["peak_gpu_mb"],
    }
