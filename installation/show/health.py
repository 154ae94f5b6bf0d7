"""How the machine is doing, for the summary line in the log: memory."""

import os
import resource
import sys

import torch


def rss_mb() -> float:
    """Resident memory of this process now (on Linux; elsewhere its peak so far)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kB; bytes on macOS
        return peak / (2**20 if sys.platform == "darwin" else 2**10)


def peak_gpu_mb(device: torch.device) -> float | None:
    """The most GPU memory this process has held (reserved by torch's allocator), or None."""
    if device.type != "cuda":
        return None
    return torch.cuda.max_memory_reserved(device) / 2**20


def gpu_text(device: torch.device) -> str:
    if device.type != "cuda":
        return ""
    return f" · GPU {torch.cuda.memory_allocated(device) / 2**20:,.0f} MB"
