"""The critic: reads poems beside the corpus on the same measures, so that a user (and a test)
can see whether the poet writes 19th-century verse or collage.

- unknown: the share of lines with a word the corpus uses fewer than 3 times;
- rhymed: the share of 4-line stanzas with at least one rhyming pair of line endings;
- in metre: the share of lines of 6 to 12 syllables (trimeter to hexameter);
- junk: the share of lines that give themselves away (bylines, brackets, capitals, numbers,
  unbalanced quotes, runs of dots, words of our century);
- the death index: the share of lines with a word of death.
The corpus is read as stanzas of 4 consecutive lines from random places (a fixed seed).
"""

from dataclasses import asdict, dataclass
from itertools import combinations

import numpy as np

from engine.poet.book import HEADER, HEADING
from engine.poet.prosody import rhymes, syllables
from engine.poet.verse import is_death_line, is_junk, knows_every_word

SYLLABLE_RANGE = (6, 12)
CORPUS_STANZAS = 2000


@dataclass(frozen=True)
class Reading:
    lines: int
    stanzas: int
    unknown: float
    rhymed: float
    in_metre: float
    junk: float
    death_index: float

    def as_dict(self) -> dict:
        return asdict(self)


def stanza_rhymes(stanza: list[str]) -> bool:
    return any(rhymes(a, b) for a, b in combinations(stanza, 2))


def read(stanzas: list[list[str]], vocabulary: dict[str, int]) -> Reading:
    """The measures for a list of stanzas; only stanzas of 4 lines count for rhyme."""
    lines = [line for stanza in stanzas for line in stanza]
    fours = [stanza for stanza in stanzas if len(stanza) == 4]
    low, high = SYLLABLE_RANGE

    def share(hits: int, total: int) -> float:
        return hits / total if total else 0.0

    return Reading(
        lines=len(lines),
        stanzas=len(fours),
        unknown=share(sum(not knows_every_word(x, vocabulary) for x in lines), len(lines)),
        rhymed=share(sum(map(stanza_rhymes, fours)), len(fours)),
        in_metre=share(sum(low <= syllables(x) <= high for x in lines), len(lines)),
        junk=share(sum(map(is_junk, lines)), len(lines)),
        death_index=share(sum(map(is_death_line, lines)), len(lines)),
    )


def read_corpus(corpus, count: int = CORPUS_STANZAS, seed: int = 0) -> Reading:
    """The corpus's own figures: `count` stanzas of 4 consecutive lines."""
    rng = np.random.default_rng(seed)
    return read([corpus.passage(rng, 4) for _ in range(count)], corpus.vocabulary())


def stanzas_of_book(text: str) -> list[list[str]]:
    """The stanzas of a book file (engine/poet/book.py's format): headings are left out."""
    blocks = [block.splitlines() for block in text.removeprefix(HEADER).split("\n\n")]
    return [b for b in blocks if b and b[0].strip() and not HEADING.match(b[0])]


def report(book: Reading, corpus: Reading, likelihood: tuple[float, float] | None = None) -> str:
    """A few lines a reader takes in at a glance: the book beside the corpus; `likelihood`, the
    (book's, corpus's) log-likelihood a token under the bare model (engine/poet/likelihood.py)."""
    rows = [
        ("lines with a word the corpus hardly uses", book.unknown, corpus.unknown),
        ("4-line stanzas that rhyme", book.rhymed, corpus.rhymed),
        (f"lines of {SYLLABLE_RANGE[0]} to {SYLLABLE_RANGE[1]} syllables", book.in_metre,
         corpus.in_metre),
        ("junk lines (bylines, brackets, numbers...)", book.junk, corpus.junk),
        ("death index", book.death_index, corpus.death_index),
    ]  # fmt: skip
    width = max(len(name) for name, _, _ in rows)
    head = f"{'':{width}}  {'book':>6}  {'corpus':>6}"
    body = [f"{name:{width}}  {ours:6.1%}  {theirs:6.1%}" for name, ours, theirs in rows]
    if likelihood is not None:
        ours, theirs = likelihood
        body.append(f"{'log-likelihood a token, bare model':{width}}  {ours:6.2f}  {theirs:6.2f}")
    return "\n".join([head, *body])
