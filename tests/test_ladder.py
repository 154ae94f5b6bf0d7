"""The speed ladder (engine/mind/ladder.py): each acceleration forced to fail here on the CPU, as it
might on a user's GPU, and the trainer goes on one rung down with the same networks, the number
going on, one line in the log; a NaN that only the fast path makes is left behind, a NaN of the
mind's own is not blamed on the rung; the GPU compositor that cannot be built leaves the picture
to the CPU's."""

import logging
import os
import subprocess
import sys

import numpy as np
import pygame
import pytest
import torch

import installation.media.gpu_compositor as gpu_compositor
from engine.config import DreamConfig, ScreenConfig
from engine.mind.ladder import next_rung, rungs
from engine.mind.memory import FrameMemory
from engine.mind.networks import Discriminator, Generator
from engine.mind.rebirth import Guardian
from engine.mind.speed import Speed
from engine.mind.trainer import Trainer
from installation.media.compositor import Compositor
from installation.media.window import Window
from installation.show.stage import Stage

FASTEST = Speed(channels_last=True, bf16=True, fused_adam=True, compile_mode="reduce-overhead")


@pytest.fixture(scope="module")
def memory():
    memory = FrameMemory(4, 16, 1, "cpu")
    for frame in np.random.default_rng(0).integers(0, 256, (4, 16, 16, 1), dtype=np.uint8):
        memory.append(frame)
    return memory


def make(memory, speed: Speed) -> Trainer:
    return Trainer(DreamConfig(resolution=16, width=4, batch_size=2, seed=3), memory, speed)


def ladder_lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "engine.mind.ladder"]


def test_the_ladder_goes_down_from_the_least_proven_to_eager_float32():
    assert [speed.describe() for speed in rungs(FASTEST)] == [
        "channels-last, bf16 autocast, fused Adam, torch.compile (reduce-overhead)",
        "channels-last, bf16 autocast, fused Adam",
        "channels-last, fused Adam",
        "channels-last",
        "eager float32",
    ]
    assert next_rung(Speed()) is None


def compile_refused(monkeypatch):
    def refused(*args, **kwargs):
        raise RuntimeError("Cannot find a working triton installation")

    monkeypatch.setattr(torch, "compile", refused)


def fused_adam_refused(monkeypatch):
    adam = torch.optim.Adam.__init__

    def refused(self, params, *args, fused=None, **kwargs):
        if fused:
            raise RuntimeError("`fused=True` requires all the params to be floating point")
        adam(self, params, *args, fused=fused, **kwargs)

    monkeypatch.setattr(torch.optim.Adam, "__init__", refused)


def bf16_refused(monkeypatch):
    forward = Discriminator.forward

    def refused(self, x):
        if torch.is_autocast_enabled("cpu"):
            raise NotImplementedError("'slow_conv2d_cpu' not implemented for 'BFloat16'")
        return forward(self, x)

    monkeypatch.setattr(Discriminator, "forward", refused)


def channels_last_refused(monkeypatch):
    forward = Generator.forward

    def refused(self, z):
        if not all(w.is_contiguous() for w in self.parameters()):
            raise RuntimeError("cuDNN error: CUDNN_STATUS_NOT_SUPPORTED")
        return forward(self, z)

    monkeypatch.setattr(Generator, "forward", refused)


RUNGS = {  # the rung, how it is made to fail, where the trainer goes on
    "torch.compile (default)": (compile_refused, "could not be built", "channels-last"),
    "fused Adam": (fused_adam_refused, "could not be built", "channels-last"),
    "bf16 autocast": (bf16_refused, "failed on network 1", "channels-last, fused Adam"),
    "channels-last": (channels_last_refused, "failed on network 1", "eager float32"),
}
ASKED = {
    "torch.compile (default)": Speed(channels_last=True, compile_mode="default"),
    "fused Adam": Speed(channels_last=True, fused_adam=True),
    "bf16 autocast": Speed(channels_last=True, bf16=True, fused_adam=True),
    "channels-last": Speed(channels_last=True),
}


@pytest.mark.parametrize("rung", RUNGS)
def test_a_failing_rung_is_stepped_down_from_and_the_networks_go_on(
    rung, memory, monkeypatch, caplog
):
    """The same steps as a trainer that started on the rung below: the weights and the
    optimisers' state carried over, no step lost or done twice."""
    sabotage, why, now = RUNGS[rung]
    sabotage(monkeypatch)
    with caplog.at_level(logging.WARNING):
        fallen = make(memory, ASKED[rung])
        networks = [fallen.step() for _ in range(4)]
    (line,) = ladder_lines(caplog)
    assert rung in line and why in line and line.endswith(f"now on {now}, the same networks")
    assert fallen.rung == now and [n.number for n in networks] == [1, 2, 3, 4]
    below = make(memory, next_rung(ASKED[rung]))
    for network in networks:
        expected = below.step()
        np.testing.assert_allclose(
            [network.d_loss, network.g_loss], [expected.d_loss, expected.g_loss], rtol=1e-5
        )


def nan_judgements(monkeypatch, when=lambda: torch.is_autocast_enabled("cpu")):
    forward = Discriminator.forward

    def poisoned(self, x):
        out = forward(self, x)
        return out * float("nan") if when() else out

    monkeypatch.setattr(Discriminator, "forward", poisoned)


def test_a_fast_path_whose_first_losses_are_nan_is_left_for_the_plain_one(
    memory, monkeypatch, caplog
):
    """NaN where eager float32 gives numbers: the network shown is the plain step's, from
    the same weights, and the trainer goes on without bf16."""
    nan_judgements(monkeypatch)  # under bf16 autocast only
    fast, plain = make(memory, Speed(channels_last=True, bf16=True)), make(memory, Speed())
    with caplog.at_level(logging.WARNING):
        networks = [fast.step() for _ in range(3)]
    (line,) = ladder_lines(caplog)
    assert "bf16 autocast gave NaN or Inf losses on network 1 where eager float32 did not" in line
    assert fast.rung == "channels-last" and [n.number for n in networks] == [1, 2, 3]
    for network in networks:
        expected = plain.step()
        assert np.isfinite([network.d_loss, network.g_loss]).all()
        np.testing.assert_allclose(
            [network.d_loss, network.g_loss], [expected.d_loss, expected.g_loss], rtol=1e-4
        )


def test_a_nan_of_the_minds_own_is_not_blamed_on_the_rung(memory, monkeypatch, caplog):
    """NaN on the plain path too: the rung stays, the NaN goes to the guardian (a rebirth)."""
    first_step = [True]
    nan_judgements(monkeypatch, when=lambda: first_step[0])  # on every path
    fast = make(memory, Speed(channels_last=True, bf16=True))
    with caplog.at_level(logging.WARNING):
        diverged = fast.step()
        first_step[0] = False
        reborn, why = Guardian(fast).watch(diverged)
        after = fast.step()
    assert ladder_lines(caplog) == [] and fast.rung == "channels-last, bf16 autocast"
    assert np.isnan(diverged.d_loss) and why == "NaN or Inf in its losses"
    assert after.number == 2 and np.isfinite([after.d_loss, after.g_loss]).all()


def test_a_state_from_a_fused_rung_loads_on_a_plain_one(memory):
    """A guardian's snapshot or a save taken before a fall brings fused Adam's flag with it:
    it is not taken back up."""
    fused = make(memory, Speed(fused_adam=True))
    fused.step()
    plain = make(memory, Speed())
    plain.load_networks(fused.networks_state())
    assert [g["fused"] for g in plain.g_optimizer.param_groups] == [None]
    assert all(s["step"].device.type == "cpu" for s in plain.g_optimizer.state.values())
    assert np.isfinite(plain.step().d_loss)


def test_a_gpu_compositor_that_cannot_be_built_leaves_the_picture_to_the_cpu(monkeypatch, caplog):
    """Asked once: a window made larger later is not another try (and another line)."""
    tries = []

    def refused(self, *args, **kwargs):
        tries.append(args)
        raise RuntimeError("CUDA error: out of memory")

    monkeypatch.setattr(gpu_compositor.TorchCompositor, "__init__", refused)
    window = Window(ScreenConfig(window_width=160, window_height=90), fullscreen=False)
    stage = Stage(ScreenConfig(), window, seed=1, device=torch.device("cuda"), footer="")
    dreams = np.random.default_rng(0).integers(0, 256, (4, 16, 28, 1), dtype=np.uint8)
    try:
        with caplog.at_level(logging.WARNING):
            stage.draw(1.0, dreams, [], None, 0.0)
            window.surface = pygame.display.set_mode((200, 120))
            stage.draw(2.0, dreams, [], None, 0.0)
    finally:
        pygame.quit()
    assert type(stage.compositor) is Compositor and stage.picture.shape == (120, 200, 3)
    assert stage.picture.std() > 10  # the dreams, not a black frame
    lines = [r.getMessage() for r in caplog.records if "GPU compositor" in r.getMessage()]
    assert len(tries) == 1 and lines == [
        "screen: the GPU compositor could not be built (RuntimeError: CUDA error: out of "
        "memory); composing on the CPU"
    ]


def test_torch_is_told_to_fall_back_to_the_cpu_for_what_mps_lacks():
    """Set by `import engine`, before torch is imported (torch reads it once); a user's own
    setting stays."""
    code = "import os, sys, engine; print('torch' in sys.modules, os.environ[{!r}])"
    for given, expected in ((None, "False 1"), ("0", "False 0")):
        env = {k: v for k, v in os.environ.items() if k != "PYTORCH_ENABLE_MPS_FALLBACK"}
        env.update({"PYTORCH_ENABLE_MPS_FALLBACK": given} if given else {})
        result = subprocess.run(
            [sys.executable, "-c", code.format("PYTORCH_ENABLE_MPS_FALLBACK")],
            capture_output=True, text=True, env=env, check=True,
        )  # fmt: skip
        assert result.stdout.strip() == expected
