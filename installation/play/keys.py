"""The keys of the live show (README: The show). Each does what its OSC address does, through
the same controls; 1 to 9 load the presets named "1" to "9", Shift+1..9 save them. The keys are
given what they drive: the controls, the screen, and the show's stop."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pygame

if TYPE_CHECKING:  # play/ never imports show/ to run
    from installation.play.controls import Controls
    from installation.show.screen import Screen


def handle_events(controls: Controls, screen: Screen, stop: Callable[[], None]) -> None:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            stop()
        elif event.type == pygame.KEYDOWN:
            press(controls, screen, stop, event.key, event.mod)


PRESET_KEYS = {getattr(pygame, f"K_{n}"): str(n) for n in range(1, 10)}


def press(controls: Controls, screen: Screen, stop: Callable[[], None], key: int,
          mod: int = 0) -> None:  # fmt: skip
    if key in PRESET_KEYS:
        saving = mod & pygame.KMOD_SHIFT
        controls.apply("preset_save" if saving else "preset_load", PRESET_KEYS[key])
    elif key in (pygame.K_ESCAPE, pygame.K_q):
        stop()
    elif key == pygame.K_f:
        screen.toggle_fullscreen()
    elif key == pygame.K_h:
        controls.apply("hud", int(not screen.hud_on))
    elif key == pygame.K_t:
        controls.apply("subtitles", int(not screen.subtitles_on))
    elif key == pygame.K_SPACE:
        controls.resume() if controls.paused else controls.pause()
    elif key == pygame.K_s:
        screen.screenshot()
    elif key == pygame.K_r:
        controls.toggle_recording()
