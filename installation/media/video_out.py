"""Video out: the show's picture to VJ software (Resolume, TouchDesigner, OBS) as it is drawn,
over NDI, Syphon or Spout (video_backends.py). The main thread offers each frame into a
latest-value slot and never waits; the "video out" thread sends the newest, so a slow network
or receiver costs frames here (counted as dropped), never the show's frame rate. A failing send
is logged at most once a second and the show goes on."""

import logging
import threading
import time
from typing import NamedTuple

import numpy as np
import pygame

from engine.config import VideoOutConfig
from installation.media.video_backends import open_backend
from installation.threads import LatestSlot

log = logging.getLogger(__name__)

LOG_EVERY_S = 1.0  # a send that keeps failing is logged at most this often
WAIT_S = 0.2  # the thread looks at the stop event at least this often


class Dreams(NamedTuple):
    """The dreams alone, before the HUD, footer and subtitle: the composited RGB picture (or
    None before the first network), centred on black in a window of `size` (width, height)."""

    picture: np.ndarray | None
    size: tuple[int, int]


def rgbx(frame) -> np.ndarray:
    """What is offered as an RGBX (height, width, 4) uint8 array, the senders' one format."""
    if isinstance(frame, np.ndarray):
        return frame
    width, height = frame.size
    out = np.zeros((height, width, 4), np.uint8)
    out[..., 3] = 255
    if frame.picture is not None:
        picture_h, picture_w = frame.picture.shape[:2]
        top, left = (height - picture_h) // 2, (width - picture_w) // 2
        out[top : top + picture_h, left : left + picture_w, :3] = frame.picture
    return out


class VideoOut:
    def __init__(self, config: VideoOutConfig, fps: int):
        self.config = config
        self.backend = open_backend(config.kind, config.name, fps)  # VideoOutError: say so now
        self.sent = self.dropped = self.failed = 0
        self._slot = LatestSlot()
        self._stop = threading.Event()
        self._logged_at = -LOG_EVERY_S
        self.thread = threading.Thread(target=self.loop, name="video out", daemon=True)
        log.info('video out: %s source "%s"%s', config.kind, config.name,
                 "" if config.subtitles else ", the dreams alone")  # fmt: skip

    def see(self, surface: pygame.Surface, picture: np.ndarray | None) -> None:
        """The frame just drawn (main thread): the window as the audience sees it, or with
        `video_out.subtitles = false` the dreams alone (`picture`, as the stage composed it)."""
        if self.config.subtitles:
            width, height = surface.get_size()
            data = pygame.image.tobytes(surface, "RGBX")  # the one copy the main thread makes
            self.offer(np.frombuffer(data, np.uint8).reshape(height, width, 4))
        else:
            self.offer(Dreams(picture, surface.get_size()))

    def offer(self, frame) -> None:
        """Never waits: the newest frame wins, and one not sent before it is counted."""
        if self._slot.put(frame):
            self.dropped += 1

    def loop(self) -> None:
        while not self._stop.is_set():
            if not self._slot.wait_put(WAIT_S):
                continue
            frame = self._slot.take()
            if frame is None:
                continue
            try:
                self.backend.send(rgbx(frame))
            except Exception as error:  # a network, a receiver, a driver: the show goes on
                self._failed(error)
                continue
            self.sent += 1

    def _failed(self, error: Exception) -> None:
        self.failed += 1
        now = time.monotonic()
        if now - self._logged_at >= LOG_EVERY_S:
            self._logged_at = now
            log.error("video out: sending a frame failed (%s: %s); %d failed so far; going on",
                      type(error).__name__, str(error)[:200], self.failed)  # fmt: skip

    def stop(self) -> None:
        self._stop.set()
        self._slot.wake()

    def close(self) -> None:
        """After the thread has ended (the backend is not the thread's any more)."""
        if self.thread.is_alive():
            log.warning("video out: still sending at the end; not closed")
            return
        try:
            self.backend.close()
        except Exception as error:
            log.warning("video out: closing %s failed: %s", self.config.kind, error)
        log.info("video out: %d frames sent, %d dropped, %d failed",
                 self.sent, self.dropped, self.failed)  # fmt: skip
