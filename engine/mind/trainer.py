"""Trainer: every optimiser step makes a new network, number n, and the one before it is gone.

Trainer.step() draws everything random first (frames from memory, latents, the augmentation), then
_learn() updates the discriminator and the generator from those tensors alone, then the dreams of
the new generator and the two losses come back to the host in one copy. How fast (channels-last,
bf16, fused Adam, torch.compile) is the Speed's business (engine/mind/speed.py); what is learned is
the same on every path (tests/test_speed.py), and a path that fails steps down the ladder to a
plainer one with the same networks (engine/mind/ladder.py).
"""

import time
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch
import torch.nn.functional as F

from engine.config import DreamConfig
from engine.device import to_host
from engine.mind.ladder import Ladder
from engine.mind.memory import FrameMemory
from engine.mind.networks import Discriminator, Generator, diff_augment, draw_augment, weights_init
from engine.mind.speed import Speed, keep_compiled_kernels, pick_speed


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
    """What one network left behind: its number and its dreams, (dreams, height, width, C) uint8:
    a host array, or a tensor on the training device where the trainer keeps them there."""

    number: int
    images: np.ndarray | torch.Tensor | None
    d_loss: float
    g_loss: float
    born_at: float  # time.monotonic() when it was created
    # where a drift (engine/mind/drift.py) has moved its dreams by then: (time.monotonic(), images)
    later: tuple = ()

    def images_at(self, now: float) -> np.ndarray | torch.Tensor | None:
        """The dreams to show at `now`: the birth's, or the drift's latest picture by then."""
        images = self.images
        for when, drifted in self.later:
            if when > now:
                break
            images = drifted
        return images


class Trainer:
    def __init__(self, config: DreamConfig, memory: FrameMemory, speed: Speed | None = None):
        self.config = config
        self.memory = memory
        self.device = memory.device
        self.speed = speed or pick_speed(config.speed, self.device, config.compile_mode)
        if self.device.type == "cuda":
            torch.backends.cudnn.benchmark = True  # the shapes never change: pick kernels once
        self.width = pick_width(config.width, self.device)
        self.policy = tuple(p for p in config.augment.split(",") if p)
        self.number = 0  # networks created so far; the live one is number `number`
        # the trainer's own from here on: the config only says where they start
        self.learning_rate, self.batch_size = config.learning_rate, config.batch_size
        # the dreams stay on the device for a compositor there (one copy a frame, not two)
        self.dreams_on_device = False
        self._random = torch.Generator(device=self.device)
        self._random.manual_seed(config.seed)
        self.dream_latents = torch.randn(
            config.dreams,
            config.latent_size,
            generator=torch.Generator().manual_seed(config.seed),
        ).to(self.device)
        networks = (net.to(self.device) for net in self._blank_networks(config.seed))
        self.generator, self.discriminator = networks
        self.ladder = Ladder(self)
        self.ladder.build()

    @property
    def size(self) -> tuple[int, int]:
        """(height, width) of the dreams: the frame memory's."""
        return self.memory.size

    @property
    def channels(self) -> int:
        return self.memory.channels

    @property
    def rung(self) -> str:
        """The speed the trainer runs on now (lower than asked after a fall: ladder.falls)."""
        return self.speed.describe()

    def _blank_networks(self, seed: int) -> tuple[Generator, Discriminator]:
        """Fresh networks from a seeded random initialisation, on the CPU."""
        config = self.config
        torch.manual_seed(seed)
        generator = Generator(
            self.size, self.channels, config.latent_size, self.width, config.upsample
        )
        discriminator = Discriminator(self.size, self.channels, self.width)
        generator.apply(weights_init)
        discriminator.apply(weights_init)
        return generator, discriminator

    def _new_optimizers(self) -> None:
        config = self.config
        betas = (config.beta1, 0.999)
        fused = self.speed.fused_adam or None  # None: torch's default for the device
        self.g_optimizer = torch.optim.Adam(
            self.generator.parameters(), lr=self.learning_rate, betas=betas, fused=fused
        )
        self.d_optimizer = torch.optim.Adam(
            self.discriminator.parameters(), lr=self.learning_rate, betas=betas, fused=fused
        )

    def lay_out(self, optimizers: dict | None = None) -> None:
        """The networks laid out and compiled as the speed says, and their optimisers made
        (carrying `optimizers`' state): the same weight tensors on every rung, for a compiled
        module shares its module's and `to(memory_format=...)` keeps each Parameter."""
        layout = torch.channels_last if self.speed.channels_last else torch.contiguous_format
        generator, discriminator = self.generator, self.discriminator
        generator.to(memory_format=layout)
        discriminator.to(memory_format=layout)
        self._generate, self._judge = generator, discriminator
        if self.speed.compile_mode is not None:
            keep_compiled_kernels()
            compiled = partial(torch.compile, mode=self.speed.compile_mode, dynamic=False)
            self._generate, self._judge = compiled(generator), compiled(discriminator)
        self._new_optimizers()
        if optimizers is not None:
            self._load_optimizers(optimizers["g_optimizer"], optimizers["d_optimizer"])

    def use_speed(self, speed: Speed) -> None:
        """Another rung for the same networks, their optimisers' state carried over."""
        optimizers = {
            "g_optimizer": self.g_optimizer.state_dict(),
            "d_optimizer": self.d_optimizer.state_dict(),
        }
        self.speed = speed
        self.ladder.build(optimizers)

    def _load_optimizers(self, g_state: dict, d_state: dict) -> None:
        """Optimiser states made on any rung, for this one: fused as this speed says (a state
        brings its own flag), each moment laid out as its weight, a plain Adam's count on the
        host as a new one keeps it."""
        fused = self.speed.fused_adam or None
        for optimizer, state in ((self.g_optimizer, g_state), (self.d_optimizer, d_state)):
            groups = [{**group, "fused": fused} for group in state["param_groups"]]
            optimizer.load_state_dict({**state, "param_groups": groups})
            for weight, moments in optimizer.state.items():
                for name, value in moments.items():
                    if name != "step":
                        moments[name] = torch.empty_like(weight).copy_(value)
                    elif not fused:
                        moments[name] = value.cpu()

    def step(self, render: bool = True) -> Network:
        """One optimiser step of both networks: network n+1 is created, network n destroyed."""
        batch = self.batch_size
        real = self.memory.sample(batch, self._random)
        if self.speed.channels_last:
            real = real.contiguous(memory_format=torch.channels_last)
        latents = torch.randn(
            batch, self.config.latent_size, generator=self._random, device=self.device
        )
        d_draws = draw_augment(2 * batch, self.policy, self._random)
        g_draws = draw_augment(batch, self.policy, self._random)
        losses, images = self._compute(real, latents, d_draws, g_draws, render)
        self.number += 1
        d_loss, g_loss = (float(x) for x in losses)
        return Network(self.number, images, d_loss, g_loss, time.monotonic())

    def _compute(self, real, latents, d_draws, g_draws, render: bool):
        """The step's arithmetic and the one copy back to the host (losses and dreams), on
        the ladder's rung: a step that fails there is done again on the rung below."""
        return self.ladder.step(
            lambda: self._learn_and_copy(real, latents, d_draws, g_draws, render)
        )

    def _learn_and_copy(self, real, latents, d_draws, g_draws, render: bool):
        losses = self._learn(real, latents, d_draws, g_draws)
        if not render:
            return to_host(losses)[0], None
        if self.dreams_on_device:
            images = self._dream_bytes()
            return to_host(losses)[0], images
        return to_host(losses, self._dream_bytes())

    def _learn(self, real, latents, d_draws, g_draws) -> torch.Tensor:
        """Update the discriminator, then the generator; the two losses stay on the device."""
        batch = real.shape[0]
        if self.speed.compile_mode == "reduce-overhead":
            torch.compiler.cudagraph_mark_step_begin()  # last step's graph outputs are done with
        with self._autocast():
            fake = self._generate(latents)
            # discriminator: real frames up, generated ones down (non-saturating logistic
            # loss), both in one pass
            both = self._judge(self._augment(torch.cat([real, fake.detach()]), d_draws)).float()
            d_loss = F.softplus(-both[:batch]).mean() + F.softplus(both[batch:]).mean()
        self.d_optimizer.zero_grad(set_to_none=True)
        d_loss.backward()
        self.d_optimizer.step()

        # generator: make the discriminator call its images real. The discriminator's own
        # gradients are not wanted here, so they are not computed.
        self.discriminator.requires_grad_(False)
        with self._autocast():
            g_loss = F.softplus(-self._judge(self._augment(fake, g_draws)).float()).mean()
        self.g_optimizer.zero_grad(set_to_none=True)
        g_loss.backward()
        self.discriminator.requires_grad_(True)
        self.g_optimizer.step()
        return torch.stack([d_loss.detach(), g_loss.detach()])

    def _augment(self, images: torch.Tensor, draws: dict) -> torch.Tensor:
        return diff_augment(images, draws) if draws else images

    def _autocast(self):
        return torch.autocast(self.device.type, torch.bfloat16, enabled=self.speed.bf16)

    @torch.no_grad()
    def _dream_bytes(self, latents: torch.Tensor | None = None) -> torch.Tensor:
        """The live network's dreams on the device, (dreams, height, width, C) uint8. Batch
        norm uses the statistics of the dream batch, as pytorch/examples dcgan does."""
        with self._autocast():
            images = self._generate(self.dream_latents if latents is None else latents)
        images = images.float().add_(1.0).mul_(127.5).clamp_(0, 255).to(torch.uint8)
        return images.permute(0, 2, 3, 1)  # a view; contiguous when channels-last

    def render(self) -> np.ndarray:
        """The live network's dreams as (dreams, height, width, C) uint8 images on the host."""
        return to_host(self._dream_bytes())[0]

    def look_at(self, latents: torch.Tensor) -> None:
        """Where the dreams look from the next network on (a drift's place): the same tensor."""
        self.dream_latents.copy_(latents)

    def dreams_at(self, latents: torch.Tensor) -> np.ndarray | torch.Tensor:
        """The live network's dreams from `latents` (one more generator pass), held where a
        Network holds them; where the dreams look is left alone."""
        images = self._dream_bytes(latents.to(self.device))
        return images if self.dreams_on_device else to_host(images)[0]

    def dreams(self) -> np.ndarray | torch.Tensor:
        """The live network's dreams where a Network carries them (see dreams_on_device)."""
        return self._dream_bytes() if self.dreams_on_device else self.render()

    def halve_batch(self) -> bool:
        """After running out of GPU memory: half the batch from the next step on (False when
        it is 1 already)."""
        if self.device.type == "cuda":
            torch.cuda.empty_cache()
        if self.batch_size == 1:
            return False
        self.batch_size //= 2
        return True

    def set_learning_rate(self, rate: float) -> None:
        """For both networks, from the next step on (and after a reset)."""
        self.learning_rate = rate
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
        """A state taken on any rung (a snapshot from before a fall, a save from a GPU)."""
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        self._load_optimizers(state["g_optimizer"], state["d_optimizer"])

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
        generator, discriminator = self._blank_networks(self.config.seed + self.number)
        # into the networks already there, so that what torch.compile made of them stays good
        self.generator.load_state_dict(generator.state_dict())
        self.discriminator.load_state_dict(discriminator.state_dict())
        self._new_optimizers()
