"""Proves the tests watch what a user would notice: each named one-line sabotage of real
behaviour (tools/sabotages.py) is applied to a scratch copy of the tree, the tests meant to catch
it are run there, and the result is tabled: caught or not, by which test, in how long. For
people, not for every submission: the whole run takes about half an hour on two cores.

    .venv/bin/python tools/sabotage.py                  # every sabotage, the table on stdout
    .venv/bin/python tools/sabotage.py --only reset     # the ones whose name holds "reset"
    .venv/bin/python tools/sabotage.py --list

A sabotage is caught when a test FAILS (pytest's exit status 1). A sabotage that stops the tests
from being collected (status 2 to 4) is a broken sabotage, not a catch, and is tabled as such.
Tests that run past 15 minutes are stopped, and the sabotage tabled as hung.
TESTING.md holds the last table and how to read it.
"""

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tools.sabotages import SABOTAGES, Sabotage  # noqa: E402

PYTHON = ROOT / ".venv" / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
if not PYTHON.is_file():  # a worktree without a venv of its own: the Python running this
    PYTHON = Path(sys.executable)
ENV = {"HF_HUB_OFFLINE": "1", "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
# a group of its own, so that a timeout can end pytest and every process it started
OWN_GROUP = (
    {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
    if os.name == "nt"
    else {"start_new_session": True}
)
TIMEOUT_S = 900  # one sabotage's tests; the slowest caught here took under 2 minutes


def scratch_copy(folder: Path) -> Path:
    """The tracked files of the tree (as they are now, edits included), and its environment."""
    tree = folder / "tree"
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True)
    for name in listed.stdout.decode().split("\0"):
        if name and (ROOT / name).is_file():
            (tree / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, tree / name)
    return tree


def apply(tree: Path, sabotage: Sabotage) -> str:
    """Writes the sabotage into the scratch copy; returns the file's text to put back."""
    path = tree / sabotage.file
    text = path.read_text()
    found = text.count(sabotage.original)
    if found != 1:
        raise SystemExit(f"sabotage {sabotage.name}: {sabotage.file} holds its line {found} times")
    path.write_text(text.replace(sabotage.original, sabotage.replacement))
    return text


def run_tests(tree: Path, tests: list[str]) -> tuple[str, str, float]:
    """(verdict, the failing tests, seconds). Tests that run past TIMEOUT_S (a sabotage that
    hangs the show) are stopped and tabled as hung: not a catch, and the run goes on."""
    began = time.monotonic()
    try:
        done = _pytest(tree, tests)
    except subprocess.TimeoutExpired:
        return f"hung (over {TIMEOUT_S} s)", "", time.monotonic() - began
    seconds = time.monotonic() - began
    failed = re.findall(r"^FAILED (.+?)(?: - |$)", done.stdout, re.MULTILINE)
    verdict = {0: "NOT CAUGHT", 1: "caught"}.get(
        done.returncode, f"broken (pytest {done.returncode})"
    )
    return verdict, ", ".join(map(shortened, failed)), seconds


def _pytest(tree: Path, tests: list[str]) -> subprocess.CompletedProcess:
    """pytest in a process group of its own: past TIMEOUT_S the whole group is killed, a hung
    show that a test started with it, and TimeoutExpired raised."""
    command = [str(PYTHON), "-m", "pytest", "-x", "-q", "-rf", "-p", "no:cacheprovider", *tests]
    process = subprocess.Popen(
        command,
        cwd=tree,
        env={**os.environ, **ENV, "PYTHONPATH": str(tree)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **OWN_GROUP,
    )
    try:
        out, err = process.communicate(timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        kill_group(process)
        process.communicate()
        raise
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def kill_group(process: subprocess.Popen) -> None:
    if os.name == "nt":
        subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], capture_output=True)
    else:
        os.killpg(process.pid, signal.SIGKILL)


def shortened(test: str) -> str:
    """A test's name for the table: without `tests/`, and without a long parameter's text."""
    test = test.removeprefix("tests/")
    return test if len(test) <= 100 else test.split("[")[0] + "[...]"


def table_rows(tree: Path, chosen: list[Sabotage]) -> list[str]:
    rows = []
    for sabotage in chosen:
        original = apply(tree, sabotage)
        try:
            verdict, by, seconds = run_tests(tree, sabotage.tests)
        finally:
            (tree / sabotage.file).write_text(original)
        cells = [sabotage.name, f"`{sabotage.file}`", sabotage.what, verdict, by, f"{seconds:.0f}"]
        row = f"| {' | '.join(cells)} |"
        print(row, flush=True)
        rows.append(row)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default="", help="only the sabotages whose name holds this")
    parser.add_argument("--list", action="store_true", help="list the sabotages and stop")
    args = parser.parse_args()
    chosen = [s for s in SABOTAGES if args.only in s.name]
    if args.list:
        for sabotage in chosen:
            print(f"{sabotage.name}: {sabotage.what} ({sabotage.file}; {' '.join(sabotage.tests)})")
        return 0
    print("| sabotage | file | what it breaks | verdict | failed first | s |")
    print("|---|---|---|---|---|---|", flush=True)
    with tempfile.TemporaryDirectory(prefix="dreams-sabotage-") as folder:
        tree = scratch_copy(Path(folder))
        rows = table_rows(tree, chosen)
    missed = [row for row in rows if "| caught |" not in row]
    print(f"\n{len(rows) - len(missed)} of {len(rows)} caught", flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
