"""The dreams take the film's shape: the sizes a film's width:height gives, and networks of
every upsampling that make and judge pictures of those sizes."""

import numpy as np
import pytest
import torch
from torch import nn

from engine.config import load_config
from engine.errors import ConfigError
from engine.mind.film import FilmSource, prepare_frame
from engine.mind.networks import UPSAMPLES, Discriminator, Generator, NearestDoubling
from engine.mind.shape import dream_size


@pytest.mark.parametrize(
    ("resolution", "aspect", "film", "size"),
    [
        (64, "film", 16 / 9, (64, 112)),  # a 4 x 7 seed map
        (256, "film", 16 / 9, (256, 448)),
        (64, "film", 4 / 3, (64, 80)),
        (64, "film", 1.5, (64, 96)),
        (64, "film", 9 / 16, (112, 64)),  # a portrait film dreams upright
        (64, "film", None, (64, 64)),  # a camera that does not say: square
        (64, "film", 10.0, (64, 256)),  # at most 4:1
        (64, "square", 16 / 9, (64, 64)),
        (32, "2.39:1", 4 / 3, (32, 80)),
    ],
)
def test_the_dreams_take_the_shape_the_film_or_the_setting_asks(resolution, aspect, film, size):
    assert dream_size(resolution, aspect, film) == size


@pytest.mark.parametrize("value", ["wide", "16/9", "0:1", "-4:3"])
def test_a_bad_aspect_is_refused_with_what_to_write(value):
    with pytest.raises(ConfigError, match="dream.aspect.*W:H"):
        load_config(None, [f"dream.aspect={value}"])


@pytest.mark.parametrize("upsample", UPSAMPLES)
@pytest.mark.parametrize("size", [(64, 112), (112, 64), (32, 32)])
def test_every_upsampling_makes_and_judges_pictures_of_the_films_shape(upsample, size):
    generator = Generator(size, 3, latent_size=16, width=4, upsample=upsample)
    images = generator(torch.randn(2, 16))
    assert images.shape == (2, 3, *size)
    assert Discriminator(size, 3, width=4)(images).shape == (2,)


def test_the_film_is_cropped_at_its_centre_to_the_dreams_shape(shapes_film):
    wide = np.zeros((90, 320, 3), np.uint8)  # 32:9 with white bands at its left and right
    wide[:, :80] = wide[:, -80:] = 255
    frame = prepare_frame(wide, (64, 112), color=False)
    assert frame.shape == (64, 112, 1) and frame.max() == 0  # the bands are cropped away
    film = FilmSource(str(shapes_film), (64, 112))
    assert film.ratio == pytest.approx(4 / 3) and film.read().shape == (64, 112, 1)


def test_the_nearest_doubling_is_a_resize_then_a_convolution_at_a_transposed_ones_cost():
    """The folded layer computes what nn.Upsample(nearest) then a 3x3 convolution compute,
    forwards and backwards, in both memory layouts."""
    torch.manual_seed(0)
    folded = NearestDoubling(5, 3)
    plain = nn.Sequential(nn.Upsample(scale_factor=2), nn.Conv2d(5, 3, 3, 1, 1, bias=False))
    plain[1].weight.data.copy_(folded.weight.data)
    maps = torch.randn(2, 5, 4, 7)
    for layout in (torch.contiguous_format, torch.channels_last):
        x = maps.contiguous(memory_format=layout).requires_grad_()
        ours, theirs = folded(x), plain(x)
        torch.testing.assert_close(ours, theirs, rtol=1e-5, atol=1e-5)
        ours_grads = torch.autograd.grad(ours.square().sum(), (x, folded.weight))
        theirs_grads = torch.autograd.grad(theirs.square().sum(), (x, plain[1].weight))
        for a, b in zip(ours_grads, theirs_grads, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)
