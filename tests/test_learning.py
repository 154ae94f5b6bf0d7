"""Proof that the dreamer learns: after a few hundred networks on a film of moving shapes, the
newest network's dreams are far closer to the film than the first network's, and closer than
a network that had only learned "black" or "the average frame" would be: square with the 2020
film's transposed convolutions, and in the film's shape (4:3, 64 x 80) with the default
resize-convolutions."""

import numpy as np
import pytest
import torch

from engine.config import DreamConfig
from engine.mind.film import FilmSource
from engine.mind.memory import FrameMemory
from engine.mind.shape import dream_size
from engine.mind.trainer import Trainer
from installation.bench.likeness import sliced_wasserstein

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process

NETWORKS = 150


@pytest.mark.parametrize(("aspect", "upsample"), [("square", "transposed"), ("film", "nearest")])
def test_the_newest_network_dreams_the_film(shapes_film, aspect, upsample):
    torch.set_num_threads(1)
    film = FilmSource(str(shapes_film), 64)
    film.size = dream_size(64, aspect, film.ratio)
    assert film.size == ((64, 80) if aspect == "film" else (64, 64))
    memory = FrameMemory(256, film.size, 1, "cpu")
    frames = []
    while (frame := film.read()) is not None and film.loops == 0:
        memory.append(frame)
        frames.append(frame)
    frames = np.stack(frames)

    trainer = Trainer(DreamConfig(width=32, dreams=64, seed=0, upsample=upsample), memory)
    first = trainer.step()
    for _ in range(NETWORKS - 2):
        trainer.step(render=False)
    newest = trainer.step()
    assert newest.number == NETWORKS

    first_distance = sliced_wasserstein(first.images, frames)
    newest_distance = sliced_wasserstein(newest.images, frames)
    black = sliced_wasserstein(np.zeros_like(frames[:64]), frames)
    mean_frame = np.broadcast_to(frames.mean(axis=0).round().astype(np.uint8), frames[:64].shape)
    average = sliced_wasserstein(np.ascontiguousarray(mean_frame), frames)
    print(
        f"distance to the film: first {first_distance:.3f}, newest {newest_distance:.3f}, "
        f"all black {black:.3f}, average frame {average:.3f}"
    )
    assert newest_distance < 0.5 * first_distance
    assert newest_distance < 0.7 * min(black, average)  # it learned the shapes, not only the dark
