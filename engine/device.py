"""Which torch device a setting names, checked against this machine; results back to the host."""

import numpy as np
import torch

from engine.errors import ConfigError


def pick_device(name: str = "auto", setting: str = "dream.device") -> torch.device:
    """`auto` picks CUDA, then Apple's MPS, then the CPU; a named device must be there."""
    if name.startswith("cuda"):
        count = torch.cuda.device_count() if torch.cuda.is_available() else 0
        device = torch.device(name)
        if (device.index or 0) >= count:
            raise ConfigError(
                f"{setting} = {name}, but this machine has {count} CUDA device(s); "
                'use "auto" or "cpu"'
            )
        return device
    if name == "mps" and not torch.backends.mps.is_available():
        raise ConfigError(f'{setting} = mps, but Apple MPS is not available; use "auto" or "cpu"')
    if name != "auto":
        return torch.device(name)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_host(*tensors: torch.Tensor) -> list[np.ndarray]:
    """On a GPU: asynchronous copies through pinned memory and one wait, for the work queued on
    the current stream only. The arrays keep their pinned buffers alive. On a CPU: the tensors'
    own memory, no copy."""
    if not tensors or tensors[0].device.type != "cuda":
        return [t.cpu().numpy() for t in tensors]
    pinned = [torch.empty(t.shape, dtype=t.dtype, pin_memory=True) for t in tensors]
    for host, device in zip(pinned, tensors, strict=True):
        host.copy_(device, non_blocking=True)
    done = torch.cuda.Event()
    done.record()
    done.synchronize()
    return [host.numpy() for host in pinned]
