"""The networks: a DCGAN generator and discriminator for any power-of-two resolution from 64
to 512, grey or colour, and the differentiable augmentation that lets them learn from a small,
shifting stream of frames without the discriminator memorising it.

Why these choices: the generator is the DCGAN of pytorch/examples (transposed convolutions,
batch norm, ReLU, tanh). The discriminator has spectral norm instead of batch norm, which bounds
its Lipschitz constant and keeps the game stable without the cost of a gradient penalty's second
backward pass. DiffAugment (Zhao et al. 2020) augments real and fake images alike, so the
discriminator cannot win by memorising the few hundred frames in memory.
"""

import math

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


def channels_at(resolution: int, layer_size: int, width: int) -> int:
    """Feature maps at one layer: DCGAN's width*8 at 4x4 for a 64x64 network, halving as the
    maps double, never more than width*8."""
    return min(width * 8, width * resolution // layer_size // 2)


def _check_resolution(resolution: int) -> int:
    layers = int(math.log2(resolution)) - 2
    if resolution < 8 or 2 ** (layers + 2) != resolution:
        raise ValueError(f"resolution must be a power of two of at least 8, not {resolution}")
    return layers


class Generator(nn.Module):
    def __init__(self, resolution: int, channels: int, latent_size: int = 100, width: int = 64):
        super().__init__()
        self.latent_size = latent_size
        layers = _check_resolution(resolution)
        c = channels_at(resolution, 4, width)
        blocks = [  # latent_size x 1 x 1 -> c x 4 x 4
            nn.ConvTranspose2d(latent_size, c, 4, 1, 0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(True),
        ]
        size = 4
        for _ in range(layers - 1):  # each block: c x size x size -> c' x 2size x 2size
            c_next = channels_at(resolution, size * 2, width)
            blocks += [
                nn.ConvTranspose2d(c, c_next, 4, 2, 1, bias=False),
                nn.BatchNorm2d(c_next),
                nn.ReLU(True),
            ]
            c, size = c_next, size * 2
        blocks += [nn.ConvTranspose2d(c, channels, 4, 2, 1, bias=False), nn.Tanh()]  # the image
        self.main = nn.Sequential(*blocks)

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return self.main(latents.view(latents.shape[0], self.latent_size, 1, 1))


class Discriminator(nn.Module):
    def __init__(self, resolution: int, channels: int, width: int = 64, spectral: bool = True):
        super().__init__()
        layers = _check_resolution(resolution)
        norm = spectral_norm if spectral else (lambda module: module)
        size = resolution // 2
        c = channels_at(resolution, size, width)
        blocks = [norm(nn.Conv2d(channels, c, 4, 2, 1)), nn.LeakyReLU(0.2, True)]  # c x res/2
        for _ in range(layers - 1):  # each block halves the maps: c x size -> c' x size/2
            c_next = channels_at(resolution, size // 2, width)
            blocks += [norm(nn.Conv2d(c, c_next, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
            c, size = c_next, size // 2
        blocks += [norm(nn.Conv2d(c, 1, 4, 1, 0))]  # c x 4 x 4 -> one logit
        self.main = nn.Sequential(*blocks)

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.main(images).view(-1)


def weights_init(module: nn.Module) -> None:
    """DCGAN's initialisation: N(0, 0.02) convolutions, N(1, 0.02) batch-norm scales."""
    if isinstance(module, nn.Conv2d | nn.ConvTranspose2d):
        weight = getattr(module, "parametrizations", None)
        target = weight.weight.original if weight is not None else module.weight
        nn.init.normal_(target, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, nn.BatchNorm2d):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def draw_augment(n: int, policy: tuple[str, ...], generator: torch.Generator) -> dict:
    """The random numbers of one DiffAugment pass over n images, drawn ahead of the step so the
    step is a function of tensors alone (what a compiler and a CUDA graph need)."""
    device = generator.device
    sizes = {"color": 3, "translation": 2, "cutout": 2}  # numbers per image
    return {
        name: torch.rand(n, sizes[name], generator=generator, device=device)
        for name in sizes
        if name in policy
    }


def diff_augment(images: torch.Tensor, draws: dict) -> torch.Tensor:
    """DiffAugment: random, differentiable transforms, the same kind for real and fake batches."""
    if "color" in draws:  # brightness and contrast (grey); saturation too for colour
        brightness, saturation, contrast = draws["color"][:, :, None, None, None].unbind(1)
        images = images + (brightness - 0.5)
        if images.shape[1] == 3:
            mean = images.mean(dim=1, keepdim=True)
            images = (images - mean) * (saturation * 2) + mean
        mean = images.mean(dim=(1, 2, 3), keepdim=True)
        images = (images - mean) * (contrast + 0.5) + mean
    if "translation" in draws:  # shift by up to 1/8 of the image, zero padding
        images = _translate(images, (draws["translation"] - 0.5) * 0.25 * 2)
    if "cutout" in draws:  # blank a random square of half the image's side
        size = images.shape[-1]
        half = size // 2
        corner = (draws["cutout"] * (size + 1 - half)).long()
        rows = torch.arange(size, device=images.device)
        inside_y = (rows >= corner[:, :1]) & (rows < corner[:, :1] + half)
        inside_x = (rows >= corner[:, 1:]) & (rows < corner[:, 1:] + half)
        mask = ~(inside_y[:, :, None] & inside_x[:, None, :])
        images = images * mask[:, None].to(images.dtype)
    return images


def _translate(images: torch.Tensor, shift: torch.Tensor) -> torch.Tensor:
    """Shift each image by `shift` (n, 2) in grid units ([-1, 1] spans the image)."""
    n = images.shape[0]
    theta = torch.zeros(n, 2, 3, device=images.device, dtype=images.dtype)
    theta[:, 0, 0] = theta[:, 1, 1] = 1
    theta[:, :, 2] = shift
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, mode="bilinear", padding_mode="zeros", align_corners=False)
