"""`dreams bench`: the live show, as a user starts it: `dreams run` in a child process, headless
(SDL's dummy driver), in a 1920 x 1080 window (a gallery projector's), with the configured poet
and voice, for a while. Its figures: seconds from the command to the first network on screen (the
caches warm from the bench before it), networks per second from then to the end (the suite sets
them beside the bare trainer's, measured in the same run), frames drawn a second, a frame's own
time with everything else running, and the voice's longest silence beyond its pauses. The show
writes its figures as JSON (`--stats`); its log is only quoted when it fails."""

import json
import os
import subprocess
import sys
import tempfile
import time
from collections import deque
from pathlib import Path

from engine.config import Config

SHOW_WINDOW = (1920, 1080)


def run_show_bench(config: Config, config_args: list[str], seconds: float) -> dict:
    """`config_args`: the bench's own --config and --set options, handed on to the show."""
    with tempfile.TemporaryDirectory() as folder:
        stats_path = Path(folder) / "show.json"
        command = [sys.executable, "-m", "installation.cli", "run", "--windowed"]
        command += ["--duration", str(seconds), "--stats", str(stats_path)]
        command += ["--set", f"screen.window_width={SHOW_WINDOW[0]}"]
        command += ["--set", f"screen.window_height={SHOW_WINDOW[1]}", *config_args]
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
        "window": f"{SHOW_WINDOW[0]}x{SHOW_WINDOW[1]}",
        "fps_setting": config.screen.fps,
        "frames_per_s": stats["frames_drawn"] / max(stats["seconds"], 1e-6),
        "frame_ms_median": stats["frame_ms_median"],
        "frame_ms_p99": stats["frame_ms_p99"],
        "poet": config.poet.enabled,
        "voice": config.poet.enabled and config.voice.enabled,
        "lines_spoken": stats["lines_spoken"],
        "longest_wait_s": stats["longest_wait_s"],
        "peak_ram_mb": stats["peak_ram_mb"],
        "peak_gpu_mb": stats["peak_gpu_mb"],
    }
