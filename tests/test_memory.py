import numpy as np
import pytest
import torch

from engine.mind.memory import FrameMemory


def frame(value: int) -> np.ndarray:
    return np.full((8, 8, 1), value, np.uint8)


def test_the_ring_keeps_the_newest_frames():
    memory = FrameMemory(capacity=3, size=8, channels=1, device="cpu")
    for value in (10, 20, 30, 40):
        memory.append(frame(value))
    assert len(memory) == 3 and memory.frames_seen == 4
    batch = memory.sample(200, torch.Generator().manual_seed(0))
    seen = set(((batch[:, 0, 0, 0] + 1) * 127.5).round().int().tolist())
    assert seen == {20, 30, 40}  # 10 was overwritten


def test_samples_are_floats_in_minus_one_to_one():
    memory = FrameMemory(capacity=4, size=8, channels=1, device="cpu")
    memory.append(frame(0))
    memory.append(frame(255))
    batch = memory.sample(16)
    assert batch.shape == (16, 1, 8, 8) and batch.dtype == torch.float32
    assert batch.min() == -1.0 and batch.max() == 1.0


def test_an_empty_memory_and_a_wrong_frame_are_refused():
    memory = FrameMemory(capacity=4, size=8, channels=1, device="cpu")
    with pytest.raises(RuntimeError, match="empty"):
        memory.sample(4)
    with pytest.raises(ValueError):
        memory.append(np.zeros((8, 8, 3), np.uint8))
