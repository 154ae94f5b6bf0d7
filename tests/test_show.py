"""The live show, headless (SDL's dummy driver): real film, real training, real window, keys
posted into pygame's own event queue as a person would press them."""

import threading
import time

import numpy as np
import pygame
import pytest

from engine.config import load_config
from engine.mind.build import Waking, build_mind
from installation.show.dreaming import Dreaming
from tests.showkit import bottom, open_test_show, picture, press, run_with, tiny_poet, when


@pytest.mark.slow
def test_the_show_dreams_the_film_and_every_network_is_seen(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", networks=40)

    def person():
        when(lambda: show.current is not None and show.current.number >= 3)
        press(pygame.K_s)
        when(lambda: show.current.number >= 35)
        press(pygame.K_s)

    summary = run_with(show, person, end_with_actions=False)

    assert summary.networks_created == 40  # the counter equals the steps taken
    assert summary.networks_shown == 40  # one step per frame: every network was on screen
    assert summary.film_frames > 0 and summary.film_frames_skipped == 0
    assert summary.threads_left == []
    assert not [t for t in threading.enumerate() if t.name in ("film", "trainer")]

    shots = sorted(tmp_path.glob("dreams-*.png"))
    assert len(shots) == 2, shots
    early, late = picture(shots[0]), picture(shots[1])
    assert late.std() > 5  # an image, not a blank
    assert np.abs(early - late).mean() > 2  # the networks changed what is on screen
    assert int(shots[1].name.split("-")[1]) >= 35  # named for the network on screen


def test_the_mind_makes_its_next_network_while_the_screen_has_not_taken_the_last(shapes_film):
    """A screen between two frames never holds the mind up: network 2 is made while network 1
    waits to be drawn, and it is put on screen only once 1 was (every network is seen)."""
    config = load_config(None, [f"film.source={shapes_film}", "dream.resolution=32",
                                "dream.width=8", "dream.batch_size=4"])  # fmt: skip
    mind = build_mind(config)
    mind.watch(16)
    stop = threading.Event()
    dreaming = Dreaming(mind, stop, Waking())
    dreaming.thread.start()
    try:
        assert dreaming.slot.wait_put(30)  # network 1, waiting to be drawn
        when(lambda: dreaming.figures.latest().number >= 2, timeout=10)  # 2 made meanwhile
        assert dreaming.slot.take().number == 1  # and not put over it, unseen
        assert dreaming.slot.wait_put(10) and dreaming.slot.take().number == 2  # then 2
    finally:
        stop.set()
        dreaming.thread.join(5)


@pytest.mark.slow
def test_keys_pause_learning_and_quit(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    seen = {}

    def person():
        when(lambda: show.current is not None and show.current.number >= 2)
        press(pygame.K_SPACE)
        when(lambda: show.dreaming.paused)  # the trainer's word: a step in flight has landed
        seen["paused_at"] = show.trainer.number
        time.sleep(1.5)
        seen["still"] = show.trainer.number
        press(pygame.K_SPACE)
        when(lambda: show.trainer.number > seen["still"] + 2)
        press(pygame.K_h)  # the HUD is off by default: H shows it
        when(lambda: show.screen.hud_on)
        press(pygame.K_ESCAPE)

    started = time.monotonic()
    summary = run_with(show, person)
    assert seen["still"] == seen["paused_at"]  # no network was born while paused
    assert summary.networks_created > seen["still"]
    assert summary.threads_left == [] and time.monotonic() - started < 60


def dream_area(path) -> np.ndarray:
    """The middle of a 320 x 240 screenshot's picture, clear of the HUD's lines and the footer,
    as an RGB array of ints."""
    image = pygame.surfarray.array3d(pygame.image.load(str(path))).swapaxes(0, 1)
    return image[105:205, 60:260].astype(int)


@pytest.mark.slow
@pytest.mark.parametrize("settings", [[], ["film.color=true"], ["screen.fit=letterbox"]])
def test_the_show_runs_on_the_bundled_clip(tmp_path, settings):
    """The bundled 16:9 clip dreamt in its own shape, filling the 4:3 window edge to edge (or
    whole between bars, letterboxed), in colour or grey as the film, with no HUD by default."""
    show = open_test_show(tmp_path, *settings, networks=6)

    def person():
        when(lambda: show.current is not None and show.current.number >= 4)
        press(pygame.K_s)

    summary = run_with(show, person, end_with_actions=False)
    assert summary.networks_created == summary.networks_shown == 6
    assert show.film.is_default and show.trainer.size == (64, 112)
    assert not show.screen.hud_on and show.hud_lines() == []
    (shot,) = tmp_path.glob("dreams-*.png")
    dream = dream_area(shot)
    assert dream.std() > 5  # a dream is drawn there, not black behind the HUD's text
    apart = np.abs(dream - dream.mean(axis=2, keepdims=True)).mean()  # channels from their grey
    assert apart > 3 if "film.color=true" in settings else apart == 0  # colour or grey, as the film
    whole = pygame.surfarray.array3d(pygame.image.load(str(shot))).swapaxes(0, 1)
    rows_lit = whole.max(axis=(1, 2)) > 0  # a black bar is a row (or column) of black alone
    assert (whole.max(axis=(0, 2)) > 0).all()  # the dream is as wide as the window in both fits
    if "screen.fit=letterbox" in settings:  # 320 x 183 of picture: a bar of 28 rows above
        assert not rows_lit[:25].any() and rows_lit[30:-30].all()  # (the credit is in the other)
    else:
        assert rows_lit.all()  # edge to edge


def test_a_duration_ends_the_show(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", duration=1.5)
    summary = show.run()
    assert 1.5 <= summary.seconds < 1.5 + 2.5
    assert summary.threads_left == []


@pytest.mark.slow
def test_steps_per_frame_makes_that_many_networks_per_frame_drawn(tmp_path, shapes_film):
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", "dream.steps_per_frame=3", networks=31
    )
    summary = show.run()
    assert summary.networks_created == 31  # the limit holds, not a multiple of 3 past it
    assert summary.networks_shown == 11  # networks 3, 6, ... 30, then 31
    assert show.current.number == 31


@pytest.mark.slow
def test_the_poets_lines_appear_as_subtitles(tmp_path, shapes_film, poet_cache, tiny_model_dir):
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        "screen.zoom=0",
        *tiny_poet(poet_cache, tiny_model_dir),
        "poet.line_s=20",
        "voice.enabled=false",  # no voice: lines show on a timer
    )

    def person():
        when(lambda: show.current is not None)
        press(pygame.K_SPACE)  # pause learning: the picture stays still
        when(lambda: show.screen.subtitles.line is not None)
        time.sleep(1.0)  # past the fade-in
        press(pygame.K_s)
        when(lambda: len(list(tmp_path.glob("dreams-*.png"))) == 1)
        press(pygame.K_t)
        when(lambda: not show.screen.subtitles_on)
        time.sleep(0.2)
        press(pygame.K_s)
        when(lambda: len(list(tmp_path.glob("dreams-*.png"))) == 2)
        press(pygame.K_q)

    summary = run_with(show, person)
    assert summary.threads_left == []
    with_line, without = (bottom(p) for p in sorted(tmp_path.glob("dreams-*.png"))[:2])
    assert np.abs(with_line - without).max() > 100  # letters where the line was
    assert show.screen.subtitles.shown >= 1


@pytest.mark.slow
def test_subtitles_follow_the_voice(tmp_path, shapes_film, poet_cache, tiny_model_dir):
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        "screen.zoom=0",
        *tiny_poet(poet_cache, tiny_model_dir),
        "voice.line_pause_s=4",
        "voice.stanza_pause_s=4",
        "voice.poem_pause_s=4",
    )

    def now_in(lo: float, hi: float) -> bool:
        speaking = show.narrator.now_speaking
        now = time.monotonic()
        return speaking is not None and speaking.started + lo <= now <= speaking.ends + hi

    def person():
        when(lambda: show.current is not None)
        press(pygame.K_SPACE)  # pause learning: the picture stays still
        when(lambda: now_in(0.7, -0.3) and show.narrator.now_speaking.duration_s > 1.2)
        press(pygame.K_s)  # while the line is spoken
        when(lambda: len(list(tmp_path.glob("dreams-*.png"))) == 1)
        when(lambda: now_in(show.narrator.now_speaking.duration_s + 0.3, 3.0))
        press(pygame.K_s)  # after it, in the pause
        when(lambda: len(list(tmp_path.glob("dreams-*.png"))) == 2)
        press(pygame.K_q)

    summary = run_with(show, person)
    assert summary.threads_left == [] and summary.lines_spoken >= 1
    during, after = (bottom(p) for p in sorted(tmp_path.glob("dreams-*.png"))[:2])
    assert np.abs(during - after).max() > 100  # letters while spoken, gone after
