"""`dreams bench`: networks per second (a training step plus the render of the dreams) of the
dreamer, against a plain eager DCGAN loop of the same networks in the same process.

The baseline is the loop of pytorch/examples dcgan/main.py: batch-norm generator, plain
discriminator (no spectral norm), BCE loss, no augmentation, the fixed noise rendered every step.
Rounds of the two alternate, so that a noisy neighbour on a shared machine slows both alike;
the figure that matters is the ratio.
"""

import time
from dataclasses import replace

import torch
from torch import nn

from engine.config import Config
from engine.device import pick_device
from engine.mind.build import Mind, build_mind
from engine.mind.memory import FrameMemory
from engine.mind.networks import Discriminator, Generator, weights_init

ROUNDS = 4  # alternating rounds of each loop per resolution


class EagerBaseline:
    """pytorch/examples dcgan, step for step, on the same memory and the same network sizes."""

    def __init__(self, config: Config, memory: FrameMemory, width: int):
        dream, device = config.dream, memory.device
        torch.manual_seed(dream.seed)
        self.memory, self.batch, self.latent_size = memory, dream.batch_size, dream.latent_size
        self.netG = Generator(
            memory.size, memory.channels, dream.latent_size, width, dream.upsample
        ).to(device)
        self.netD = Discriminator(memory.size, memory.channels, width, spectral=False).to(device)
        self.netG.apply(weights_init)
        self.netD.apply(weights_init)
        self.criterion = nn.BCEWithLogitsLoss()
        self.fixed_noise = torch.randn(dream.dreams, dream.latent_size, device=device)
        betas = (dream.beta1, 0.999)
        self.optimizerD = torch.optim.Adam(self.netD.parameters(), dream.learning_rate, betas=betas)
        self.optimizerG = torch.optim.Adam(self.netG.parameters(), dream.learning_rate, betas=betas)

    def step(self):
        device = self.memory.device
        real = self.memory.sample(self.batch)
        ones = torch.ones(self.batch, device=device)
        zeros = torch.zeros(self.batch, device=device)
        # (1) Update D network: maximize log(D(x)) + log(1 - D(G(z)))
        self.netD.zero_grad()
        errD_real = self.criterion(self.netD(real), ones)
        errD_real.backward()
        noise = torch.randn(self.batch, self.latent_size, device=device)
        fake = self.netG(noise)
        errD_fake = self.criterion(self.netD(fake.detach()), zeros)
        errD_fake.backward()
        self.optimizerD.step()
        # (2) Update G network: maximize log(D(G(z)))
        self.netG.zero_grad()
        errG = self.criterion(self.netD(fake), ones)
        errG.backward()
        self.optimizerG.step()
        # the fixed noise through the new generator, to look at
        with torch.no_grad():
            images = self.netG(self.fixed_noise).add(1).mul(127.5).clamp(0, 255).byte()
        return (errD_real + errD_fake).item(), errG.item(), images.cpu().numpy()


def networks_per_second(step, seconds: float) -> float:
    count, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        step()
        count += 1
    return count / (time.perf_counter() - started)


def bench_mind(config: Config, resolution: int) -> Mind:
    """The configured mind at this resolution, its memory holding the first 256 frames of the
    film (looped if short)."""
    dream = replace(config.dream, resolution=resolution)
    mind = build_mind(replace(config, dream=dream), memory_frames=256)
    mind.watch(256)
    mind.film.close()
    return mind


def measure(config: Config, resolution: int, seconds: float) -> dict:
    device = pick_device(config.dream.device)
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(device)
    started = time.perf_counter()
    mind = bench_mind(config, resolution)
    trainer, memory = mind.trainer, mind.memory
    trainer.step()  # the first network; with torch.compile, the compiling too
    first_s = time.perf_counter() - started
    for _ in range(3):  # warm-up: allocator, kernels, caches, CUDA graphs
        trainer.step()
    peak_gpu = torch.cuda.max_memory_reserved(device) / 2**20 if cuda else None
    baseline = EagerBaseline(config, memory, trainer.width)
    for _ in range(3):
        baseline.step()
    ours = eager = 0.0
    for _ in range(ROUNDS):
        eager += networks_per_second(baseline.step, seconds / ROUNDS) / ROUNDS
        ours += networks_per_second(trainer.step, seconds / ROUNDS) / ROUNDS
    return {
        "resolution": resolution,
        "size": list(memory.size),  # (height, width): the film's shape
        "upsample": config.dream.upsample,
        "device": str(device),
        "speed": trainer.speed.describe(),
        "width": trainer.width,
        "batch": config.dream.batch_size,
        "color": config.film.color,
        "dreams_per_s": ours,
        "eager_per_s": eager,
        "ratio": ours / eager,
        "first_network_s": first_s,
        "peak_gpu_mb": peak_gpu,
        "images": trainer.render(),  # for the screen bench; left out of the JSON
    }


def run_bench(config: Config, resolutions: list[int], seconds: float) -> list[dict]:
    """Networks per second at each resolution, against the eager loop."""
    results = []
    for resolution in resolutions:
        row = measure(config, resolution, seconds)
        print(
            f"networks at {row['size'][0]} x {row['size'][1]} ({row['upsample']}): "
            f"{row['dreams_per_s']:.2f}/s, "
            f"the eager loop {row['eager_per_s']:.2f}/s ({row['speed']})",
            flush=True,
        )
        results.append(row)
    return results
