"""How the trainer goes fast on its device, and the plain path that every fast one must agree with.

Measured (BENCHMARKS.md): on a CPU, channels-last memory helps a little; bf16 is slower without
AMX and torch.compile took 52 s to start for no gain, so neither is used there by default. On a
GPU a DCGAN step is small, so its time is kernel launches: bf16 autocast, fused Adam and
torch.compile (CUDA graphs in mode reduce-overhead) remove most of them.
"""

import os
from dataclasses import dataclass

import torch

from engine.files import default_cache_dir


@dataclass(frozen=True)
class Speed:
    """Every option off is the eager float32 path: the reference the tests compare against."""

    channels_last: bool = False  # NHWC activations: what cuDNN's and oneDNN's fast kernels want
    bf16: bool = False  # autocast the networks' forward passes to bfloat16
    fused_adam: bool = False  # one optimiser kernel for all weights
    compile_mode: str | None = None  # torch.compile's mode; None trains eagerly

    def describe(self) -> str:
        parts = [
            "channels-last" if self.channels_last else "",
            "bf16 autocast" if self.bf16 else "",
            "fused Adam" if self.fused_adam else "",
            f"torch.compile ({self.compile_mode})" if self.compile_mode else "",
        ]
        return ", ".join(p for p in parts if p) or "eager float32"


def pick_speed(setting: str, device: torch.device, compile_mode: str = "reduce-overhead") -> Speed:
    """`auto`: what measured fastest on this kind of device; `eager`: the plain reference;
    `compiled`: torch.compile on any device (minutes to start on a CPU)."""
    if setting == "eager" or device.type not in ("cpu", "cuda"):
        return Speed()
    cuda = device.type == "cuda"
    compiled = setting == "compiled" or cuda
    return Speed(
        channels_last=True,
        bf16=cuda and torch.cuda.is_bf16_supported(),
        fused_adam=cuda,
        compile_mode=compile_mode if compiled else None,
    )


def keep_compiled_kernels() -> None:
    """torch.compile's caches in the user's cache folder, not /tmp: a gallery PC that is switched
    off every night starts its first network from warm caches, not from a minute of compiling.
    A folder the user chose (TORCHINDUCTOR_CACHE_DIR) stays; torch's own default in /tmp, which
    torch writes into the environment as soon as an optimiser is made, is replaced."""
    try:
        from torch._inductor.runtime.cache_dir_utils import default_cache_dir as torch_default
    except ImportError:  # torch moved it: only an unset variable is filled in
        torch_default = None
    chosen = os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    if chosen is None or (torch_default is not None and chosen == torch_default()):
        os.environ["TORCHINDUCTOR_CACHE_DIR"] = str(default_cache_dir() / "torch-compile")
