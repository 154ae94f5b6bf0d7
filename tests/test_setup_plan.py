"""The set-up (bin/setup.py) on the machines our users own: the torch build each system gets,
whether an NVIDIA GPU answers, when it installs again, and where the venv keeps its Python.
Only the decisions run here: no test installs anything."""

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT

spec = importlib.util.spec_from_file_location("dreams_setup", ROOT / "bin" / "setup.py")
setup = importlib.util.module_from_spec(spec)
sys.modules["dreams_setup"] = setup  # its dataclass looks itself up there
spec.loader.exec_module(setup)

PIN = "torch==2.13.0"
posix_only = pytest.mark.skipif(os.name == "nt", reason="the fake nvidia-smi is a shell script")


def test_windows_with_nvidia_gets_cuda_torch_from_pytorchs_index():
    chosen = setup.plan("Windows", "AMD64", nvidia=True, torch_pin=PIN)
    index = "https://download.pytorch.org/whl/cu130"
    assert chosen.torch_step == ("torch==2.13.0+cu130", "--index-url", index)
    assert "CUDA" in chosen.build


def test_windows_without_nvidia_macs_and_linux_take_pypis_pinned_torch():
    builds = {
        ("Windows", "AMD64", False): "CPU",
        ("Darwin", "arm64", False): "MPS",
        ("Linux", "x86_64", True): "CUDA",
        ("Linux", "x86_64", False): "CPU",
        ("Linux", "aarch64", False): "CPU",
    }
    for (system, machine, nvidia), words in builds.items():
        chosen = setup.plan(system, machine, nvidia, PIN)
        assert chosen.torch_step == (), system  # constraints.txt's pin, from PyPI
        assert words in chosen.build and "2.13.0" in chosen.build, chosen.build


def test_an_intel_mac_is_told_in_one_line_that_torch_has_no_build_for_it():
    with pytest.raises(setup.Refusal, match="Intel Macs") as refused:
        setup.plan("Darwin", "x86_64", nvidia=False, torch_pin=PIN)
    assert "\n" not in str(refused.value)


def test_the_pin_is_read_from_constraints_txt():
    assert setup.torch_pin((ROOT / "constraints.txt").read_text()) == PIN
    with pytest.raises(setup.Refusal, match="constraints.txt"):
        setup.torch_pin("numpy==2.4.0\n")


def test_each_system_gets_its_own_video_out_package():
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    marked = [Requirement(line) for line in dependencies if ";" in line]
    for platform, wanted in {
        "linux": [],
        "darwin": ["syphon-python"],
        "win32": ["SpoutGL"],
    }.items():
        got = [req.name for req in marked if req.marker.evaluate({"sys_platform": platform})]
        assert got == wanted, platform


def fake_nvidia_smi(folder: Path, script: str) -> str:
    path = folder / "nvidia-smi"
    path.write_text("#!/bin/sh\n" + script + "\n")
    path.chmod(0o755)
    return str(folder)


@posix_only
def test_an_nvidia_gpu_is_seen_only_when_nvidia_smi_lists_one(tmp_path):
    assert not setup.nvidia_answers(path=str(tmp_path))  # no nvidia-smi at all
    gpu = "echo 'GPU 0: NVIDIA GeForce RTX 4090 (UUID: GPU-5f1c)'"
    assert setup.nvidia_answers(path=fake_nvidia_smi(tmp_path, gpu))
    # the driver's own failure: nvidia-smi is installed but no GPU answers
    failed = 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the driver"; exit 9'
    assert not setup.nvidia_answers(path=fake_nvidia_smi(tmp_path, failed))


@posix_only
def test_a_hung_nvidia_smi_is_no_gpu_and_does_not_hang_the_setup(tmp_path):
    assert not setup.nvidia_answers(path=fake_nvidia_smi(tmp_path, "exec sleep 30"), timeout=0.5)


def test_it_installs_again_only_when_what_it_installs_from_changes(tmp_path):
    for name in setup.INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / ".venv").mkdir()
    linux = setup.plan("Linux", "x86_64", nvidia=False, torch_pin=PIN)
    assert setup.needs_install(tmp_path, linux)  # never installed
    (tmp_path / ".venv" / setup.STAMP).write_text(setup.wanted_stamp(tmp_path, linux) + "\n")
    assert not setup.needs_install(tmp_path, linux)
    # a venv made by the bash set-up before this one keeps its install
    concatenated = b"".join((tmp_path / name).read_bytes() for name in setup.INPUTS)
    assert setup.wanted_stamp(tmp_path, linux) == hashlib.sha256(concatenated).hexdigest()
    # an NVIDIA card put into a Windows machine brings the CUDA build
    assert setup.needs_install(tmp_path, setup.plan("Windows", "AMD64", True, PIN))
    constraints = tmp_path / "constraints.txt"
    constraints.write_text(constraints.read_text() + "numpy==2.4.0\n")
    assert setup.needs_install(tmp_path, linux)


def test_the_venvs_python_is_where_each_system_puts_it(tmp_path):
    assert setup.venv_python(tmp_path, "Windows") == tmp_path / "Scripts" / "python.exe"
    assert setup.venv_python(tmp_path, "Linux") == tmp_path / "bin" / "python"
    assert setup.venv_python(tmp_path, "Darwin") == tmp_path / "bin" / "python"
    assert setup.venv_tool(tmp_path, "Windows", "dreams") == tmp_path / "Scripts" / "dreams.exe"


def test_a_mistyped_mode_is_one_line_and_installs_nothing():
    done = subprocess.run(
        [sys.executable, str(ROOT / "bin" / "setup.py"), "strat"], capture_output=True, text=True
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "'strat' is not a mode" in done.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="PortAudio is the system's only on Linux")
def test_without_portaudio_setup_says_how_to_install_it_and_goes_on(tmp_path, monkeypatch, capsys):
    """A Linux without libportaudio (hidden from the library lookup): one line saying how to
    install it, and the set-up goes on to hand back the venv's Python."""
    for name in setup.INPUTS:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    python = setup.venv_python(tmp_path / ".venv", "Linux")
    python.parent.mkdir(parents=True)
    python.touch()  # a venv there, installed for this machine: nothing to install
    pin = setup.torch_pin((tmp_path / "constraints.txt").read_text())
    here = setup.plan("Linux", setup.platform.machine(), setup.nvidia_answers(), pin)
    (tmp_path / ".venv" / setup.STAMP).write_text(setup.wanted_stamp(tmp_path, here) + "\n")
    found = setup.ctypes.util.find_library
    monkeypatch.setattr(
        setup.ctypes.util, "find_library", lambda name: None if name == "portaudio" else found(name)
    )
    assert setup.set_up(tmp_path) == python
    (said,) = capsys.readouterr().err.splitlines()
    assert "PortAudio is missing" in said and "sudo apt-get install libportaudio2" in said


def test_the_tests_run_on_every_core_and_quick_leaves_the_slow_ones_out():
    full, quick = setup.pytest_args([]), setup.pytest_args(["--quick", "tests/test_show.py"])
    assert full[:2] == ["-n", "auto"]  # the suite on every core
    assert quick[:2] == ["-m", "not slow"] and quick[-1] == "tests/test_show.py"
    assert "--quick" not in quick  # pytest does not know it
    for chosen in (["-n", "0"], ["-n4"], ["-p", "no:xdist"]):
        assert "auto" not in setup.pytest_args(chosen)  # the caller's choice stands
