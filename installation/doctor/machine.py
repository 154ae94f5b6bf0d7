"""The doctor's checks of the machine: Python, torch and the GPU, the screen, sound, MIDI, video
out and the OSC port. Each imports what it looks at, so one broken package is one failed line."""

import importlib.util
import os
import platform
import shutil
import socket
import subprocess
import sys
from pathlib import Path

from engine.config import Config
from installation.console import quiet_stderr
from installation.doctor.line import Line, failed, ok, warning

CUDA_TORCH = (
    "get torch's CUDA build: set up again (python3 bin/setup.py), which takes it from PyTorch's "
    "own index where nvidia-smi answers (README: Two commands; PyPI's Windows torch is CPU-only)"
)
NVIDIA_SMI_ON_WINDOWS = (
    Path(r"C:\Windows\System32\nvidia-smi.exe"),
    Path(r"C:\Program Files\NVIDIA Corporation\NVSMI\nvidia-smi.exe"),
)
HEADLESS_DRIVERS = ("offscreen", "dummy")  # SDL's drivers that draw nowhere
OLDEST_PYTHON = (3, 11)


def python(config: Config) -> Line:
    version = platform.python_version()
    where = f"Python {version} on {platform.system()} {platform.machine()}"
    if sys.version_info < OLDEST_PYTHON:
        return failed(
            "python", where, "Dreams needs Python 3.11 or newer: install one, set up again"
        )
    return ok("python", where)


def torch_and_gpu(config: Config) -> list[Line]:
    """torch's build and the devices it sees; then the GPU, with the classic trap named: an
    NVIDIA GPU on the machine and a CPU-only torch."""
    try:
        import torch
    except Exception as error:  # ImportError, or OSError for a missing DLL
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return [failed("torch", f"torch does not import ({reason})", "set up again (bin/setup)")]
    build = f"a CUDA {torch.version.cuda} build" if torch.version.cuda else "a CPU-only build"
    if torch.backends.mps.is_built():
        build += " with MPS"
    seen = _torch_devices(torch)
    sees = ", ".join(seen) if seen else "no GPU, the CPU only"
    torch_line = ok("torch", f"torch {torch.__version__}, {build}; sees {sees}")
    return [torch_line, _gpu(torch, config), _speed(config)]


def _speed(config: Config) -> Line:
    """The speed ladder the trainer will start on, and the rungs it steps down to where one
    fails on this machine (engine/mind/ladder.py): said before the show, not found out during it."""
    from engine.device import pick_device
    from engine.errors import DreamsError
    from engine.mind.ladder import rungs
    from engine.mind.speed import pick_speed

    try:
        device = pick_device(config.dream.device)
    except DreamsError as error:
        return failed("speed", str(error), 'set dream.device = "auto"')
    ladder = rungs(pick_speed(config.dream.speed, device, config.dream.compile_mode))
    below = " -> ".join(rung.describe() for rung in ladder[1:])
    steps = f"; a rung that fails steps down: {below}" if below else ""
    return ok("speed", f"the networks train on {ladder[0].describe()}{steps}")


def _torch_devices(torch) -> list[str]:
    seen = []
    if torch.version.cuda and torch.cuda.is_available():
        for index in range(torch.cuda.device_count()):
            card = torch.cuda.get_device_properties(index)
            seen.append(f"cuda:{index} {card.name} ({card.total_memory / 2**30:.0f} GiB)")
    if torch.backends.mps.is_available():
        seen.append("mps (the Mac's GPU)")
    return seen


def _gpu(torch, config: Config) -> Line:
    from engine.device import pick_device
    from engine.errors import DreamsError

    nvidia = nvidia_gpus()
    if nvidia and not torch.version.cuda:
        return warning(
            "gpu",
            f"an NVIDIA GPU is here ({nvidia[0]}), but torch is a CPU-only build (the classic "
            "trap): the networks dream on the CPU, small and slow",
            CUDA_TORCH,
        )
    if nvidia and not torch.cuda.is_available():
        return warning(
            "gpu",
            f"an NVIDIA GPU is here ({nvidia[0]}), but torch's CUDA {torch.version.cuda} cannot "
            "reach it (a driver older than that CUDA?)",
            "update the NVIDIA driver, or install the torch build for the driver's CUDA version",
        )
    try:
        device = pick_device(config.dream.device)
    except DreamsError as error:
        return failed("gpu", str(error), 'set dream.device = "auto"')
    if device.type == "cpu":
        return ok("gpu", "none found: the networks dream on the CPU (64 x 112 for a 16:9 film)")
    return ok("gpu", f"the networks dream on {device} (256 x 448 for a 16:9 film)")


def nvidia_gpus() -> list[str]:
    """The NVIDIA GPUs of this machine, as nvidia-smi names them (or the Linux driver's own
    folder, where nvidia-smi is not on the PATH); [] for none."""
    smi = shutil.which("nvidia-smi")
    if smi is None and sys.platform == "win32":
        smi = next((str(path) for path in NVIDIA_SMI_ON_WINDOWS if path.is_file()), None)
    if smi is not None:
        query = [smi, "--query-gpu=name,memory.total", "--format=csv,noheader"]
        try:
            answer = subprocess.run(query, capture_output=True, text=True, timeout=5)
            named = [line.strip() for line in answer.stdout.splitlines() if line.strip()]
            if answer.returncode == 0 and named:
                return named
        except (OSError, subprocess.TimeoutExpired):  # a driver that hangs or cannot run
            pass
    cards = Path("/proc/driver/nvidia/gpus")  # Linux: the driver is loaded, a card is there
    if sys.platform.startswith("linux") and cards.is_dir():
        return [f"an NVIDIA GPU at {card.name}" for card in sorted(cards.iterdir())]
    return []


def display(config: Config) -> Line:
    """SDL's video driver and the displays' sizes, with no window opened."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    import pygame

    headless = (
        "the live show needs a screen (run it at the machine, or set DISPLAY); "
        "`dreams record` does not"
    )
    try:
        with quiet_stderr():
            pygame.display.init()
        driver, sizes = pygame.display.get_driver(), pygame.display.get_desktop_sizes()
    except pygame.error as error:
        return warning("display", f"no display ({error})", headless)
    finally:
        pygame.display.quit()
    if driver in HEADLESS_DRIVERS:
        return warning("display", f"no screen (SDL's {driver} driver draws nowhere)", headless)
    which = config.screen.display
    if which >= len(sizes):
        return failed(
            "display",
            f"screen.display = {which}, but there are {len(sizes)} display(s)",
            f"choose 0 to {len(sizes) - 1}",
        )
    width, height = sizes[which]
    return ok("display", f"{driver}: display {which} of {len(sizes)}, {width} x {height}")


def sound(config: Config) -> Line:
    """The sound output devices that PortAudio finds (the voice speaks through the default)."""
    if not (config.voice.enabled and config.poet.enabled):
        return ok("sound", "not needed (the voice or the poet is off)")
    try:
        import sounddevice
    except OSError as error:  # the PortAudio library is missing
        hint = "reinstall sounddevice (its wheel carries PortAudio here)"
        if sys.platform.startswith("linux"):
            hint = "install PortAudio: sudo apt-get install libportaudio2 (or your system's)"
        return warning("sound", f"PortAudio is missing ({error}): the voice is silent", hint)
    with quiet_stderr():
        outputs = [d for d in sounddevice.query_devices() if d["max_output_channels"] > 0]
    if not outputs:
        return warning(
            "sound",
            "no sound output device: the voice is silent",
            "connect speakers or headphones; `dreams record` puts the voice in the film anyway",
        )
    chosen = sounddevice.default.device[1]
    name = outputs[0]["name"]
    if chosen is not None and chosen >= 0:
        name = sounddevice.query_devices(chosen)["name"]
    return ok("sound", f"{len(outputs)} output device(s); the voice speaks through {name}")


def midi(config: Config) -> Line:
    if not config.midi.enabled:
        return ok("midi", "off (midi.enabled = false)")
    from installation.play.midi import input_names, matching

    try:
        names = input_names()
    except (OSError, ImportError) as error:  # rtmidi's errors are OSErrors
        return warning(
            "midi",
            f"no MIDI system ({error}): the show runs without MIDI",
            "only a MIDI controller needs it: on Linux, load the ALSA sequencer (modprobe snd-seq)",
        )
    heard = matching(names, config.midi.port)
    if not heard:
        return ok(
            "midi",
            f"no MIDI input{' named ' + config.midi.port if config.midi.port else ''}"
            " now: one plugged in during the show is heard within seconds",
        )
    return ok("midi", f"{len(heard)} input(s): {', '.join(heard)}")


VIDEO_OUT_PACKAGES = {
    "ndi": ("NDIlib", "ndi-python"),
    "syphon": ("syphon", "syphon-python"),
    "spout": ("SpoutGL", "SpoutGL"),
}


def video_out(config: Config) -> Line:
    """The sender's package (ndi-python ships the NDI runtime), needed only with video out on."""
    kind = config.video_out.kind
    module, package = VIDEO_OUT_PACKAGES[kind]
    there = importlib.util.find_spec(module) is not None
    if not config.video_out.enabled:
        have = "installed" if there else "not installed"
        return ok(
            "video out",
            f"off (video_out.enabled = false); {package} is {have}, needed only with video out on",
        )
    if not there:
        return failed(
            "video out",
            f"video_out is on ({kind}), but {package} is not installed",
            f"install it (.venv/bin/pip install {package}), or turn video_out.enabled off",
        )
    if kind == "ndi":
        import NDIlib

        if not NDIlib.initialize():
            return failed(
                "video out",
                "the NDI runtime does not start on this CPU",
                "turn video_out.enabled off",
            )
        NDIlib.destroy()
    return ok("video out", f"on: {kind} through {package}")


def osc_port(config: Config) -> Line:
    """osc.host:osc.port bound for a moment, as the show will bind it."""
    if not config.osc.enabled:
        return ok("osc port", "off (osc.enabled = false)")
    host, port = config.osc.host, config.osc.port
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0][0]
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.bind((host, port))
    except OSError as error:
        return failed(
            "osc port",
            f"OSC cannot listen on {host}:{port} ({error.strerror or error})",
            "stop what uses it (another show?), or choose another osc.port (0 for any free one)",
        )
    return ok("osc port", f"{host}:{port} is free" if port else f"{host}: any free port (0)")
