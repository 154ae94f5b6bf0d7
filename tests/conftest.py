import os
import subprocess
import sys
from pathlib import Path

import pytest

# CPU only, no display, no sound card, no model hub: set before pygame or torch are imported.
os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["PYGAME_HIDE_SUPPORT_PROMPT"] = "1"

import torch  # noqa: E402

from tests.synthetic import write_shapes_film  # noqa: E402

torch.set_num_threads(1)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def shapes_film(tmp_path_factory) -> Path:
    return write_shapes_film(tmp_path_factory.mktemp("film") / "shapes.mp4")


def run_dreams(*args: str, env: dict | None = None, timeout: float = 120):
    """The real `dreams` command in a child process; returns the CompletedProcess."""
    environment = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "installation.cli", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
