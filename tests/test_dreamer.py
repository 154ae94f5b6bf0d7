import numpy as np
import pytest
import torch

from engine.config import DreamConfig
from engine.mind.memory import FrameMemory
from engine.mind.networks import Discriminator, Generator, diff_augment, draw_augment
from engine.mind.trainer import Trainer, pick_resolution, pick_width


@pytest.mark.parametrize("resolution", [64, 128, 256, 512])
@pytest.mark.parametrize("channels", [1, 3])
def test_networks_fit_every_resolution(resolution, channels):
    generator = Generator(resolution, channels, latent_size=16, width=4)
    discriminator = Discriminator(resolution, channels, width=4)
    images = generator(torch.randn(2, 16))
    assert images.shape == (2, channels, resolution, resolution)
    assert images.abs().max() <= 1
    assert discriminator(images).shape == (2,)


def test_augmentation_keeps_shape_and_gradients():
    images = torch.rand(4, 1, 32, 32, requires_grad=True)
    random = torch.Generator().manual_seed(0)
    draws = draw_augment(4, ("color", "translation", "cutout"), random)
    out = diff_augment(images * 2 - 1, draws)
    assert out.shape == images.shape
    out.sum().backward()
    assert images.grad is not None and images.grad.abs().sum() > 0
    assert not torch.equal(out, images * 2 - 1)


@pytest.mark.parametrize("kind", ["color", "translation", "cutout"])
def test_each_augmentation_changes_the_picture_on_its_own(kind):
    """Each of DiffAugment's three kinds moves a picture by itself; the same draws move two
    batches alike (the real and the generated see one augmentation)."""
    images = torch.rand(4, 1, 32, 32) * 2 - 1
    draws = draw_augment(4, (kind,), torch.Generator().manual_seed(1))
    assert list(draws) == [kind]
    out = diff_augment(images, draws)
    assert not torch.equal(out, images)
    assert torch.equal(diff_augment(images.clone(), draws), out)


def test_auto_settings_follow_the_device():
    cpu, gpu = torch.device("cpu"), torch.device("cuda")
    assert pick_resolution("auto", cpu) == 64 and pick_resolution("auto", gpu) == 256
    assert pick_resolution(128, gpu) == 128
    assert pick_width("auto", cpu) == 32 and pick_width("auto", gpu) == 64


def small_trainer(seed: int = 0, **settings) -> Trainer:
    memory = FrameMemory(16, 64, 1, "cpu")
    for value in range(0, 256, 16):
        memory.append(np.full((64, 64, 1), value, np.uint8))
    return Trainer(DreamConfig(width=8, batch_size=4, seed=seed, **settings), memory)


def test_every_step_is_a_new_network():
    trainer = small_trainer(dreams=5)
    first = trainer.step()
    second = trainer.step()
    assert (first.number, second.number, trainer.number) == (1, 2, 2)
    assert first.images.shape == (5, 64, 64, 1) and first.images.dtype == np.uint8
    assert not np.array_equal(first.images, second.images)  # network 1 is gone
    assert np.isfinite([second.d_loss, second.g_loss]).all()
    assert trainer.step(render=False).images is None


def test_the_same_seed_dreams_the_same():
    a, b = small_trainer(seed=7), small_trainer(seed=7)
    for _ in range(3):
        network_a, network_b = a.step(), b.step()
    assert np.array_equal(network_a.images, network_b.images)
    assert not np.array_equal(network_a.images, small_trainer(seed=8).step().images)


def same_weights(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    """Every parameter and buffer (batch norm's statistics too) equal."""
    a, b = a.state_dict(), b.state_dict()
    return a.keys() == b.keys() and all(torch.equal(a[name], b[name]) for name in a)


def test_reset_starts_a_blank_mind_and_the_count_goes_on():
    """A reset after five networks gives the weights a fresh trainer of seed 3 + 5 starts with
    (a reset picks the seed plus the count), and optimisers that remember nothing; the next
    network is number 6."""
    trainer = small_trainer(seed=3)
    for _ in range(5):
        trainer.step()
    trainer.reset()
    blank = small_trainer(seed=3 + 5)
    assert same_weights(trainer.generator, blank.generator)
    assert same_weights(trainer.discriminator, blank.discriminator)
    for optimizer in (trainer.g_optimizer, trainer.d_optimizer):
        assert optimizer.state_dict()["state"] == {}  # Adam's moments start again too
    assert trainer.step().number == 6


def test_halving_the_batch_after_running_out_of_memory():
    memory = FrameMemory(8, 32, 1, "cpu")
    memory.append(np.zeros((32, 32, 1), np.uint8))
    trainer = Trainer(DreamConfig(resolution=32, width=8, batch_size=4), memory)
    assert trainer.halve_batch() and trainer.batch_size == 2
    assert trainer.halve_batch() and not trainer.halve_batch() and trainer.batch_size == 1
    assert trainer.step().number == 1  # training goes on at the smaller batch
