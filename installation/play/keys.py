"""The keys of the live show (README: The show). Each does what its OSC address does, through
the same controls; 1 to 9 load the presets named "1" to "9", Shift+1..9 save them."""

import pygame


def handle_events(show) -> None:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            show.stop()
        elif event.type == pygame.KEYDOWN:
            press(show, event.key, event.mod)


PRESET_KEYS = {getattr(pygame, f"K_{n}"): str(n) for n in range(1, 10)}


def press(show, key: int, mod: int = 0) -> None:
    controls = show.controls
    if key in PRESET_KEYS:
        saving = mod & pygame.KMOD_SHIFT
        controls.apply("preset_save" if saving else "preset_load", PRESET_KEYS[key])
    elif key in (pygame.K_ESCAPE, pygame.K_q):
        show.stop()
    elif key == pygame.K_f:
        show.window.toggle_fullscreen()
    elif key == pygame.K_h:
        controls.apply("hud", int(not show.stage.hud_on))
    elif key == pygame.K_t:
        controls.apply("subtitles", int(not show.stage.subtitles_on))
    elif key == pygame.K_SPACE:
        controls.resume() if controls.paused else controls.pause()
    elif key == pygame.K_s:
        show.screenshot()
    elif key == pygame.K_r:
        controls.record_stop() if show.recording is not None else controls.record_start()
