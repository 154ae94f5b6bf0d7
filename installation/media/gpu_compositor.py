"""The compositor on the training GPU: the same picture as installation/media/compositor.py (the
dissolve, the slow zoom, the grain), made where the dreams were made. A network's dreams come as
a tensor on the device that made them and stay there (host arrays are taken too, and go up once
a network); the upscaled picture (6 MB at 1920 x 1080) comes down once a frame, through pinned
memory, instead of two bicubic warps of a million pixels on the CPU every frame."""

import logging

import numpy as np
import torch
import torch.nn.functional as F

from engine.device import to_host
from engine.mind.ladder import first_line
from installation.media.compositor import GRAIN_SD, Compositor, Look, placement

log = logging.getLogger(__name__)


class TorchCompositor(Compositor):
    def __init__(
        self, look: Look, area: tuple[int, int], fit: str, seed: int, device: torch.device
    ):
        super().__init__(look, area, fit, seed)
        self.device = torch.device(device)
        self._grain_texture = torch.from_numpy(self._grain).to(self.device).float()
        self._axis = torch.arange(max(area), device=self.device, dtype=torch.float32)
        self._dreams_of: np.ndarray | torch.Tensor | None = None  # the images last uploaded
        self._dreams: torch.Tensor | None = None
        # its own stream: a frame waits for its own work, not for the trainer's step queued
        # on the default stream
        self._stream = torch.cuda.Stream(self.device) if self.device.type == "cuda" else None
        if self._stream is not None:
            torch.cuda.synchronize(self.device)  # the grain texture is there before any frame

    @torch.no_grad()
    def compose(self, images, t: float, offset: int = 0) -> np.ndarray:
        """`images`: (n, height, width, C) uint8, a host array or a tensor on any device."""
        if self._stream is None:
            return self._compose(images, t, offset)
        with torch.cuda.stream(self._stream):
            return self._compose(images, t, offset)

    def _compose(self, images, t: float, offset: int) -> np.ndarray:
        a, b, alpha, zoom_a, zoom_b = self.schedule(t, len(images), offset)
        dreams = self._upload(images)
        size = self.picture_size(*dreams.shape[2:])
        picture = self._zoomed(dreams[a], zoom_a, size)
        if alpha > 0:
            picture = torch.lerp(picture, self._zoomed(dreams[b], zoom_b, size), alpha)
        picture = self._add_grain_on_device(picture)
        picture = picture.round_().clamp_(0, 255).to(torch.uint8).expand(3, -1, -1)
        return to_host(picture.permute(1, 2, 0).contiguous())[0]  # on this stream

    def _upload(self, images) -> torch.Tensor:
        """(n, C, height, width) float on the device; once per network."""
        if images is self._dreams_of:
            return self._dreams
        if isinstance(images, torch.Tensor):
            tensor = images.to(self.device)  # no copy where they were made
            if self._stream is not None and tensor.is_cuda:
                # made on the trainer's stream: wait for it, and keep its memory from reuse
                self._stream.wait_stream(torch.cuda.default_stream(self.device))
                tensor.record_stream(self._stream)
        else:
            tensor = torch.from_numpy(np.ascontiguousarray(images)).to(self.device)
        self._dreams = tensor.permute(0, 3, 1, 2).float()
        self._dreams_of = images
        return self._dreams

    def _zoomed(self, dream: torch.Tensor, zoom: float, size: tuple[int, int]) -> torch.Tensor:
        """As Compositor._zoomed: scaled to cover the picture, zoomed about the centre, bicubic
        (both use a = -0.75), pixel centres where cv2.warpAffine puts them."""
        height, width = dream.shape[-2:]
        scale, shift_x, shift_y = placement((height, width), size, zoom)
        # the source pixel under each screen pixel, in grid_sample's [-1, 1] (pixel edges at
        # the ends)
        across = (2 * (self._axis[: size[0]] - shift_x) / scale + 1) / width - 1
        down = (2 * (self._axis[: size[1]] - shift_y) / scale + 1) / height - 1
        x, y = torch.meshgrid(across, down, indexing="xy")
        grid = torch.stack([x, y], dim=-1)[None]
        return F.grid_sample(
            dream[None], grid, mode="bicubic", padding_mode="reflection", align_corners=False
        )[0]

    def _add_grain_on_device(self, picture: torch.Tensor) -> torch.Tensor:
        strength = self.config.grain * 255.0 / GRAIN_SD
        if strength <= 0:
            return picture
        rows, columns = self.grain_window((picture.shape[2], picture.shape[1]))  # as the CPU's
        grain = self._grain_texture[rows, columns]
        return picture + strength * (grain - 128.0)


def make_compositor(look: Look, area: tuple[int, int], fit: str, seed: int, device) -> Compositor:
    """On the GPU where the dreams are trained on one; else, or where the GPU's cannot be built
    (the last rung of the speed ladder, engine/mind/ladder.py), OpenCV on the CPU."""
    if torch.device(device).type == "cuda":
        try:
            return TorchCompositor(look, area, fit, seed, device)
        except Exception as error:  # out of GPU memory, a stream refused: the CPU composes
            log.warning("screen: the GPU compositor could not be built (%s); composing on the CPU",
                        first_line(error))  # fmt: skip
    return Compositor(look, area, fit, seed)


def on_host(images) -> np.ndarray:
    """Dreams as a host array, for the CPU's compositor (free for a tensor on the CPU)."""
    return to_host(images)[0] if isinstance(images, torch.Tensor) else images
