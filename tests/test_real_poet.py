"""The real poet (the bundled SmolLM2 and its bundled adapter) feeding a show and a cut: its own
lines, not corpus lines standing in for rejected ones, are spoken and subtitled. Every other show
and cut test uses a tiny untrained model whose lines are always rejected."""

import queue

import numpy as np
import pygame
import pytest

from engine.poet.corpus import Corpus
from installation.threads import Listen
from tests.conftest import as_options, run_dreams
from tests.cutkit import sound, subtitles
from tests.showkit import open_test_show, press, run_with, when

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process


def real_poet(cache) -> list[str]:
    """The bundled model ("" is SmolLM2, prepared in `cache` by default_model_dir) and adapter;
    one line written ahead, so that the voice begins with the first."""
    return ["poet.enabled=true", f"poet.cache_dir={cache}", "poet.model=",
            "poet.adapter=bundled", "poet.queue_lines=1", "voice.line_pause_s=0.3"]  # fmt: skip


def corpus_lines(cache) -> set[str]:
    """Every line of the corpus the poet reads: what stands in when its own lines are rejected."""
    corpus = Corpus.load(cache)
    return {corpus.line(i) for i in range(len(corpus))}


def test_the_show_speaks_and_subtitles_the_poets_own_line(
    tmp_path, shapes_film, poet_cache, default_model_dir
):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", *real_poet(poet_cache))
    heard, subtitled, first = queue.Queue(), set(), []
    show.narrator.inbox.send(Listen(heard))
    draw = show.screen.window.draw

    def drawn(picture, hud, footer, subtitle, fade):  # the frame as it goes to the screen
        if subtitle and fade > 0:
            subtitled.add(subtitle)
        draw(picture, hud, footer, subtitle, fade)

    show.screen.window.draw = drawn

    def person():
        when(lambda: show.current is not None)
        press(pygame.K_SPACE)  # learning paused: a core for the poet
        first.append(heard.get(timeout=120))  # the first line the narrator speaks
        when(lambda: first[0].text in subtitled, timeout=10)

    run_with(show, person)
    line = first[0]
    assert np.sqrt(np.mean(line.audio**2)) > 0.02 and line.gain == 1.0  # spoken aloud
    stood_in = line.text in corpus_lines(poet_cache)
    assert not stood_in, f"a corpus line stood in for the poet's own: {line.text!r}"


def test_a_cut_speaks_subtitles_and_keeps_the_poets_own_lines(
    tmp_path, poet_cache, default_model_dir
):
    out = tmp_path / "cut.mp4"
    settings = as_options(real_poet(poet_cache))
    result = run_dreams(
        "record", "--out", str(out), "--networks", "12", "--fps", "5", "--size", "320x180",
        "--set", "record.frames_per_network=3", "--set", "record.title_s=1",
        "--set", "record.credits_s=1", *settings, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    entries = subtitles(out.with_suffix(".srt"))
    corpus = corpus_lines(poet_cache)
    own = [(start, end, text) for start, end, text in entries if text not in corpus]
    assert own, f"only corpus lines stood in: {entries}"
    samples, rate = sound(out)
    book = out.with_name("cut.poems.txt").read_text().splitlines()
    for start, end, text in own:
        spoken = samples[int(start * rate) : int(end * rate)]
        assert np.sqrt(np.mean(spoken**2)) > 0.01, text  # heard where its subtitle is
        assert text in book  # and kept in the cut's book of poems
