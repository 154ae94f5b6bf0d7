"""Sets Dreams up in .venv beside this folder, on Linux, macOS or Windows, then starts the show
or runs the tests:

    python3 bin/setup.py               set up only
    python3 bin/setup.py start ARGS    set up, prepare the poet once (`dreams prepare`), then
                                       `dreams run ARGS`
    python3 bin/setup.py test ARGS     set up, then the linter and `pytest ARGS` on every core;
                                       `test --quick` the quick tier (TESTING.md)

Standard library only: it runs before any venv exists, with any Python 3.11 or newer (on
Windows, `py -3 bin\\setup.py start`). Safe to run again: it installs only when pyproject.toml,
constraints.txt, assets/requirements.txt or the torch build this machine needs have changed.
The choices that differ between machines are made in plan(), which the tests call for each."""

from __future__ import annotations

import ctypes.util
import hashlib
import os
import platform
import re
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STAMP = ".dreams-setup"  # in .venv: what the last complete install was made from
INPUTS = ("pyproject.toml", "constraints.txt", "assets/requirements.txt")
# PyPI's Windows torch is a CPU build; the CUDA one comes from PyTorch's own index. torch 2.13
# is built for CUDA 12.6, 12.9, 13.0 and 13.2 (no 12.8); 13.0 runs every card from the GTX 16
# and RTX 20 series to the RTX 50 series, with an NVIDIA driver of 580 or newer.
CUDA_INDEX, CUDA_TAG = "https://download.pytorch.org/whl/cu130", "cu130"
PORTAUDIO_HINT = (
    "setup: PortAudio is missing, so the voice will be silent; install it "
    "(Debian/Ubuntu: sudo apt-get install libportaudio2; Fedora: sudo dnf install portaudio; "
    "Arch: sudo pacman -S portaudio)"
)


class Refusal(Exception):
    """Something this machine lacks that set-up cannot fix: one line for the user, exit 2."""


@dataclass(frozen=True)
class Plan:
    """The torch build for one machine. `torch_step` is pip's arguments for installing torch
    on its own before everything else; empty where constraints.txt's pin on PyPI is the build."""

    build: str
    torch_step: tuple[str, ...] = ()


def plan(system: str, machine: str, nvidia: bool, torch_pin: str) -> Plan:
    """The torch build for a system (platform.system()), a machine (platform.machine()) and
    whether an NVIDIA GPU answers; `torch_pin` is constraints.txt's, e.g. 'torch==2.13.0'."""
    version = torch_pin.partition("==")[2]
    if system == "Windows" and nvidia and machine.lower() in ("amd64", "x86_64"):
        # the local label makes pip replace a CPU build of the same version left from before
        step = (f"{torch_pin}+{CUDA_TAG}", "--index-url", CUDA_INDEX)
        return Plan(f"torch {version} for CUDA from PyTorch's index ({CUDA_TAG})", step)
    if system == "Windows":
        return Plan(f"torch {version} from PyPI, a CPU build (no NVIDIA GPU answered)")
    if system == "Darwin":
        if machine != "arm64":
            raise Refusal(
                f"setup: PyTorch publishes no torch {version} for Intel Macs (only for Apple "
                "silicon); run Dreams on an Apple silicon Mac, Linux or Windows"
            )
        return Plan(f"torch {version} from PyPI, with Apple's GPU through MPS")
    if nvidia:
        return Plan(f"torch {version} from PyPI, whose Linux build carries CUDA")
    return Plan(f"torch {version} from PyPI; no NVIDIA GPU answered, so the networks use the CPU")


def torch_pin(constraints: str) -> str:
    """constraints.txt's torch line, e.g. 'torch==2.13.0'."""
    found = re.search(r"^torch==\S+", constraints, re.M)
    if found is None:
        raise Refusal("setup: constraints.txt pins no torch (a line 'torch==VERSION'); restore it")
    return found.group(0)


def nvidia_answers(path: str | None = None, timeout: float = 10.0) -> bool:
    """An NVIDIA GPU is here when `nvidia-smi -L` (found on `path`, default PATH) lists one."""
    found = shutil.which("nvidia-smi", path=path)
    if found is None:
        return False
    try:
        done = subprocess.run([found, "-L"], capture_output=True, text=True, timeout=timeout)
    except (OSError, subprocess.SubprocessError):  # not runnable, or hung: no GPU to use
        return False
    return done.returncode == 0 and "GPU" in done.stdout


def venv_python(venv_dir: Path, system: str) -> Path:
    return venv_tool(venv_dir, system, "python")


def venv_tool(venv_dir: Path, system: str, name: str) -> Path:
    """A program the venv installed: Scripts\\NAME.exe on Windows, bin/NAME elsewhere."""
    if system == "Windows":
        return venv_dir / "Scripts" / f"{name}.exe"
    return venv_dir / "bin" / name


def wanted_stamp(root: Path, chosen: Plan) -> str:
    """What an install is made from: the three files, and the torch step where there is one."""
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((root / name).read_bytes())
    if chosen.torch_step:
        digest.update(" ".join(chosen.torch_step).encode())
    return digest.hexdigest()


def needs_install(root: Path, chosen: Plan) -> bool:
    stamp = root / ".venv" / STAMP
    made = stamp.read_text().strip() if stamp.is_file() else ""
    return made != wanted_stamp(root, chosen)


def pip(root: Path, python: Path, *args: str) -> None:
    done = subprocess.run([str(python), "-m", "pip", "install", "-q", *args], cwd=root)
    if done.returncode != 0:
        print(
            f"setup: pip could not install {' '.join(args)} (see above); run this again",
            file=sys.stderr,
        )
        raise SystemExit(1)


def install(root: Path, python: Path, chosen: Plan) -> None:
    print(f"setup: installing into .venv (a few minutes the first time): {chosen.build}")
    pip(root, python, "--upgrade", "pip")
    if chosen.torch_step:
        pip(root, python, *chosen.torch_step)
    pip(root, python, "-c", "constraints.txt", "-e", ".[test]")
    pip(root, python, "--no-deps", "--require-hashes", "-r", "assets/requirements.txt")
    (root / ".venv" / STAMP).write_text(wanted_stamp(root, chosen) + "\n")


def set_up(root: Path = ROOT) -> Path:
    """Makes or refreshes .venv for this machine and returns its Python."""
    system = platform.system()
    if system == "Linux" and ctypes.util.find_library("portaudio") is None:
        print(PORTAUDIO_HINT, file=sys.stderr)  # sound only: the rest sets up and runs
    python = venv_python(root / ".venv", system)
    if not python.exists():
        try:
            venv.create(root / ".venv", with_pip=True)
        except (OSError, subprocess.CalledProcessError) as failed:
            raise Refusal(
                f"setup: this Python could not make .venv ({failed}); on Debian/Ubuntu install "
                "python3-venv (sudo apt-get install python3-venv), or use Python from python.org"
            ) from None
    chosen = plan(
        system,
        platform.machine(),
        nvidia_answers(),
        torch_pin((root / "constraints.txt").read_text()),
    )
    if needs_install(root, chosen):
        install(root, python, chosen)
    return python


def hand_over(command: list[str], env: dict[str, str] | None = None) -> int:
    """Runs the show or the tests in this process's place, so that signals reach it directly;
    Windows has no exec, so there the set-up waits for it (Ctrl-C reaches both; the child ends)."""
    if os.name != "nt":
        os.execve(command[0], command, dict(os.environ) if env is None else env)
    return wait_for(command, env)


def wait_for(command: list[str], env: dict[str, str] | None = None) -> int:
    """Runs a command to its end. Ctrl-C reaches it too: it is waited for while it ends in its
    own way (`dreams prepare` leaves nothing half-made), not killed."""
    with subprocess.Popen(command, env=env) as child:
        while True:
            try:
                return child.wait()
            except KeyboardInterrupt:
                continue


def start_commands(dreams: str, args: list[str]) -> list[list[str]]:
    """What `start ARGS` runs: `dreams prepare` with the show's --config and --set (the poet's
    cache made ready before the show, so its first line comes within a minute; seconds when it
    is ready already), then `dreams run ARGS`. A request for help is only the show's."""
    run = [dreams, "run", *args]
    if {"-h", "--help"} & set(args):
        return [run]
    kept, rest = [], iter(args)
    for arg in rest:
        if arg in ("--config", "--set"):
            kept += [arg, next(rest, "")]
        elif arg.startswith(("--config=", "--set=")):
            kept.append(arg)
    return [[dreams, "prepare", *kept], run]


def start(dreams: str, args: list[str]) -> int:
    *first, show = start_commands(dreams, args)
    for command in first:
        status = wait_for(command)
        if status in (2, 130):  # a mistake the show would refuse too, said; or Ctrl-C
            return status
        if status != 0:
            print("setup: the poet was not prepared (see above); the show prepares it itself")
    return hand_over(show)


QUICK = ["-m", "not slow"]  # the edit-test loop: no show, cut or child process (TESTING.md)
ON_EVERY_CORE = ["-n", "auto", "--dist", "loadscope"]  # pytest-xdist; a module's tests together


def pytest_args(args: list[str]) -> list[str]:
    """pytest's arguments for `test ARGS`: `--quick` the quick tier; on every core unless ARGS
    choose (-n N, or -p no:xdist for one process)."""
    chosen = any(a.startswith(("-n", "--numprocesses")) or a == "no:xdist" for a in args)
    tier = QUICK if "--quick" in args else []
    return [*tier, *([] if chosen else ON_EVERY_CORE), *(a for a in args if a != "--quick")]


def run_tests(root: Path, python: Path, args: list[str]) -> int:
    env = dict(os.environ, HF_HUB_OFFLINE="1", SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    ruff = str(venv_tool(root / ".venv", platform.system(), "ruff"))
    for check in ([ruff, "check", "."], [ruff, "format", "--check", "."]):
        done = subprocess.run(check, cwd=root, env=env)
        if done.returncode != 0:
            return done.returncode
    os.chdir(root)  # pytest finds pyproject's settings and tests/ from here
    return hand_over([str(python), "-m", "pytest", *pytest_args(args)], env)


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 (any Python may run this, before any venv)
        print(
            "setup: Dreams needs Python 3.11 or newer; install it and run this again",
            file=sys.stderr,
        )
        return 2
    mode, args = (argv[0], argv[1:]) if argv else ("", [])
    if mode not in ("", "start", "test"):
        print(
            f"setup: '{mode}' is not a mode; use start, test or nothing (set up only)",
            file=sys.stderr,
        )
        return 2
    try:
        python = set_up()
    except Refusal as refusal:
        print(refusal, file=sys.stderr)
        return 2
    if mode == "start":  # in the user's own folder: their --film my.mp4 is theirs
        return start(str(venv_tool(ROOT / ".venv", platform.system(), "dreams")), args)
    if mode == "test":
        return run_tests(ROOT, python, args)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
