import itertools
from dataclasses import replace

import numpy as np
import pytest
import torch

from engine.config import ScreenConfig, load_config
from installation.bench.networks import bench_mind
from installation.media.compositor import Compositor
from installation.media.gpu_compositor import TorchCompositor


def dreams(count: int = 4, size: int = 16) -> np.ndarray:
    return np.stack([np.full((size, size, 1), 40 * (i + 1), np.uint8) for i in range(count)])


def test_each_dream_holds_then_dissolves_into_the_next():
    compositor = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15), side=64)
    assert compositor.schedule(1.0, 4)[:3] == (0, 1, 0.0)
    a, b, alpha, *_ = compositor.schedule(7.0, 4)
    assert (a, b) == (0, 1) and alpha == 0.5
    assert compositor.schedule(10.5, 4)[:2] == (1, 2)
    assert compositor.schedule(4 * 10 + 1, 4)[:2] == (0, 1)  # round again after the last


def test_zoom_is_continuous_when_a_dream_takes_over():
    compositor = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15), side=64)
    incoming_zoom_at_end = compositor.schedule(9.999999, 4)[4]
    current_zoom_after = compositor.schedule(10.0, 4)[3]
    assert abs(incoming_zoom_at_end - current_zoom_after) < 1e-4
    assert compositor.schedule(3.0, 4)[3] > compositor.schedule(1.0, 4)[3]  # it zooms in


def test_a_dissolve_blends_two_dreams_under_grain():
    clean = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, grain=0), side=64)
    picture = clean.compose(dreams(), 7.0)  # half way from dream 0 (40) to dream 1 (80)
    assert picture.shape == (64, 64, 3) and picture.dtype == np.uint8
    assert abs(float(picture.mean()) - 60) < 2
    grainy = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, grain=0.06), side=64)
    noisy = grainy.compose(dreams(), 7.0).astype(float)
    assert 5 < noisy.std() < 40 and abs(noisy.mean() - 60) < 4


def film_dreams(channels: int) -> np.ndarray:
    """Eight dreams with edges and texture (a bicubic zoom of flat grey would prove little)."""
    settings = ["dream.device=cpu", f"film.color={str(channels == 3).lower()}"]
    memory = bench_mind(load_config(None, settings), 32).memory
    return memory.state_dict()["frames"][:8].permute(0, 2, 3, 1).numpy()


AGREE = 0.5  # grey levels on average between the torch compositor's picture and OpenCV's

GPU = pytest.param(
    "cuda",
    marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a GPU: tools/gpu.sh"),
)


@pytest.mark.parametrize("device", ["cpu", GPU])
@pytest.mark.parametrize("channels", [1, 3])
def test_the_gpu_compositor_makes_the_cpu_compositors_picture(channels, device):
    """The torch compositor (on the CPU here; on the GPU where there is one) against OpenCV's
    picture, through a hold, a dissolve and the zoom, with the same grain."""
    images = film_dreams(channels)
    config = ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15, grain=0.06)
    opencv = Compositor(config, side=200, seed=5)
    on_torch = TorchCompositor(config, side=200, seed=5, device=device)
    times = (0.0, 3.0, 7.0, 9.9, 23.0)
    for t in times:
        expected, picture = opencv.compose(images, t, 2), on_torch.compose(images, t, 2)
        assert picture.shape == expected.shape == (200, 200, 3) and picture.dtype == np.uint8
        difference = np.abs(picture.astype(int) - expected)
        assert difference.mean() < AGREE and np.percentile(difference, 99.9) <= 2, t  # levels
    # without grain, the five moments are five pictures, further apart than the two compositors
    # may be: agreeing at each is agreeing on the hold, the dissolve and the zoom
    clean = Compositor(replace(config, grain=0), side=200)
    pictures = [clean.compose(images, t, 2).astype(int) for t in times]
    assert np.array_equal(pictures[0], clean.compose(images, times[0], 2))  # no noise left
    for i, j in itertools.combinations(range(len(times)), 2):
        assert np.abs(pictures[i] - pictures[j]).mean() > 2 * AGREE, (times[i], times[j])


@pytest.mark.parametrize("device", ["cpu", GPU])
def test_the_dreams_stay_where_they_were_made_until_the_picture_comes_down(device, monkeypatch):
    """A trainer whose dreams stay on its device hands the compositor there a tensor, and one
    copy a frame comes to the host: the picture (not the dreams as well)."""
    import engine.device
    import engine.trainer
    import installation.media.gpu_compositor as gpu_compositor

    settings = ["dream.device=" + device, "dream.resolution=32", "dream.width=8"]
    mind = bench_mind(load_config(None, settings), 32)
    copies = []

    def counted(*tensors):
        copies.append([tuple(t.shape) for t in tensors])
        return engine.device.to_host(*tensors)

    monkeypatch.setattr(engine.trainer, "to_host", counted)
    monkeypatch.setattr(gpu_compositor, "to_host", counted)
    mind.trainer.dreams_on_device = True
    network = mind.trainer.step()
    assert isinstance(network.images, torch.Tensor) and network.images.device.type == device
    assert copies == [[(2,)]]  # the two losses alone
    compositor = TorchCompositor(ScreenConfig(grain=0), side=64, seed=1, device=device)
    picture = compositor.compose(network.images, 1.0)
    assert copies[1:] == [[(64, 64, 3)]]  # the picture, once
    expected = Compositor(ScreenConfig(grain=0), side=64, seed=1).compose(
        mind.trainer.render(), 1.0
    )
    assert np.abs(picture.astype(int) - expected).mean() < 0.5  # the same picture
