"""Helpers for tests of the live show: open it headless, press keys, wait, read screenshots."""

import threading
import time

import numpy as np
import pygame

from engine.config import load_config
from installation.show.assemble import open_show


def open_test_show(tmp_path, *settings, networks=0, duration=0.0):
    config = load_config(
        None,
        [
            "screen.window_width=320",
            "screen.window_height=240",
            "screen.grain=0",
            "screen.hold_s=1000",  # one dream all along: changes come from the networks
            f"screen.screenshot_dir={tmp_path}",
            "poet.enabled=false",  # tests of the poet in the show turn it on
            "voice.device=none",  # silent, in real time, even where there are speakers
            "osc.port=0",  # any free port: never two tests on 9000
            "web.port=0",  # nor on 8080
            "state.enabled=false",  # a blank mind, unless a test of the saves names a folder
            *settings,
        ],
    )
    return open_show(config, fullscreen=False, networks_limit=networks, duration_s=duration)


def tiny_poet(cache, model) -> list[str]:
    """Settings for a show whose poet is the tiny test model (quick, and writes nonsense, so
    corpus lines stand in)."""
    return ["poet.enabled=true", f"poet.cache_dir={cache}", f"poet.model={model}",
            "poet.adapter=", "poet.max_new_tokens=8"]  # fmt: skip


def press(key: int) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=""))


def when(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the show did not get there in time"
        time.sleep(0.01)


def picture(path) -> np.ndarray:
    """The letterboxed picture's square in a screenshot, as a grey array."""
    image = pygame.surfarray.array3d(pygame.image.load(str(path))).swapaxes(0, 1)
    height, width = image.shape[:2]
    left = (width - height) // 2
    return image[40:height, left : left + height].mean(axis=2)  # below the HUD's lines


def bottom(path) -> np.ndarray:
    """The bottom fifth of a screenshot, where subtitles are set, as a grey array."""
    image = pygame.surfarray.array3d(pygame.image.load(str(path))).swapaxes(0, 1)
    return image[-image.shape[0] // 5 :].mean(axis=2)


def run_with(show, actions, end_with_actions: bool = True):
    """Run the show on this thread while `actions` play on another; the show ends with them
    (or, with end_with_actions=False, at its own limit), and what they raised is raised here."""
    errors = []

    def person():
        try:
            actions()
        except BaseException as error:  # report it in the test, and end the show
            errors.append(error)
            show.stop()
        finally:
            if end_with_actions:
                show.stop()

    helper = threading.Thread(target=person)
    helper.start()
    summary = show.run()
    helper.join()
    if errors:
        raise errors[0]
    assert summary.threads_left == []
    return summary
