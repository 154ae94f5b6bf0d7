"""The fast paths learn the same networks as the plain eager float32 step, from the same weights
and the same batches: speed never changes what the network learns."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from engine.config import DreamConfig, load_config
from engine.files import default_cache_dir
from engine.mind.speed import Speed, pick_speed
from engine.mind.trainer import Trainer
from installation.bench.networks import bench_mind

CPU = torch.device("cpu")


@pytest.fixture(scope="module")
def memory():
    return bench_mind(load_config(None, ["dream.device=cpu"]), 32).memory  # the default film


def trainer(memory, speed: Speed, upsample: str = "nearest") -> Trainer:
    config = DreamConfig(resolution=32, width=8, batch_size=8, seed=3, upsample=upsample)
    return Trainer(config, memory, speed)


def weights(trainer: Trainer) -> list[torch.Tensor]:
    networks = (trainer.generator, trainer.discriminator)
    return [w.detach().clone() for net in networks for w in net.parameters()]


def assert_same_weights(eager: Trainer, fast: Trainer) -> None:
    """The same weights, to float32's summing order: Adam moves a weight whose gradient is all
    but zero by up to its learning rate either way, so another order of a convolution's sums
    may flip a few. 99% agree to 1e-5, and none by a whole step."""
    for w_eager, w_fast in zip(weights(eager), weights(fast), strict=True):
        agree = torch.isclose(w_fast, w_eager, rtol=1e-4, atol=1e-5).float().mean()
        assert agree > 0.99 and (w_fast - w_eager).abs().max() < eager.learning_rate


def moved(trainer: Trainer, before: list[torch.Tensor]) -> torch.Tensor:
    """How far every weight moved from `before`, as one vector."""
    after = weights(trainer)
    return torch.cat([(w - w0).flatten() for w, w0 in zip(after, before, strict=True)])


def test_auto_picks_channels_last_on_a_cpu_and_eager_means_every_option_off():
    assert pick_speed("auto", CPU) == Speed(channels_last=True)
    assert pick_speed("eager", CPU) == Speed()
    assert pick_speed("compiled", CPU, "default").compile_mode == "default"


@pytest.mark.parametrize("upsample", ["transposed", "nearest"])
def test_the_fast_cpu_step_learns_what_the_eager_step_learns(memory, upsample):
    eager = trainer(memory, Speed(), upsample)
    fast = trainer(memory, pick_speed("auto", CPU), upsample)
    for _ in range(4):
        a, b = eager.step(), fast.step()
        np.testing.assert_allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=1e-4)
    assert_same_weights(eager, fast)
    assert np.abs(a.images.astype(int) - b.images).max() <= 1  # grey levels
    assert b.images.flags.c_contiguous  # channels-last dreams reach numpy without a copy


def test_the_gpu_arithmetic_bf16_keeps_to_the_eager_step_within_bf16_tolerance(memory):
    """bf16 autocast as on a GPU, here on the CPU: the same losses to bf16 precision, and the
    first update moves the weights the same way (Adam's first step is about lr * sign(grad),
    so a cosine near 1 means nearly every sign agrees)."""
    eager, fast = trainer(memory, Speed()), trainer(memory, Speed(channels_last=True, bf16=True))
    before = weights(eager)
    a, b = eager.step(), fast.step()
    np.testing.assert_allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=2e-2)
    # 0.87 to 0.91 measured on the film-shaped 32 x 56 dreams; a wrong sign or a lost
    # gradient in the bf16 path gives 0 or less
    assert torch.cosine_similarity(moved(eager, before), moved(fast, before), dim=0) > 0.8
    assert np.abs(a.images.astype(int) - b.images).mean() < 2  # grey levels, on average


@pytest.mark.slow
def test_the_compiled_step_learns_what_the_eager_step_learns(memory):
    """torch.compile (inductor's C++ backend here; Triton and CUDA graphs on a GPU)."""
    eager, fast = trainer(memory, Speed()), trainer(memory, Speed(compile_mode="default"))
    for _ in range(3):
        a, b = eager.step(), fast.step()
    assert fast.speed.compile_mode == "default"  # it compiled, it did not fall back
    kept = default_cache_dir() / "torch-compile"  # in the user's cache, not /tmp
    assert os.environ["TORCHINDUCTOR_CACHE_DIR"] == str(kept) and any(kept.iterdir())
    np.testing.assert_allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=1e-4)
    assert_same_weights(eager, fast)


FALLBACK = """
import logging, numpy as np, torch
from engine.config import DreamConfig
from engine.mind.memory import FrameMemory
from engine.mind.speed import Speed
from engine.mind.trainer import Trainer
logging.basicConfig(level=logging.WARNING)
memory = FrameMemory(4, 16, 1, "cpu")
memory.append(np.arange(256, dtype=np.uint8).reshape(16, 16, 1))
make = lambda speed: Trainer(DreamConfig(resolution=16, width=4, batch_size=2), memory, speed)
eager, failing = make(Speed()), make(Speed(compile_mode="default"))
a, b = eager.step(), failing.step()
print("speed after:", failing.speed.describe())
print("same losses:", np.allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=1e-4))
"""


@pytest.mark.slow
def test_without_a_compiler_the_compiled_path_falls_back_to_eager(tmp_path):
    """No C++ compiler for inductor (CXX names a program that fails; an empty compile cache):
    one line, then the same networks, eagerly (engine/mind/ladder.py)."""
    env = {**os.environ, "CXX": "/bin/false", "TORCHINDUCTOR_CACHE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", FALLBACK], capture_output=True, text=True, timeout=600, env=env
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "torch.compile (default) failed on network 1" in result.stderr
    assert "now on eager float32, the same networks" in result.stderr
    assert "speed after: eager float32" in result.stdout
    assert "same losses: True" in result.stdout


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU: tools/gpu.sh")
def test_on_a_gpu_the_fast_step_keeps_to_the_eager_step_within_bf16_tolerance():
    """The whole GPU path (channels-last, bf16, fused Adam, torch.compile) against eager float32
    on the same GPU."""
    cuda = torch.device("cuda")
    memory = bench_mind(load_config(None, ["dream.device=cuda"]), 64).memory
    config = DreamConfig(resolution=64, width=16, batch_size=16, seed=3)
    eager = Trainer(config, memory, Speed())
    fast = Trainer(config, memory, pick_speed("auto", cuda))
    before = weights(eager)
    a, b = eager.step(), fast.step()
    assert fast.speed.compile_mode is not None  # compiled, not fallen back
    np.testing.assert_allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=5e-2)
    assert torch.cosine_similarity(moved(eager, before), moved(fast, before), dim=0) > 0.9
    for _ in range(5):
        a, b = eager.step(), fast.step()
    np.testing.assert_allclose([a.d_loss, a.g_loss], [b.d_loss, b.g_loss], rtol=0.1)
    assert np.abs(a.images.astype(int) - b.images).mean() < 4  # grey levels, on average
