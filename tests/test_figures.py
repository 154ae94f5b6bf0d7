"""One owner per live value: each thread publishes its figures as a small frozen record in a
latest-value slot, and the others (the saves, the HUD, the summary line) read those records."""

import dataclasses
import threading
import time

import pytest

from engine.config import load_config
from engine.mind.build import Waking, build_mind
from installation.show.dreaming import Dreaming
from installation.show.film_thread import FilmPlace, FilmThread
from installation.threads import LatestSlot, SetLearningRate, SetPaused
from installation.voice.poet_thread import PoetCount


def a_dreaming(shapes_film, poet_lines: int = 0) -> Dreaming:
    config = load_config(None, [f"film.source={shapes_film}", "dream.resolution=32",
                                "dream.width=8", "dream.batch_size=4"])  # fmt: skip
    mind = build_mind(config)
    mind.watch(16)
    return Dreaming(mind, threading.Event(), Waking(poet_lines=poet_lines))


def test_the_trainer_thread_publishes_its_figures_after_each_step_and_request(shapes_film):
    dreaming = a_dreaming(shapes_film)
    first = dreaming.figures.latest()
    assert (first.number, first.learning_rate, first.batch_size, first.rebirths, first.paused) == (
        0, 2e-4, 4, 0, False)  # fmt: skip
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.number = 1
    dreaming.inbox.send(SetLearningRate(1e-3))
    dreaming.inbox.send(SetPaused(True))
    dreaming._apply_requests()
    asked = dreaming.figures.latest()
    assert (asked.learning_rate, asked.paused, first.learning_rate) == (1e-3, True, 2e-4)
    network = dreaming._steps(3)
    assert dreaming.figures.latest().number == network.number == 3
    dreaming._out_of_memory()  # on a CPU too: the batch halves, and the figures say so
    assert dreaming.figures.latest().batch_size == 2 == dreaming.trainer.batch_size


def test_a_save_reads_the_film_s_place_and_the_poet_s_count_from_their_records(shapes_film):
    dreaming = a_dreaming(shapes_film, poet_lines=7)
    film = dreaming.mind.film
    assert dreaming.save()["film"] == {"name": film.name, "position": 0}
    dreaming.film_place = LatestSlot(FilmPlace(film.name, 42))
    dreaming.poet_count = LatestSlot(PoetCount(5))
    save = dreaming.save()
    assert save["film"] == {"name": film.name, "position": 42} and save["poet_lines"] == 12


def test_the_film_thread_publishes_its_place_as_it_reads(shapes_film):
    dreaming, stop = a_dreaming(shapes_film), threading.Event()
    mind = dreaming.mind
    watcher = FilmThread(mind.config, mind.film, mind.memory, stop)
    assert watcher.place.latest() == FilmPlace(mind.film.name, mind.film.position)
    watcher.thread.start()
    deadline = time.monotonic() + 30
    try:
        while watcher.place.latest().position < 5 and time.monotonic() < deadline:
            stop.wait(0.01)
    finally:
        stop.set()
        watcher.thread.join(2)
    place = watcher.place.latest()
    assert place.name == mind.film.name and place.position >= 5 and place.frames_skipped == 0
