"""The poet's one-time preparation (issue 33): `dreams prepare` makes its cache ready ahead of
the first show, each step with its progress, and is quick once it is; `bin/start` runs it before
the show; an interrupted step leaves nothing half-made; `dreams write` and a cut show the step;
the show says quietly that the poet is waking until its first line is spoken."""

import queue
import shutil
import threading
import time

import pytest

from engine.config import load_config
from engine.poet.corpus import corpus_path, words_path
from engine.poet.language_model import default_model_folder, model_folder_in
from engine.poet.preparation import COUNTING, Step
from engine.poet.writer import PoemLine
from installation.cut.report import Progress
from installation.voice.narrator import Narrator
from installation.voice.poet_thread import PREPARING, WAKING
from tests.conftest import run_dreams
from tests.showkit import open_test_show, run_with, tiny_poet, when
from tests.test_setup_plan import setup
from tests.test_write import poet_settings


def cleaned_only(poet_cache, folder):
    """A cache holding the cleaned corpus only: its words are still to be counted."""
    folder.mkdir()
    for path in (corpus_path(poet_cache), corpus_path(poet_cache).with_suffix(".json")):
        shutil.copy(path, folder / path.name)
    return folder


@pytest.mark.slow
def test_prepare_makes_the_cache_that_a_second_run_finds_ready(poet_cache, tiny_model_dir,
                                                               tmp_path):  # fmt: skip
    cache = cleaned_only(poet_cache, tmp_path / "cache")
    first = run_dreams("prepare", *poet_settings(cache, tiny_model_dir))
    assert first.returncode == 0, first.stderr
    assert f"{COUNTING}: 100%|{'#' * 10}|" in first.stderr  # the step, with its progress bar
    assert "is prepared in" in first.stderr and words_path(cache).is_file()
    began = time.monotonic()
    second = run_dreams("prepare", *poet_settings(cache, tiny_model_dir))
    assert second.returncode == 0 and "prepared already" in second.stderr
    assert COUNTING not in second.stderr and time.monotonic() - began < 30  # no work again


def test_prepare_refuses_a_poet_model_that_is_not_one_in_one_line(tmp_path):
    done = run_dreams("prepare", "--set", f"poet.model={tmp_path / 'nowhere'}")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "INFO" not in line]
    assert "poet.model" in line and "nowhere" in line


@pytest.mark.slow
def test_an_interrupted_unpacking_leaves_no_half_model(tmp_path):
    def interrupt(done, total):
        if done == total - 1:
            raise KeyboardInterrupt  # Ctrl-C between the weights written and the tokenizer

    with pytest.raises(KeyboardInterrupt):
        default_model_folder(tmp_path, interrupt)
    assert not model_folder_in(tmp_path).exists()
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []  # nothing half-made


@pytest.mark.slow
def test_write_shows_the_preparation_before_its_words(poet_cache, tiny_model_dir, tmp_path):
    cache = cleaned_only(poet_cache, tmp_path / "cache")
    book = tmp_path / "book.txt"
    args = ["write", "--words", "20", "--out", str(book), "--batch", "1"]
    done = run_dreams(*args, *poet_settings(cache, tiny_model_dir))
    assert done.returncode == 0, done.stderr
    prepared, words = done.stderr.find(f"{COUNTING}: 100%"), done.stderr.find(" words, poem ")
    assert 0 <= prepared < words


def test_a_cut_waiting_for_the_poet_shows_its_preparation(capsys):
    progress = Progress(time.monotonic())
    progress.poet = lambda: Step(COUNTING, 1_500_000, 3_000_000, "lines")
    progress.show(3, 100, 3, 200, 25)
    assert f"networks/s, the poet, once: {COUNTING} 50%" in capsys.readouterr().err


@pytest.mark.slow
def test_the_show_says_the_poet_is_waking_until_its_first_line(poet_cache, tiny_model_dir,
                                                               tmp_path):  # fmt: skip
    show = open_test_show(tmp_path, *tiny_poet(poet_cache, tiny_model_dir),
                          "poet.lines_per_stanza=1", "poet.stanzas=2")  # fmt: skip
    make_poet, disk = show.poet._make_poet, threading.Event()

    def preparing(abort, progress):  # a preparation that goes on until the test lets it end
        progress(Step(COUNTING, 0, 3_000_000, "lines"))
        disk.wait()
        return make_poet(abort=abort, progress=progress)

    show.poet._make_poet = preparing
    seen = []

    def actions():
        when(lambda: show.current is not None)
        seen.append(show.screen._subtitle(0.0))  # what the screen's subtitle says now
        disk.set()
        when(lambda: show.poet.preparing is None)
        seen.append(show.screen._subtitle(0.0))
        when(lambda: show.narrator.lines_spoken > 0)
        seen.append(show.screen._subtitle(0.0)[0])

    run_with(show, actions)
    assert seen[0][0] == PREPARING and 0 < seen[0][1] < 1  # said quietly
    assert seen[1][0] == WAKING
    assert seen[2] not in (PREPARING, WAKING) and seen[2]


def test_start_prepares_the_poet_with_the_shows_settings_then_runs_the_show():
    args = ["--windowed", "--set", "poet.cache_dir=/x", "--config=my.toml", "--duration", "5"]
    prepare, run = setup.start_commands("dreams", args)
    assert prepare == ["dreams", "prepare", "--set", "poet.cache_dir=/x", "--config=my.toml"]
    assert run == ["dreams", "run", *args]
    assert setup.start_commands("dreams", ["--help"]) == [["dreams", "run", "--help"]]


def test_a_slow_poet_is_heard_without_waiting_for_its_whole_lead():
    """On a busy CPU the poet writes a line in 20 s: the voice does not wait for two stanzas."""
    lines, stop = queue.Queue(maxsize=24), threading.Event()
    lines.put(PoemLine("The morning wakes the sleeping hill", "The Morning", True, False, False))
    narrator = Narrator(load_config(None, ["voice.device=none"]).voice, lines, stop, lead=8)
    narrator.lead_wait_s = 0.5
    narrator.thread.start()
    try:
        when(lambda: narrator.lines_spoken == 1, timeout=20)
    finally:
        stop.set()
        narrator.thread.join(5)
