"""`dreams bench`: the poet's words per second at each batch size, against batch 1 and the 2020
film's GPT-2 (selection on: several candidates sampled for every line), and the live poet's
first poems read beside the corpus (engine/poet/critic.py)."""

import time
from dataclasses import replace

from engine.config import Config
from engine.poet.critic import read, read_corpus
from engine.poet.likelihood import book_beside_corpus
from engine.poet.writer import Poet, open_poet

ORIGINAL_WORDS_PER_S = 1_623_811 / (18 * 3600)  # the 2020 GPT-2: 1,623,811 words in 18 hours


def run_poet_bench(config: Config, batches: list[int], seconds: float, stanzas: int):
    """(words per second of the poet at each batch size; the reading of the live poet's first
    `stanzas` stanzas of four lines, with its words per second)."""
    poet = open_poet(config.poet)
    rates = _rates(poet, batches, seconds)
    return rates, read_live_poems(poet, stanzas)


def read_live_poems(poet: Poet, stanzas: int) -> dict:
    """The live path (one line at a time, as the show asks) from a fresh poet of default shape:
    its first stanzas, read beside the corpus."""
    stanzas = max(stanzas, 1)
    settings = replace(poet.config, lines_per_stanza=4, stanzas=stanzas)
    live = Poet(settings, poet.corpus, poet.model, poet.tokenizer)
    written, started = [[]], time.perf_counter()
    for line in live.lines():
        written[-1].append(line.text)
        if line.last_of_stanza:
            if len(written) == stanzas:
                break
            written.append([])
    rate = live.words_written / (time.perf_counter() - started)
    print(f"the live poet: {rate:.1f} words/s with selection", flush=True)
    ours, theirs = book_beside_corpus(poet.config, written, poet.corpus, poet.device)
    return {
        "words_per_s": rate,
        "candidates": live.per_line,
        "book": read(written, poet.vocabulary).as_dict(),
        "corpus": read_corpus(poet.corpus).as_dict(),
        "rhymes_later": live.rhymes.later_share,
        "unrhymed_by_choice": live.rhymes.unrhymed_share(live.lines_taken),
        "likelihood": {"book": ours, "corpus": theirs},
    }


def _rates(poet: Poet, batches: list[int], seconds: float) -> list[dict]:
    results = []
    for batch in batches:
        poems = poet.poems(batch)
        next(poems)  # warm-up: the first poem of this batch size
        words, started = poet.words_written, time.perf_counter()
        while time.perf_counter() - started < seconds:
            next(poems)
        rate = (poet.words_written - words) / (time.perf_counter() - started)
        results.append({"batch": batch, "words_per_s": rate, "device": str(poet.device)})
        print(f"poet at batch {batch}: {rate:.1f} words/s", flush=True)
    return results
