"""How the machine is doing, for the summary line in the log: GPU memory (the process's own
memory: stats.py)."""

import torch


def peak_gpu_mb(device: torch.device) -> float | None:
    """The most GPU memory this process has held (reserved by torch's allocator), or None."""
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_reserved(device) / 2**20


def gpu_text(device: torch.device) -> str:
    if device.type != "cuda":
        return ""
    return f" · GPU {torch.cuda.memory_allocated(device) / 2**20:,.0f} MB"
