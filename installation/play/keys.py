"""The keys of the live show (README: The show). Each does what its OSC address does, through
the same controls."""

import pygame


def handle_events(show) -> None:
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            show.stop()
        elif event.type == pygame.KEYDOWN:
            press(show, event.key)


def press(show, key: int) -> None:
    controls = show.controls
    if key in (pygame.K_ESCAPE, pygame.K_q):
        show.stop()
    elif key == pygame.K_f:
        show.window.toggle_fullscreen()
    elif key == pygame.K_h:
        controls.hud(not show.stage.hud_on)
    elif key == pygame.K_t:
        controls.subtitles(not show.stage.subtitles_on)
    elif key == pygame.K_SPACE:
        controls.resume() if controls.paused else controls.pause()
    elif key == pygame.K_s:
        show.screenshot()
    elif key == pygame.K_r:
        controls.record_stop() if show.recording is not None else controls.record_start()
