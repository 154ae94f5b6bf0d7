"""Short cuts are real cuts: the title and credits scale with the cut, a 60-network cut is
narrated, and the credits name a film by its name, never by the folders it lies in."""

import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from engine.assets import DEFAULT_FILM_CREDIT, default_film
from engine.config import load_config
from engine.mind.film import FilmSource
from installation.cut.plan import CutPlan, credits_card, title_card
from tests.conftest import run_dreams
from tests.cutkit import sound, subtitles, video_frames
from tests.test_record import poet

FPS = 30  # the default


def test_a_short_cuts_title_and_credits_take_at_most_a_fifth_of_it():
    config = load_config()
    for networks in (1, 60, 300, 1799):
        plan = CutPlan.from_config(config, networks, FPS)
        cards = plan.title_frames + plan.credits_frames
        assert cards * 5 <= plan.total_frames, networks
        assert plan.credits_frames >= plan.title_frames  # in the configured proportion, 5 to 10
    plan = CutPlan.from_config(config, 60, FPS)  # 2 s of dreams
    assert (plan.title_frames, plan.credits_frames) == (5, 10)


def test_a_long_cut_keeps_the_configured_title_and_credits():
    config = load_config(None, ["record.title_s=5", "record.credits_s=10"])
    for networks in (1800, 24483):  # from 60 s of dreams on, 15 s of cards is a fifth or less
        plan = CutPlan.from_config(config, networks, FPS)
        assert (plan.title_frames, plan.credits_frames) == (150, 300), networks


def test_the_credits_hold_a_line_that_runs_past_the_dreams():
    plan = CutPlan.from_config(load_config(), 60, FPS)
    assert plan.holding(1.5) == plan  # ends within the dreams: as planned
    held = plan.holding(3.0)  # a second past the dreams: that second and a fade
    assert held.credits_frames == 2 * FPS and held.total_frames == plan.total_frames + 50
    assert plan.line_limit_s == 2.0 + 10 - 1  # never longer than record.credits_s


def test_the_credits_name_a_film_by_its_name_never_its_folders(tmp_path, shapes_film):
    folder = tmp_path / ("a_long_folder_name_" * 4) / "deeper"
    folder.mkdir(parents=True)
    path = shutil.copy(shapes_film, folder / "Night_Walk.mp4")
    config = load_config()
    film = FilmSource(str(path), 64)
    try:
        shown = "\n".join(title_card(60, film) + credits_card(60, film, config, (64, 112)))
    finally:
        film.close()
    assert "Film: Night_Walk.mp4" in shown and "to see Night Walk" in shown
    assert "a_long_folder_name_" not in shown and "deeper" not in shown
    bundled = FilmSource(str(default_film()), 64)  # the bundled clip named by its path
    try:
        credits = "\n".join(credits_card(60, bundled, config, (64, 112)))
    finally:
        bundled.close()
    assert f"Film: {DEFAULT_FILM_CREDIT}" in credits and "site-packages" not in credits
    stream = SimpleNamespace(
        is_default=False, kind="stream", name="rtsp://artist:secret@cam.example:8554/live?key=k"
    )
    credits = "\n".join(credits_card(60, stream, config, (64, 112)))
    assert "Film: rtsp://cam.example:8554/live" in credits
    assert "secret" not in credits and "key=k" not in credits


@pytest.mark.slow
def test_a_60_network_cut_is_narrated_from_its_first_seconds(tmp_path, poet_cache, tiny_model_dir):
    out = tmp_path / "cut.mp4"
    result = run_dreams("record", "--networks", "60", "--out", str(out), "--size", "320x180",
                        *poet(poet_cache, tiny_model_dir), timeout=600)  # fmt: skip
    assert result.returncode == 0, result.stderr
    plan = CutPlan.from_config(load_config(), 60, FPS)
    entries = subtitles(out.with_suffix(".srt"))
    assert entries, "no line in the .srt"
    assert entries[0][0] <= plan.title_s + 1.0  # within the first second of the dreams
    samples, rate = sound(out)
    after_title = samples[int(plan.title_s * rate) :]
    windows = after_title[: len(after_title) // 4800 * 4800].reshape(-1, 4800)  # 0.1 s each
    assert np.sqrt(np.mean(windows**2, axis=1)).max() > 0.01  # a voice, not silence
    length = len(video_frames(out)) / FPS
    assert entries[-1][1] <= length - 0.5  # the last line ends before the credits do
    assert np.abs(samples[int((entries[-1][1] + 0.1) * rate) :]).max() < 1e-3
