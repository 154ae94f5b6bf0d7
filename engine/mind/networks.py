"""The networks: a DCGAN generator and discriminator for pictures in the film's shape (a power
of two on the short side, engine/mind/shape.py), grey or colour, and the differentiable augmentation
that lets them learn from a small, shifting stream of frames without the discriminator
memorising it.

Why these choices: the generator is the DCGAN of pytorch/examples (batch norm, ReLU, tanh), its
upsampling a choice: transposed convolutions as in the 2020 film, or resize-convolutions. The
discriminator has spectral norm instead of batch norm, which bounds its Lipschitz constant and
keeps the game stable without the cost of a gradient penalty's second backward pass. DiffAugment
(Zhao et al. 2020) augments real and fake images alike, so the discriminator cannot win by
memorising the few hundred frames in memory.
"""

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

from engine.config import UPSAMPLES  # noqa: F401 (named with the settings; tools import it here)
from engine.mind.shape import SHORT_SEED, seed_map


def channels_at(short: int, layer_short: int, width: int) -> int:
    """Feature maps at one layer, by the short sides of the picture and of the layer: DCGAN's
    width*8 at 4x4 for a 64x64 network, halving as the maps double, never more than width*8."""
    return min(width * 8, width * short // layer_short // 2)


def _doubling(c_in: int, c_out: int, upsample: str) -> list[nn.Module]:
    """Maps of twice the size: DCGAN's transposed convolution (the 2020 film's), whose
    overlapping strides leave a checkerboard (Odena et al. 2016), or a resize then a 3x3
    convolution, which cannot."""
    if upsample == "transposed":
        return [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False)]
    if upsample == "nearest":
        return [NearestDoubling(c_in, c_out)]
    return [
        nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
        nn.Conv2d(c_in, c_out, 3, 1, 1, bias=False),
    ]


# How a 3x3 kernel's taps fall on the 4 taps of a transposed convolution of stride 2 after a
# nearest doubling: output row 2i reads input rows i-1 (tap 0) and i (taps 1 and 2); row 2i+1
# reads rows i (taps 0 and 1) and i+1 (tap 2).
_FOLD = torch.tensor([[0, 0, 1], [0, 1, 1], [1, 1, 0], [1, 0, 0]], dtype=torch.float32)


class NearestDoubling(nn.Conv2d):
    """A nearest-neighbour doubling, then this 3x3 convolution: computed as the one transposed
    convolution (4 x 4, stride 2) the two add up to, so it costs what DCGAN's own layer costs
    (4 taps a pixel instead of 9 on maps four times the size) and computes the same numbers."""

    def __init__(self, c_in: int, c_out: int):
        super().__init__(c_in, c_out, 3, 1, 1, bias=False)
        self.register_buffer("fold", _FOLD.clone(), persistent=False)

    def forward(self, maps: torch.Tensor) -> torch.Tensor:
        # the folded kernel in the weights' own precision: under bf16 autocast only the
        # convolution is bf16, as the plain convolution's would be
        with torch.autocast(maps.device.type, enabled=False):
            fold = self.fold.to(self.weight.dtype)
            kernel = torch.einsum("ak,oikl,bl->ioab", fold, self.weight, fold)
        return F.conv_transpose2d(maps, kernel, stride=2, padding=1)


class Generator(nn.Module):
    def __init__(
        self,
        size: int | tuple[int, int],
        channels: int,
        latent_size: int = 100,
        width: int = 64,
        upsample: str = "transposed",
    ):
        super().__init__()
        self.latent_size = latent_size
        seed, doublings = seed_map(size)
        short = SHORT_SEED * 2**doublings
        c = channels_at(short, SHORT_SEED, width)
        blocks = [  # latent_size x 1 x 1 -> c x the seed map (4 x 4 for a square)
            nn.ConvTranspose2d(latent_size, c, seed, 1, 0, bias=False),
            nn.BatchNorm2d(c),
            nn.ReLU(True),
        ]
        layer = SHORT_SEED
        for _ in range(doublings - 1):  # each block doubles the maps: c -> c' channels
            c_next = channels_at(short, layer * 2, width)
            blocks += [*_doubling(c, c_next, upsample), nn.BatchNorm2d(c_next), nn.ReLU(True)]
            c, layer = c_next, layer * 2
        blocks += [*_doubling(c, channels, upsample), nn.Tanh()]  # the image
        self.main = nn.Sequential(*blocks)

    def forward(self, latents: torch.Tensor) -> torch.Tensor:
        return self.main(latents.view(latents.shape[0], self.latent_size, 1, 1))


class Discriminator(nn.Module):
    def __init__(
        self, size: int | tuple[int, int], channels: int, width: int = 64, spectral: bool = True
    ):
        super().__init__()
        seed, doublings = seed_map(size)
        norm = spectral_norm if spectral else (lambda module: module)
        short = SHORT_SEED * 2**doublings
        layer = short // 2
        c = channels_at(short, layer, width)
        blocks = [norm(nn.Conv2d(channels, c, 4, 2, 1)), nn.LeakyReLU(0.2, True)]  # half size
        for _ in range(doublings - 1):  # each block halves the maps: c -> c' channels
            c_next = channels_at(short, layer // 2, width)
            blocks += [norm(nn.Conv2d(c, c_next, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
            c, layer = c_next, layer // 2
        blocks += [norm(nn.Conv2d(c, 1, seed, 1, 0))]  # c x the seed map -> one logit
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
    if "cutout" in draws:  # blank a random rectangle of half the image's height and width
        height, width = images.shape[-2:]
        half_h, half_w = height // 2, width // 2
        top = (draws["cutout"][:, :1] * (height + 1 - half_h)).long()
        left = (draws["cutout"][:, 1:] * (width + 1 - half_w)).long()
        rows = torch.arange(height, device=images.device)
        columns = torch.arange(width, device=images.device)
        inside_y = (rows >= top) & (rows < top + half_h)
        inside_x = (columns >= left) & (columns < left + half_w)
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
