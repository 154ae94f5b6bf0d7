"""FrameMemory: a ring buffer of the frames the machine has watched, kept on the training device.

The film appends one frame at a time; the trainer samples batches from whatever is there. The
buffer holds uint8 frames (a quarter of the memory of float) and converts a batch on sampling.
"""

import threading

import numpy as np
import torch

from engine.errors import ConfigError
from engine.mind.shape import as_size


class FrameMemory:
    def __init__(
        self, capacity: int, size: int | tuple[int, int], channels: int, device: torch.device
    ):
        self.capacity, self.size, self.channels = capacity, as_size(size), channels
        self.device = torch.device(device)
        self._frames = torch.zeros(
            (capacity, channels, *self.size), dtype=torch.uint8, device=device
        )
        self._count = 0  # frames ever appended; the next one goes to _count % capacity
        self._lock = threading.Lock()  # the film thread appends while the trainer samples

    def __len__(self) -> int:
        return min(self._count, self.capacity)

    @property
    def frames_seen(self) -> int:
        return self._count

    def append(self, frame: np.ndarray) -> None:
        """Add one (height, width, channels) uint8 frame, overwriting the oldest when full."""
        if frame.shape != (*self.size, self.channels) or frame.dtype != np.uint8:
            raise ValueError(f"frame of shape {frame.shape} {frame.dtype} does not fit this memory")
        tensor = torch.from_numpy(np.ascontiguousarray(frame.transpose(2, 0, 1)))
        with self._lock:
            self._frames[self._count % self.capacity].copy_(tensor)
            self._count += 1

    def state_dict(self) -> dict:
        with self._lock:
            return {"frames": self._frames[: len(self)].cpu(), "count": self._count}

    def load_state_dict(self, state: dict) -> None:
        frames = state["frames"]
        with self._lock:
            self._frames[: len(frames)].copy_(frames.to(self.device))
            self._count = state["count"]

    def sample(self, batch: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """A batch of remembered frames as float (batch, C, height, width) in [-1, 1], drawn with
        replacement (the memory may hold fewer frames than a batch at the start). `generator`,
        when given, lives on the memory's device."""
        with self._lock:
            filled = len(self)
            if filled == 0:
                raise RuntimeError("the frame memory is empty: nothing has been watched yet")
            index = torch.randint(filled, (batch,), generator=generator, device=self.device)
            chosen = self._frames[index]
        return chosen.float().div_(127.5).sub_(1.0)


MEMORY_SHARE = 0.5  # of the memory free now: the networks, the poet and the voice need the rest


def check_room(capacity: int, size: int | tuple[int, int], channels: int, device) -> None:
    """A ConfigError naming film.memory_frames where its frames would not fit the device's free
    memory (RAM, or the GPU's own), said before anything is allocated."""
    height, width = as_size(size)
    need = capacity * channels * height * width
    device = torch.device(device)
    free = _free_bytes(device)
    if free is None or need <= free * MEMORY_SHARE:
        return
    most = max(int(free * MEMORY_SHARE) // (channels * height * width), 1)
    kind = "colour" if channels == 3 else "grey"
    where = f"the GPU {device}" if device.type == "cuda" else "this machine"
    raise ConfigError(
        f"film.memory_frames = {capacity} needs {need / 1e9:.1f} GB for {height} x {width} "
        f"{kind} frames, and {where} has {free / 1e9:.1f} GB free; give at most {most}"
    )


def _free_bytes(device: torch.device) -> int | None:
    """Memory free on the device now, or None where it cannot be asked."""
    try:
        if device.type == "cuda":
            return torch.cuda.mem_get_info(device)[0]
        import psutil  # accelerate's own dependency, so always there with the poet

        return psutil.virtual_memory().available
    except (ImportError, RuntimeError, OSError):
        return None
