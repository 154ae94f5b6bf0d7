"""What the status page costs the show: `dreams run` for SECONDS, alternately with a phone
polling /api/status and /api/screenshot.jpg every second and with no one looking, ROUNDS times
each; networks/s and frames/s of each run and the load average (BENCHMARKS.md).
`python tools/page_cost.py [SECONDS] [ROUNDS]`"""

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PORT = 8791


def one_run(seconds: float, polled: bool, folder: Path) -> dict:
    stats = folder / f"stats-{polled}-{time.monotonic_ns()}.json"
    command = [sys.executable, "-m", "installation.cli", "run", "--windowed",
               "--duration", str(seconds), "--stats", str(stats), "--set", "poet.enabled=false",
               "--set", "osc.port=0", "--set", f"web.port={PORT}", "--set", "state.enabled=false",
               "--set", "screen.window_width=1280",
               "--set", "screen.window_height=720"]  # fmt: skip
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    show = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL)
    asked = [0]
    done = threading.Event()

    def phone():
        while not done.wait(1.0):
            for path in ("/api/status", "/api/screenshot.jpg"):
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{PORT}{path}", timeout=5) as r:
                        asked[0] += len(r.read()) > 0
                except OSError:
                    pass  # not listening yet

    if polled:
        threading.Thread(target=phone, daemon=True).start()
    show.wait()
    done.set()
    figures = json.loads(stats.read_text())
    return {"polled": polled, "networks_per_s": figures["networks_per_s"],
            "frames_per_s": figures["frames_drawn"] / figures["seconds"],
            "answers": asked[0], "load": os.getloadavg()[0]}  # fmt: skip


if __name__ == "__main__":
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 60
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(rounds):
            for polled in (True, False):
                print(json.dumps(one_run(seconds, polled, Path(folder))), flush=True)
