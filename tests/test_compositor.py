import itertools
from dataclasses import replace

import cv2
import numpy as np
import pygame
import pytest
import torch

from engine.config import ScreenConfig, load_config
from installation.bench.networks import bench_mind
from installation.media.canvas import Canvas, pixels
from installation.media.compositor import Compositor
from installation.media.gpu_compositor import TorchCompositor


def dreams(count: int = 4, size: int = 16) -> np.ndarray:
    return np.stack([np.full((size, size, 1), 40 * (i + 1), np.uint8) for i in range(count)])


def test_each_dream_holds_then_dissolves_into_the_next():
    compositor = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15), (64, 64))
    assert compositor.schedule(1.0, 4)[:3] == (0, 1, 0.0)
    a, b, alpha, *_ = compositor.schedule(7.0, 4)
    assert (a, b) == (0, 1) and alpha == 0.5
    assert compositor.schedule(10.5, 4)[:2] == (1, 2)
    assert compositor.schedule(4 * 10 + 1, 4)[:2] == (0, 1)  # round again after the last


def test_zoom_is_continuous_when_a_dream_takes_over():
    compositor = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15), (64, 64))
    incoming_zoom_at_end = compositor.schedule(9.999999, 4)[4]
    current_zoom_after = compositor.schedule(10.0, 4)[3]
    assert abs(incoming_zoom_at_end - current_zoom_after) < 1e-4
    assert compositor.schedule(3.0, 4)[3] > compositor.schedule(1.0, 4)[3]  # it zooms in


def test_a_dissolve_blends_two_dreams_under_grain():
    clean = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, grain=0), (64, 64))
    picture = clean.compose(dreams(), 7.0)  # half way from dream 0 (40) to dream 1 (80)
    assert picture.shape == (64, 64, 3) and picture.dtype == np.uint8
    assert abs(float(picture.mean()) - 60) < 2
    grainy = Compositor(ScreenConfig(hold_s=4, dissolve_s=6, grain=0.06), (64, 64))
    noisy = grainy.compose(dreams(), 7.0).astype(float)
    assert 5 < noisy.std() < 40 and abs(noisy.mean() - 60) < 4


def marked_dream(height: int, width: int) -> np.ndarray:
    """One grey dream with a white cross through its centre and white corners."""
    image = np.full((height, width, 1), 90, np.uint8)
    image[height // 2 - 1 : height // 2 + 1] = image[:, width // 2 - 1 : width // 2 + 1] = 255
    image[:2, :2] = image[:2, -2:] = image[-2:, :2] = image[-2:, -2:] = 255
    return image[None]


def test_fill_covers_a_wide_screen_edge_to_edge_with_a_film_shaped_dream():
    """A 64 x 112 dream on a 16:9 screen: no black bar, the dream's centre at the screen's,
    and only a sliver of its edge cropped (the shapes nearly agree)."""
    compositor = Compositor(ScreenConfig(grain=0, zoom=0), (1920, 1080), "fill")
    picture = compositor.compose(marked_dream(64, 112), 0.0)
    assert picture.shape == (1080, 1920, 3)
    assert picture.min() > 30  # no black bar (bicubic rings a little beside the white lines)
    assert picture[540, :, 0].min() > 200 and picture[:, 960, 0].min() > 200  # the cross, centred
    assert picture[:20, :20].mean() > 150  # a corner: under 2% of the dream is cropped


def test_fill_crops_a_square_dream_and_letterbox_shows_all_of_it_between_bars():
    square = marked_dream(64, 64)
    filled = Compositor(ScreenConfig(grain=0, zoom=0), (160, 90), "fill").compose(square, 0.0)
    assert filled.shape == (90, 160, 3) and filled.min() > 30  # covered, corners cropped off
    assert filled[:5, :5].mean() < 120
    boxed = Compositor(ScreenConfig(grain=0, zoom=0), (160, 90), "letterbox")
    picture = boxed.compose(square, 0.0)
    assert picture.shape == (90, 90, 3)  # the canvas centres it between black bars
    assert picture[:4, :4].mean() > 150 and picture[-4:, -4:].mean() > 150  # the corners show
    wide = boxed.compose(marked_dream(64, 112), 0.0)
    assert wide.shape == (90, 158, 3)


def film_dreams(channels: int) -> np.ndarray:
    """Eight film-shaped dreams (32 x 56) with edges and texture (a bicubic zoom of flat grey
    would prove little)."""
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
    opencv = Compositor(config, (200, 120), "fill", seed=5)
    on_torch = TorchCompositor(config, (200, 120), "fill", seed=5, device=device)
    boxed = TorchCompositor(config, (200, 200), "letterbox", seed=5, device=device)
    assert boxed.compose(images, 3.0).shape == (114, 200, 3)
    times = (0.0, 3.0, 7.0, 9.9, 23.0)
    for t in times:
        expected, picture = opencv.compose(images, t, 2), on_torch.compose(images, t, 2)
        assert picture.shape == expected.shape == (120, 200, 3) and picture.dtype == np.uint8
        difference = np.abs(picture.astype(int) - expected)
        assert difference.mean() < AGREE and np.percentile(difference, 99.9) <= 2, t  # levels
    # without grain, the five moments are five pictures, further apart than the two compositors
    # may be: agreeing at each is agreeing on the hold, the dissolve and the zoom
    clean = Compositor(replace(config, grain=0), (200, 120))
    pictures = [clean.compose(images, t, 2).astype(int) for t in times]
    assert np.array_equal(pictures[0], clean.compose(images, times[0], 2))  # no noise left
    for i, j in itertools.combinations(range(len(times)), 2):
        assert np.abs(pictures[i] - pictures[j]).mean() > 2 * AGREE, (times[i], times[j])


@pytest.mark.parametrize("device", ["cpu", GPU])
def test_the_dreams_stay_where_they_were_made_until_the_picture_comes_down(device, monkeypatch):
    """A trainer whose dreams stay on its device hands the compositor there a tensor, and one
    copy a frame comes to the host: the picture (not the dreams as well)."""
    import engine.device
    import engine.mind.trainer
    import installation.media.gpu_compositor as gpu_compositor

    settings = ["dream.device=" + device, "dream.resolution=32", "dream.width=8"]
    mind = bench_mind(load_config(None, settings), 32)
    copies = []

    def counted(*tensors):
        copies.append([tuple(t.shape) for t in tensors])
        return engine.device.to_host(*tensors)

    monkeypatch.setattr(engine.mind.trainer, "to_host", counted)
    monkeypatch.setattr(gpu_compositor, "to_host", counted)
    mind.trainer.dreams_on_device = True
    network = mind.trainer.step()
    assert isinstance(network.images, torch.Tensor) and network.images.device.type == device
    assert copies == [[(2,)]]  # the two losses alone
    compositor = TorchCompositor(ScreenConfig(grain=0), (96, 64), "fill", seed=1, device=device)
    picture = compositor.compose(network.images, 1.0)
    assert copies[1:] == [[(64, 96, 3)]]  # the picture, once
    expected = Compositor(ScreenConfig(grain=0), (96, 64), "fill", seed=1).compose(
        mind.trainer.render(), 1.0
    )
    assert np.abs(picture.astype(int) - expected).mean() < 0.5  # the same picture


def test_a_subtitle_reads_over_the_whitest_dream():
    """Light type ringed in black: over a white dream the letters stay light and every letter
    is edged by dark pixels on all sides (a drop shadow alone leaves their top and left white)."""
    canvas, surface = Canvas(), pygame.Surface((1280, 720))
    line = "And leaves the world to darkness and to me."
    canvas.paint(surface, np.zeros((720, 1280, 3), np.uint8), [], subtitle=line)
    letters = pixels(surface).mean(axis=2) > 180  # the type, found over black
    canvas.paint(surface, np.full((720, 1280, 3), 255, np.uint8), [], subtitle=line)
    over_white = pixels(surface).mean(axis=2)
    edge = cv2.dilate(letters.astype(np.uint8), np.ones((5, 5), np.uint8)).astype(bool) & ~letters
    assert letters.sum() > 500
    assert over_white[letters].mean() > 200  # the letters stay light
    assert (over_white[edge] < 128).mean() > 0.6  # and ringed in dark (a shadow: 0.24)


def test_a_small_dream_fills_a_large_screen_smoothly_under_fine_grain(monkeypatch):
    """A 64 x 112 dream at 1920 x 1080 is zoomed and dissolved on a small canvas and scaled up
    once: the picture is the one bicubic warp at full size to a grey level or two, never a
    blocky one, and the grain laid on at the screen's size stays fine (one pixel's grain tells
    little of its neighbour's), as it was."""
    import installation.media.compositor as compositor_module

    images = bench_mind(load_config(None, ["dream.device=cpu"]), 64).memory.state_dict()
    images = images["frames"][:8].permute(0, 2, 3, 1).numpy()
    warped, warp = [], cv2.warpAffine
    monkeypatch.setattr(cv2, "warpAffine", lambda *a, **k: warped.append(a[2]) or warp(*a, **k))
    config = ScreenConfig(hold_s=4, dissolve_s=6, zoom=0.15, grain=0)
    compositor, canvas_zoom = Compositor(config, (1920, 1080)), compositor_module.CANVAS_ZOOM

    def composed(t: float, canvas_zoom: float) -> np.ndarray:
        monkeypatch.setattr(compositor_module, "CANVAS_ZOOM", canvas_zoom)
        return compositor.compose(images, t)

    for t in (0.0, 7.0, 9.9):
        expected = composed(t, 1e9).astype(int)  # the old way: both warps at full size
        picture = composed(t, canvas_zoom)
        assert picture.shape == (1080, 1920, 3)
        assert max(warped[-1]) <= 1920 // 4  # the warps were on the small canvas
        difference = np.abs(picture - expected)
        assert difference.mean() < 2.5 and np.percentile(difference, 99) <= 10, t
    grainy = Compositor(replace(config, grain=0.06), (1920, 1080), seed=3)
    clean = compositor.compose(images, 3.0)[:, :, 0].astype(float)
    grain = grainy.compose(images, 3.0)[:, :, 0] - clean
    neighbours = np.corrcoef(grain[:, :-1].ravel(), grain[:, 1:].ravel())[0, 1]
    assert 4 < grain.std() < 30 and neighbours < 0.8  # grain scaled up would be above 0.95


@pytest.mark.parametrize("depth", [32, 24])
def test_the_picture_is_painted_as_it_is_between_black_bars(depth):
    """Straight into a usual 32-bit screen's pixels (or blitted onto another surface), the
    picture arrives with its colours in their places, centred between black bars."""
    surface = pygame.Surface((200, 100), depth=depth)
    surface.fill((90, 90, 90))  # the frame before
    picture = np.random.default_rng(1).integers(0, 256, (80, 120, 3), dtype=np.uint8)
    picture[:, :, 0] = 250  # red everywhere, blue nowhere: a swap would show
    picture[:, :, 2] = 5
    Canvas().paint(surface, picture, [])
    painted = pixels(surface)
    assert np.array_equal(painted[10:90, 40:160], picture)
    assert painted[:10].max() == painted[:, :40].max() == painted[90:].max() == 0  # bars
    whole = np.full((100, 200, 3), 7, np.uint8)
    Canvas().paint(surface, whole, [])
    assert np.array_equal(pixels(surface), whole)
