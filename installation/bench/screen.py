"""`dreams bench`: the screen's frame time under SDL's dummy driver: composing a network's dreams
into the picture (dissolve, zoom, grain), painting it with the HUD and a subtitle, and the flip,
at a gallery projector's 1920 x 1080. The budget is a frame at the refresh rate."""

import os
import statistics
import time
from dataclasses import replace

import numpy as np

from engine.config import Config

SIZE = (1920, 1080)
HUD = ["network 12,345 created · 12,344 destroyed", "61.2 networks/s · D 1.234 · G 2.345"]
SUBTITLE = "And leaves the world to darkness and to me."


def run_screen_bench(config: Config, images: np.ndarray, frames: int, device) -> dict:
    """Frame times in ms of `frames` frames showing `images`, (dreams, height, width, C) uint8."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"  # as asked: no vsync, no desktop compositing
    from installation.media.compositor import Look
    from installation.media.gpu_compositor import TorchCompositor, make_compositor
    from installation.media.window import Window
    from installation.show.pace import most_fps

    screen = replace(config.screen, window_width=SIZE[0], window_height=SIZE[1])
    window = Window(screen, fullscreen=False, title="Dreams bench")
    look, seed = Look.of(screen), config.dream.seed
    compositor = make_compositor(look, window.size, screen.fit, seed, device)
    times = []
    try:
        for frame in range(frames + 10):  # the first 10 warm the caches
            started = time.perf_counter()
            t = frame / most_fps(screen.fps) * 30  # dissolves and zooms at 30x the pace: every case
            picture = compositor.compose(images, t)
            window.draw(picture, HUD, "footer", SUBTITLE, 0.8)
            times.append((time.perf_counter() - started) * 1000)
    finally:
        window.close()
    times = times[10:]
    return {
        "size": f"{SIZE[0]}x{SIZE[1]}",
        "compositor": "GPU" if isinstance(compositor, TorchCompositor) else "OpenCV",
        "frames": frames,
        "median_ms": statistics.median(times),
        "p99_ms": float(np.percentile(times, 99)),
        "budget_ms": 1000 / most_fps(screen.fps),
    }
