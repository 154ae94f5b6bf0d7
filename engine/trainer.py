"""Trainer: every optimiser step makes a new network, number n, and the one before it is gone.

Trainer.step() reads top to bottom: sample what was watched, update the discriminator, update
the generator, then render the fixed dream latents through the new generator.
"""

import time
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import DreamConfig
from engine.dreamer import Discriminator, Generator, diff_augment, weights_init
from engine.memory import FrameMemory


def pick_resolution(setting: int | str, device: torch.device) -> int:
    """`auto` is 64 on a CPU (a few networks a second) and 256 on a GPU."""
    if setting != "auto":
        return int(setting)
    return 64 if device.type == "cpu" else 256


def pick_width(setting: int | str, device: torch.device) -> int:
    """`auto` is 32 feature maps on a CPU (about a million weights per network, five networks a
    second on two cores) and DCGAN's 64 on a GPU."""
    if setting != "auto":
        return int(setting)
    return 32 if device.type == "cpu" else 64


@dataclass
class Network:
    """What one network left behind: its number and its dreams, (dreams, size, size, C) uint8."""

    number: int
    images: np.ndarray | None
    d_loss: float
    g_loss: float
    born_at: float  # time.monotonic() when it was created


class Trainer:
    def __init__(self, config: DreamConfig, memory: FrameMemory):
        self.config = config
        self.memory = memory
        self.device = memory.device
        self.resolution, self.channels = memory.size, memory.channels
        self.width = pick_width(config.width, self.device)
        self.policy = tuple(p for p in config.augment.split(",") if p)
        self.number = 0  # networks created so far; the live one is number `number`
        self._random = torch.Generator(device=self.device)
        self._random.manual_seed(config.seed)
        self.dream_latents = torch.randn(
            config.dreams,
            config.latent_size,
            generator=torch.Generator().manual_seed(config.seed),
        ).to(self.device)
        self._build(seed=config.seed)

    def _build(self, seed: int) -> None:
        """A blank mind: fresh networks and optimisers from a seeded random initialisation."""
        config = self.config
        torch.manual_seed(seed)
        self.generator = Generator(
            self.resolution, self.channels, config.latent_size, self.width
        ).to(self.device)
        self.discriminator = Discriminator(self.resolution, self.channels, self.width).to(
            self.device
        )
        self.generator.apply(weights_init)
        self.discriminator.apply(weights_init)
        betas = (config.beta1, 0.999)
        self.g_optimizer = torch.optim.Adam(
            self.generator.parameters(), lr=config.learning_rate, betas=betas
        )
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), lr=config.learning_rate, betas=betas
        )

    def step(self, render: bool = True) -> Network:
        """One optimiser step of both networks: network n+1 is created, network n destroyed."""
        batch = self.config.batch_size
        real = self.memory.sample(batch, self._random)
        latents = torch.randn(
            batch, self.config.latent_size, generator=self._random, device=self.device
        )

        # discriminator: real frames up, generated ones down (non-saturating logistic loss)
        fake = self.generator(latents)
        d_real = self.discriminator(self._augment(real))
        d_fake = self.discriminator(self._augment(fake.detach()))
        d_loss = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        # generator: make the discriminator call its images real
        g_loss = F.softplus(-self.discriminator(self._augment(fake))).mean()
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.g_optimizer.step()

        self.number += 1
        images = self.render() if render else None
        return Network(self.number, images, d_loss.item(), g_loss.item(), time.monotonic())

    def _augment(self, images: torch.Tensor) -> torch.Tensor:
        return diff_augment(images, self.policy, self._random) if self.policy else images

    @torch.no_grad()
    def render(self) -> np.ndarray:
        """The live network's dreams: the fixed latents through the generator, as uint8 images.
        Batch norm uses the statistics of the dream batch, as pytorch/examples dcgan does."""
        images = self.generator(self.dream_latents)
        images = images.add(1.0).mul(127.5).clamp_(0, 255).to(torch.uint8)
        return images.permute(0, 2, 3, 1).cpu().numpy()

    @property
    def batch_size(self) -> int:
        return self.config.batch_size

    def halve_batch(self) -> bool:
        """After running out of GPU memory: half the batch from the next step on (False when
        it is 1 already)."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if self.config.batch_size == 1:
            return False
        self.config.batch_size //= 2
        return True

    def set_learning_rate(self, rate: float) -> None:
        """For both networks, from the next step on (and after a reset)."""
        self.config.learning_rate = rate
        for optimizer in (self.g_optimizer, self.d_optimizer):
            for group in optimizer.param_groups:
                group["lr"] = rate

    def networks_state(self) -> dict:
        """Both networks and their optimisers: what a rollback restores."""
        return {
            "generator": self.generator.state_dict(),
            "discriminator": self.discriminator.state_dict(),
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
        }

    def load_networks(self, state: dict) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self.g_optimizer.load_state_dict(state["g_optimizer"])
        self.d_optimizer.load_state_dict(state["d_optimizer"])

    def state_dict(self) -> dict:
        """Everything the next step depends on: both networks and optimisers, the count and
        the random state."""
        return {
            "number": self.number,
            **self.networks_state(),
            "random": self._random.get_state(),
        }

    def load_state_dict(self, state: dict) -> None:
        self.load_networks(state)
        self._random.set_state(state["random"].to(self._random.get_state().device))
        self.number = state["number"]

    def reset(self) -> None:
        """A new blank mind: the weights start again, the counter goes on."""
        self._build(seed=self.config.seed + self.number)
