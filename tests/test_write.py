"""`dreams write` and `dreams teach-poet` as a person runs them."""

import json
import re
import signal
import subprocess
import time

import pytest

from engine.poet.book import Book
from engine.poet.writer import Poem
from tests.conftest import DREAMS, ROOT, as_options, run_dreams


def poet_settings(cache, model):
    """The tiny model writes no verse, so corpus lines stand in: keep poems short and quick."""
    small = ["poet.stanzas=1", "poet.lines_per_stanza=2", "poet.max_new_tokens=8"]
    settings = [f"poet.cache_dir={cache}", f"poet.model={model}", "poet.adapter=", *small]
    return as_options(settings)


def ctrl_c_works() -> None:
    """In the child: Ctrl-C as at a terminal, even where the tests run in the background (a shell
    starts background jobs with SIGINT ignored, and a child inherits that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def headings(path) -> list[int]:
    return [int(n) for n in re.findall(r"^(\d+)\. ", path.read_text(), re.MULTILINE)]


@pytest.mark.slow
def test_a_book_is_written_and_continued(tmp_path, poet_cache, tiny_model_dir):
    book = tmp_path / "book.txt"
    args = ["write", "--words", "40", "--out", str(book), "--batch", "2"]
    first = run_dreams(*args, *poet_settings(poet_cache, tiny_model_dir))
    assert first.returncode == 0, first.stderr
    assert "death index" in first.stdout and "the corpus:" in first.stdout
    assert "stanzas that rhyme" in first.stdout  # the book read beside the corpus
    assert "left unrhymed by choice" in first.stdout  # what became of the rhymes
    row = re.search(r"log-likelihood a token, bare model +(-[\d.]+) +(-[\d.]+)", first.stdout)
    assert row, first.stdout  # the book and the corpus, each scored by the bare model
    numbers = headings(book)
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    second = run_dreams(*args, *poet_settings(poet_cache, tiny_model_dir))
    assert second.returncode == 0, second.stderr
    assert "continuing" in second.stderr
    more = headings(book)
    assert more[: len(numbers)] == numbers and len(more) > len(numbers)
    assert more == list(range(1, len(more) + 1))


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGINT, getattr(signal, "SIGHUP", signal.SIGTERM)])
def test_ctrl_c_or_a_closed_terminal_leaves_a_valid_book(signum, tmp_path, poet_cache,
                                                         tiny_model_dir):  # fmt: skip
    book = tmp_path / "book.txt"
    args = ["write", "--words", "1000000", "--out", str(book), "--batch", "2"]
    process = subprocess.Popen(
        [*DREAMS, *args, *poet_settings(poet_cache, tiny_model_dir)],
        cwd=ROOT,
        preexec_fn=ctrl_c_works,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not (book.exists() and len(headings(book)) >= 2):
            assert time.monotonic() < deadline and process.poll() is None
            time.sleep(0.1)
        process.send_signal(signum)  # a closed terminal ends it as Ctrl-C does
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "interrupted" in err and "Traceback" not in err
    text = book.read_text()
    assert text.endswith("\n\n\n")
    numbers = headings(book)
    assert numbers == list(range(1, len(numbers) + 1))


def test_a_half_written_poem_is_cut_off_when_the_book_is_opened(tmp_path):
    path = tmp_path / "book.txt"
    book = Book(path)
    book.append(Poem("The grey sea", [["The grey sea whispers to the land,", "And all is still."]]))
    with open(path, "a") as file:
        file.write("2. Half a po")  # the power went out here
    reopened = Book(path)
    assert reopened.poems == 1 and reopened.last_number == 1 and reopened.words == 11
    assert path.read_text().endswith("still.\n\n\n")


@pytest.mark.slow
def test_a_bad_model_path_is_one_clear_line(tmp_path):
    for command in (["write", "--words", "5", "--out", str(tmp_path / "b.txt")], ["run"]):
        result = run_dreams(*command, "--set", "poet.model=/no/such/poet")
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        (line,) = [x for x in result.stderr.splitlines() if "error:" in x]
        assert "/no/such/poet" in line


@pytest.mark.slow
def test_teach_poet_saves_a_poet_that_can_be_named(tmp_path, poet_cache, tiny_model_dir):
    out = tmp_path / "taught"
    result = run_dreams(
        "teach-poet", "--out", str(out), "--steps", "3", "--batch", "2",
        *poet_settings(poet_cache, tiny_model_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert (out / "config.json").is_file() and "held-out loss" in result.stdout
    again = run_dreams("teach-poet", "--out", str(out), *poet_settings(poet_cache, tiny_model_dir))
    assert again.returncode == 2 and "not empty" in again.stderr


@pytest.mark.slow
def test_teach_poet_lora_lowers_the_held_out_loss_and_says_how(
    tmp_path, poet_cache, tiny_model_dir
):
    out = tmp_path / "adapter"
    result = run_dreams(
        "teach-poet", "--lora", "--out", str(out), "--steps", "12", "--batch", "2",
        "--learning-rate", "0.05", *poet_settings(poet_cache, tiny_model_dir),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    before, after = map(float, re.search(r"loss ([\d.]+) -> ([\d.]+)", result.stdout).groups())
    assert after < before - 0.05, result.stdout
    made = json.loads((out / "provenance.json").read_text())
    assert made["steps"] == 12 and made["tokens_seen"] > 0 and "--lora" in made["command"]
    assert made["held_out_loss_after"] < made["held_out_loss_before"]
    assert (out / "adapter_model.safetensors").stat().st_size < 2_000_000
    book = tmp_path / "book.txt"
    settings = [*poet_settings(poet_cache, tiny_model_dir), "--set", f"poet.adapter={out}"]
    wrote = run_dreams("write", "--words", "10", "--out", str(book), *settings)
    assert wrote.returncode == 0, wrote.stderr
    assert "adapter" in wrote.stderr and book.read_text()


@pytest.mark.slow
def test_an_adapter_is_taught_further_and_counts_all_it_learned(
    tmp_path, poet_cache, tiny_model_dir
):
    first, further = tmp_path / "first", tmp_path / "further"
    args = ["--batch", "2", "--learning-rate", "0.05", *poet_settings(poet_cache, tiny_model_dir)]
    taught = run_dreams("teach-poet", "--lora", "--out", str(first), "--steps", "8", *args)
    assert taught.returncode == 0, taught.stderr
    again = run_dreams(
        "teach-poet", "--lora", "--from", str(first), "--out", str(further), "--steps", "6", *args
    )
    assert again.returncode == 0, again.stderr
    before, after = map(float, re.search(r"loss ([\d.]+) -> ([\d.]+)", again.stdout).groups())
    earlier = json.loads((first / "provenance.json").read_text())
    made = json.loads((further / "provenance.json").read_text())
    # it went on from where the first adapter stopped, and learned more
    assert abs(before - earlier["held_out_loss_after"]) < 0.01, again.stdout
    assert after < before, again.stdout
    assert made["steps"] == 14 and made["steps_this_time"] == 6
    assert made["tokens_seen"] > earlier["tokens_seen"]
    assert made["held_out_loss_before"] == earlier["held_out_loss_before"]
    assert made["went_on_from"] == earlier and "--from" in made["command"]


def test_from_is_refused_without_lora_or_an_adapter(tmp_path):
    without = run_dreams("teach-poet", "--from", "bundled", "--out", str(tmp_path / "a"))
    assert without.returncode == 2 and "add --lora" in without.stderr, without.stderr
    nowhere = tmp_path / "nowhere"
    missing = run_dreams(
        "teach-poet", "--lora", "--from", str(nowhere), "--out", str(tmp_path / "b")
    )
    assert missing.returncode == 2 and "Traceback" not in missing.stderr, missing.stderr
    (line,) = [x for x in missing.stderr.splitlines() if "error:" in x]
    assert line.startswith("dreams: error: --from:") and str(nowhere) in line


@pytest.mark.slow
def test_a_missing_or_damaged_adapter_is_one_clear_line(tmp_path, poet_cache, tiny_model_dir):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "adapter_config.json").write_text('{"peft_type": "LORA"}')
    (damaged / "adapter_model.safetensors").write_bytes(b"\0" * 64)
    for adapter in (tmp_path / "nowhere", damaged):
        settings = [*poet_settings(poet_cache, tiny_model_dir), "--set", f"poet.adapter={adapter}"]
        for command in (["write", "--words", "5"], ["teach-poet", "--steps", "1"]):
            out = tmp_path / "out"
            result = run_dreams(*command, "--out", str(out), *settings)
            assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
            (line,) = [x for x in result.stderr.splitlines() if "error:" in x]
            assert str(adapter) in line and "poet.adapter" in line


@pytest.mark.slow
def test_ctrl_c_keeps_what_the_poet_learned_and_how_to_learn_it_again(
    tmp_path, poet_cache, tiny_model_dir
):
    out = tmp_path / "adapter"
    args = ["teach-poet", "--lora", "--out", str(out), "--steps", "100000", "--batch", "2"]
    args += poet_settings(poet_cache, tiny_model_dir)
    process = subprocess.Popen(
        [*DREAMS, *args],
        cwd=ROOT, preexec_fn=ctrl_c_works, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        said = ""
        while "step 3/" not in said:  # the progress line is rewritten with \r, not \n
            assert process.poll() is None, said
            said += process.stderr.read(1)
        process.send_signal(signal.SIGINT)
        out_text, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "interrupted" in err and "Traceback" not in err
    made = json.loads((out / "provenance.json").read_text())
    assert made["steps"] >= 3 and f"--steps {made['steps']}" in made["command"]
    assert "100000" not in made["command"] and str(made["steps"]) in out_text


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="no SIGKILL on Windows")
def test_a_lesson_killed_outright_has_kept_what_it_learned_for_from(
    tmp_path, poet_cache, tiny_model_dir
):
    out, further = tmp_path / "adapter", tmp_path / "further"
    settings = poet_settings(poet_cache, tiny_model_dir)
    args = ["teach-poet", "--lora", "--out", str(out), "--steps", "100000", "--batch", "2"]
    process = subprocess.Popen(
        [*DREAMS, *args, "--keep-every", "0", *settings],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        said, deadline = "", time.monotonic() + 300
        while "kept 3 steps" not in said:
            assert process.poll() is None and time.monotonic() < deadline, said
            said += process.stderr.read(1)
        process.kill()  # a lost session or a pulled plug: no handler runs, nothing is saved now
        process.wait(timeout=60)
    finally:
        process.kill()
    made = json.loads((out / "provenance.json").read_text())
    assert made["steps"] >= 3 and f"--steps {made['steps']}" in made["command"]
    assert made["held_out_loss_after"] > 0
    again = run_dreams(
        "teach-poet", "--lora", "--from", str(out), "--out", str(further), "--steps", "2",
        "--batch", "2", *settings,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads((further / "provenance.json").read_text())["steps"] == made["steps"] + 2
