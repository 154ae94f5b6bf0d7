"""Pulls the plug on the live show again and again: start `dreams run` headless, SIGKILL it at a
random moment, start it again, and count what was lost (the networks created since the last
save). The figures for RELIABILITY.md.

    .venv/bin/python tools/power_cut.py --cycles 10 --save-every 5
"""

import argparse
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.mind.saves import SavesFolder  # noqa: E402
from tests.oscclient import Listener  # noqa: E402


def start(folder: Path, save_every: float, port: int) -> subprocess.Popen:
    command = [
        sys.executable, "-m", "installation.cli", "run", "--windowed",
        "--set", "osc.port=0", "--set", "web.port=0", "--set", f"osc.targets=127.0.0.1:{port}",
        "--set", f"state.folder={folder}", "--set", f"state.save_every_s={save_every}",
    ]  # fmt: skip
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    return subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cycles", type=int, default=10)
    parser.add_argument("--save-every", type=float, default=5.0)
    args = parser.parse_args()
    rng = random.Random(1)
    folder = Path(tempfile.mkdtemp(prefix="dreams-power-cut-"))
    saves = SavesFolder(folder, keep=3)
    listener = Listener()
    print("cycle | first network | killed after s | last network shown | newest save | lost")
    expected = 1  # the first network of each run: one after the newest save
    for cycle in range(1, args.cycles + 1):
        listener.messages.clear()
        show = start(folder, args.save_every, listener.port)
        while not listener.got("/dreams/network"):  # the first network of this run
            time.sleep(0.1)
        shown_at = time.monotonic()
        first = min(m[0] for m in listener.got("/dreams/network"))
        assert first == expected, f"run {cycle} began at network {first}, not {expected}"
        time.sleep(rng.uniform(1.0, 3 * args.save_every))
        show.kill()  # SIGKILL; TerminateProcess on Windows
        show.wait()
        killed_after = time.monotonic() - shown_at
        last = max(m[0] for m in listener.got("/dreams/network"))
        found = saves.newest_good()
        resumed = found[0]["trainer"]["number"] if found else 0
        print(f"{cycle} | {first} | {killed_after:.1f} | {last} | {resumed} | {last - resumed}")
        expected = resumed + 1
    listener.close()


if __name__ == "__main__":
    main()
