"""The poet: the real bundled model, and a tiny model for the fast paths."""

import logging
import threading
import time

import numpy as np
import pytest
import torch

from engine.config import PoetConfig
from engine.poet.adapter import AdapterError, attach_lora, load_adapter, save_adapter
from engine.poet.candidates import Candidate
from engine.poet.corpus import Corpus
from engine.poet.language_model import PoetError, check_poet_model, load_language_model
from engine.poet.prosody import syllables
from engine.poet.teacher import held_out_loss, save_model, teach
from engine.poet.verse import clean_corpus_line
from engine.poet.writer import Poet, open_poet
from installation.voice.poet_thread import PoetThread


def make_poet(cache, model_dir, **settings) -> Poet:
    model, tokenizer, _ = load_language_model(str(model_dir), torch.device("cpu"), cache)
    return Poet(PoetConfig(**settings), Corpus.load(cache), model, tokenizer)


@pytest.mark.slow
def test_the_bundled_model_writes_verse(poet_cache, default_model_dir, caplog):
    assert (default_model_dir / "config.json").is_file()
    assert not list(default_model_dir.parent.glob(".*partial"))  # nothing half-written left
    with caplog.at_level(logging.INFO):
        model, tokenizer, name = load_language_model("", torch.device("cpu"), poet_cache)
    assert "preparing" not in caplog.text  # the cached folder was used, not the GGUF file
    assert name == "SmolLM2-135M-Instruct" and model.dtype == torch.float32
    poet = Poet(
        PoetConfig(lines_per_stanza=3, stanzas=1), Corpus.load(poet_cache), model, tokenizer
    )
    poem = next(poet.poems(1))
    assert len(poem.lines) == 3 and poem.title
    assert poet.generated_lines >= 2  # the model wrote them; the corpus stood in at most once
    for line in poem.lines:
        assert clean_corpus_line(line) == line  # each passes the verse rules


@pytest.mark.slow
def test_a_failing_model_gives_way_to_corpus_lines(poet_cache, tiny_model_dir):
    poet = make_poet(poet_cache, tiny_model_dir, lines_per_stanza=2, stanzas=1, max_new_tokens=16)
    poem = next(poet.poems(2))  # an untrained model writes no verse
    assert len(poem.lines) == 2
    assert poet.corpus_lines >= 1


def test_a_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PoetError, match="no transformers model folder"):
        load_language_model(str(tmp_path / "nowhere"), torch.device("cpu"), tmp_path)
    with pytest.raises(PoetError, match="no config.json"):
        load_language_model(str(tmp_path), torch.device("cpu"), tmp_path)
    for written in (".\\models\\mine", "..\\mine", "./mine"):  # as Windows users write them
        with pytest.raises(PoetError, match="no transformers model folder"):
            check_poet_model(written)


def test_a_hub_id_offline_falls_back_to_the_bundled_model(poet_cache, default_model_dir, caplog):
    with caplog.at_level(logging.WARNING):
        _, _, name = load_language_model("someone/some-model", torch.device("cpu"), poet_cache)
    assert name == "SmolLM2-135M-Instruct" and "HF_HUB_OFFLINE" in caplog.text


def wait_until_full(thread: PoetThread) -> None:
    deadline = time.monotonic() + 60
    while not thread.lines.full():
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.mark.slow
def test_the_poet_thread_fills_its_queue_then_sleeps(poet_cache, tiny_model_dir):
    stop = threading.Event()
    thread = PoetThread(
        lambda abort, progress: make_poet(poet_cache, tiny_model_dir, max_new_tokens=16),
        capacity=5,
        stop=stop,
    )
    thread.start()
    try:
        wait_until_full(thread)
        deadline = time.monotonic() + 60
        while thread.lines_written <= 5:  # the next line in hand, waiting for room
            assert time.monotonic() < deadline
            time.sleep(0.05)
        written = thread.poet.generated_lines + thread.poet.corpus_lines
        cpu = time.process_time()
        time.sleep(1.0)
        assert thread.poet.generated_lines + thread.poet.corpus_lines <= written + 4  # one poem
        assert time.process_time() - cpu < 0.5  # waiting, not spinning
        first = thread.next_line()
        assert first.first_of_poem and first.text
    finally:
        stop.set()
        thread.thread.join(5)
    assert not thread.thread.is_alive()


@pytest.mark.slow
def test_the_poet_thread_survives_a_failing_model(poet_cache, tiny_model_dir):
    attempts = []

    def flaky(abort, progress):
        attempts.append(1)
        if len(attempts) == 1:
            raise RuntimeError("the model fell over")
        return make_poet(poet_cache, tiny_model_dir, max_new_tokens=16)

    stop = threading.Event()
    thread = PoetThread(flaky, capacity=2, stop=stop, retry_s=0.1)
    thread.start()
    try:
        wait_until_full(thread)
        assert thread.failures == 1 and len(attempts) == 2
    finally:
        stop.set()
        thread.thread.join(5)


@pytest.mark.slow
def test_teaching_lowers_the_held_out_loss(tmp_path, poet_cache, tiny_model_dir):
    model, tokenizer, _ = load_language_model(str(tiny_model_dir), torch.device("cpu"), poet_cache)
    corpus = Corpus.load(poet_cache)
    torch.manual_seed(0)
    lesson = teach(model, tokenizer, corpus, steps=30, batch=4, learning_rate=3e-3, block=64)
    before, after = lesson.loss_before, lesson.loss_after
    assert after < before - 0.5, (before, after)
    assert lesson.steps == 30 and lesson.tokens > 30 * 4 * 10
    out = tmp_path / "taught"
    save_model(model, tokenizer, out)
    reloaded, tokenizer2, name = load_language_model(str(out), torch.device("cpu"), poet_cache)
    assert name == "taught"
    again = held_out_loss(reloaded, tokenizer2, corpus, block=64)
    assert abs(again - after) < 1e-3
    with pytest.raises(PoetError, match="not empty"):
        save_model(model, tokenizer, out)


def test_prompts_come_from_the_corpus_in_order(poet_cache):
    corpus = Corpus.load(poet_cache)
    passage = corpus.passage(np.random.default_rng(0), 6)
    assert len(passage) == 6
    index = next(i for i in range(len(corpus)) if corpus.line(i) == passage[0])
    assert [corpus.line(index + k) for k in range(6)] == passage


@pytest.mark.slow
def test_lines_come_one_at_a_time_with_their_place_in_the_poem(poet_cache, tiny_model_dir):
    poet = make_poet(poet_cache, tiny_model_dir, lines_per_stanza=2, stanzas=2, max_new_tokens=8)
    stream = poet.lines()
    lines = [next(stream) for _ in range(5)]
    assert [x.first_of_poem for x in lines] == [True, False, False, False, True]
    assert [x.last_of_stanza for x in lines] == [False, True, False, True, False]
    assert [x.last_of_poem for x in lines] == [False, False, False, True, False]
    assert len({x.poem_title for x in lines[:4]}) == 1 and all(x.text for x in lines)


class RecordingSampler:
    """Stands in for the model: offers known verse, and keeps every context it was given."""

    def __init__(self, lines):
        self.contexts, self.lines = [], iter(lines)

    def sample(self, contexts, per_context, abort=None, targets=None):
        self.contexts += contexts
        return [[Candidate(next(self.lines), -1.0)] for _ in contexts]


def test_a_poem_continues_itself(poet_cache, tiny_model_dir):
    poet = make_poet(poet_cache, tiny_model_dir, lines_per_stanza=4, stanzas=1)
    verse = [line for line in map(poet.corpus.line, range(0, 4000, 7)) if 6 <= syllables(line)]
    poet.sampler = RecordingSampler(verse)
    poet.filter.vocabulary = None  # the test's slice of the corpus is small
    lines = []
    for line in poet.lines():
        lines.append(line.text)
        if line.last_of_poem:
            break
    contexts = poet.sampler.contexts
    assert len(contexts[0].splitlines()) == poet.config.prompt_lines  # a corpus passage
    passage = contexts[0].splitlines()
    taken = []
    for context in contexts:  # then the poem's own lines so far, in order, after the passage
        read = context.splitlines()
        so_far = [line for line in read if line not in passage]
        assert so_far == lines[: len(so_far)] and read[len(read) - len(so_far) :] == so_far
        assert read[: len(read) - len(so_far)] == passage[len(so_far) :]
        taken.append(len(so_far))
    assert taken == sorted(taken) and taken[-1] == len(lines) - 1


def test_an_adapter_is_saved_small_and_loads(tmp_path, poet_cache, tiny_model_dir):
    model, tokenizer, _ = load_language_model(str(tiny_model_dir), torch.device("cpu"), poet_cache)
    ids = tokenizer("The curfew tolls", return_tensors="pt")["input_ids"]
    bare = model(ids).logits
    taught = attach_lora(model)
    for name, weight in taught.named_parameters():
        if "lora_B" in name:
            torch.nn.init.normal_(weight, std=0.5)  # as if it had learned something
    expected = taught.eval()(ids).logits  # no dropout
    save_adapter(taught, tmp_path / "adapter", {"steps": 1})
    assert (tmp_path / "adapter" / "provenance.json").is_file()
    weights = (tmp_path / "adapter" / "adapter_model.safetensors").stat().st_size
    lora = sum(w.numel() for n, w in taught.named_parameters() if "lora_" in n)
    assert weights < lora * 2 + 100_000  # half precision
    fresh, _, _ = load_language_model(str(tiny_model_dir), torch.device("cpu"), poet_cache)
    loaded = load_adapter(fresh, str(tmp_path / "adapter"))
    assert not torch.allclose(loaded(ids).logits, bare, atol=1e-3)
    assert torch.allclose(loaded(ids).logits, expected, atol=2e-2)  # saved in half precision
    assert load_adapter(fresh, "") is fresh  # "": the bare model


def test_a_damaged_adapter_is_an_error_or_a_warning(tmp_path, poet_cache, tiny_model_dir, caplog):
    folder = tmp_path / "adapter"
    folder.mkdir()
    (folder / "adapter_config.json").write_text("{}")
    (folder / "adapter_model.safetensors").write_bytes(b"not a tensor file")
    settings = dict(model=str(tiny_model_dir), cache_dir=str(poet_cache), adapter=str(folder))
    with pytest.raises(AdapterError, match="cannot be loaded"):
        open_poet(PoetConfig(**settings))
    with pytest.raises(AdapterError, match="no LoRA adapter"):
        open_poet(PoetConfig(**{**settings, "adapter": str(tmp_path / "nowhere")}))
    with caplog.at_level(logging.WARNING):
        poet = open_poet(PoetConfig(**settings), lenient=True)  # the live show goes on
    assert "bare" in caplog.text and poet.model is not None


def test_the_live_poet_writes_ahead_only_what_the_voice_waits_for():
    """By default the poet keeps the voice's lead written ahead, two stanzas, and no more: lines
    written further ahead are work taken from the mind in its first minutes (BENCHMARKS.md)."""
    poet = PoetConfig()  # config.toml's, as tests/test_config.py keeps them
    assert poet.queue_lines == 2 * poet.lines_per_stanza == 8
