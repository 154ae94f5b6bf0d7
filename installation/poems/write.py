"""`dreams write`: a whole book of poems, headless, with a progress line and a summary."""

import sys
import time
from pathlib import Path

import torch

from engine.config import Config
from engine.poet.book import Book
from engine.poet.critic import read, read_corpus, report, stanzas_of_book
from engine.poet.likelihood import book_beside_corpus
from engine.poet.writer import open_poet
from installation.console import progress_bar
from installation.poems.prepare import PreparationLine

# the words written of the goal, the poem on the page, the pace and the time left
WORDS = "{l_bar}{bar}| {n_fmt}/{total_fmt} words{postfix}, {rate_fmt}, ETA {remaining}"


def write_book(config: Config, words: int, out: Path, batch: int | None) -> int:
    book = Book(out)
    if book.poems:
        print(f"dreams write: {out} has {book.poems} poems; continuing", file=sys.stderr)
    preparation = PreparationLine()  # a poet not prepared yet: each step's progress first
    try:
        poet = open_poet(config.poet, progress=preparation.show)
    except KeyboardInterrupt:
        preparation.end()
        print("dreams write: interrupted while the poet was prepared; nothing half-made is kept",
              file=sys.stderr)  # fmt: skip
        return 130
    preparation.end()
    batch = batch or write_batch(poet.device)
    started, written, failed, interrupted = time.monotonic(), 0, None, False
    with progress_bar(words, unit=" words", bar_format=WORDS) as bar:
        try:
            for poem in poet.poems(batch):
                number = book.append(poem)
                written += poem.words
                bar.set_postfix_str(f"poem {number}", refresh=False)
                bar.update(min(written, words) - bar.n)  # the last poem may run past the goal
                if written >= words:
                    break
        except KeyboardInterrupt:
            interrupted = True
        except OSError as error:  # a full disk, a disk gone: the book keeps its whole poems
            failed = error.strerror or str(error)
    if interrupted:
        print("dreams write: interrupted; the book holds every finished poem", file=sys.stderr)
    elapsed = time.monotonic() - started
    rate = written / max(elapsed, 1e-9)
    print(
        f"{out}: {written:,} words in {elapsed:.0f} s ({rate:.1f} words/s), "
        f"{book.poems} poems, {book.words:,} words in all; death index {book.death_index:.1%} "
        f"(the corpus: {poet.corpus.death_index:.1%}); "
        f"{poet.corpus_lines} corpus lines stood in; " + poet.rhymes.summary(poet.lines_taken),
    )
    if failed is not None:
        print(
            f"dreams: error: the book {out} could not be written ({failed}); it keeps its "
            f"{book.poems} whole poems; free some space or choose another --out",
            file=sys.stderr,
        )
        return 1
    if book.poems:
        print(book_report(out, poet))
    return 0


def book_report(out: Path, poet) -> str:
    """The whole book read beside the corpus, on the critic's measures (engine/poet/critic.py),
    and how likely the bare model finds its stanzas and the corpus's (engine/poet/likelihood.py)."""
    stanzas = stanzas_of_book(Path(out).read_text(encoding="utf-8"))
    likelihood = book_beside_corpus(poet.config, stanzas, poet.corpus, poet.device)
    return report(read(stanzas, poet.vocabulary), read_corpus(poet.corpus), likelihood)


def write_batch(device: torch.device) -> int:
    """Poems written side by side, each sampling several candidates a line: many on a GPU; 4 on
    a CPU (BENCHMARKS.md)."""
    return 64 if device.type == "cuda" else 4
