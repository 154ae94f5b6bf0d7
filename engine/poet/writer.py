"""The poet: a causal language model, taught the corpus by a LoRA adapter, writes poems line by
line in a rhyme scheme and a metre per poem (titles from their first lines, stanzas). Its model
is loaded by engine/poet/language_model.py; engine/poet/selection.py picks each line."""

import logging
from dataclasses import dataclass, field

import numpy as np
import torch

from engine.config import PoetConfig
from engine.poet.adapter import AdapterError, check_adapter, load_adapter
from engine.poet.candidates import LineSampler
from engine.poet.corpus import Corpus
from engine.poet.language_model import check_poet_model, load_language_model, pick_poet_device
from engine.poet.preparation import cache_folder, prepare
from engine.poet.prosody import Form
from engine.poet.rounds import Slot, fill
from engine.poet.selection import Choice, rhyme_target
from engine.poet.selection import prepare as prepare_rhymes
from engine.poet.verse import LineFilter, title_for

log = logging.getLogger(__name__)

TRIES_PER_LINE = 4  # samplings without a good line before a corpus line stands in


@dataclass
class RhymeFigures:
    """What became of the lines that had to rhyme (the book's report and `dreams bench`)."""

    asked: int = 0
    first_round: int = 0  # rhymed among the first round of candidates
    later: int = 0  # rhymed in a later round
    unrhymed: int = 0  # left unrhymed by choice: no rhyme came, and no line was forced

    def count(self, choice: Choice) -> None:
        self.asked += 1
        if choice.wants_rhyme:
            self.unrhymed += 1
        elif choice.later:
            self.later += 1
        else:
            self.first_round += 1

    @property
    def later_share(self) -> float:
        """Of the rhymes found, the share that needed more than the first round."""
        return self.later / max(self.first_round + self.later, 1)

    def unrhymed_share(self, lines: int) -> float:
        """Of `lines` taken, the share left unrhymed by choice."""
        return self.unrhymed / max(lines, 1)

    def summary(self, lines: int) -> str:
        return (
            f"{self.first_round + self.later} of {self.asked} rhymes found, "
            f"{self.later_share:.0%} of them after the first round of candidates; "
            f"{self.unrhymed_share(lines):.0%} of lines left unrhymed by choice"
        )


@dataclass(frozen=True)
class PoemLine:
    """A line on its way to the voice, and where it stands in its poem."""

    text: str
    poem_title: str
    first_of_poem: bool
    last_of_stanza: bool
    last_of_poem: bool


@dataclass
class Poem:
    title: str
    stanzas: list[list[str]] = field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [line for stanza in self.stanzas for line in stanza]

    @property
    def words(self) -> int:
        return sum(len(line.split()) for line in self.lines)


@dataclass
class Draft:
    """A poem being written: the corpus passage it continues, its form and its lines so far."""

    passage: list[str]
    form: Form
    lines: list[str] = field(default_factory=list)
    misses: int = 0  # samplings in a row without a line taken

    def context(self) -> str:
        """The poem so far, after as much of its passage as keeps the context to the passage's
        length or the poem's, whichever is longer: on a CPU, every line read costs time."""
        kept = self.passage[min(len(self.lines), len(self.passage)) :]
        return "\n".join(kept + self.lines) + "\n"


class Poet:
    """Writes poems that continue themselves: each poem starts from a corpus passage, and the
    poem's own lines so far are the model's context for the next. For each place, several
    candidate lines are sampled together and one is selected (engine/poet/selection.py)."""

    def __init__(self, config, corpus: Corpus, model, tokenizer):
        self.config, self.corpus = config, corpus
        self.model, self.tokenizer = model, tokenizer
        self.device = next(model.parameters()).device
        self.model_name = ""
        self.rng = np.random.default_rng(config.seed)
        torch.manual_seed(config.seed)
        self.vocabulary, self.common = corpus.vocabulary(), corpus.common_words()
        self.filter = LineFilter(self.vocabulary, hyphened=corpus.compounds())
        self.sampler = LineSampler(model, tokenizer, config)
        prepare_rhymes()
        self.per_line = config.candidates or candidates_for(self.device, live=True)
        self.per_line_in_books = config.candidates or candidates_for(self.device, live=False)
        self.generated_lines = self.corpus_lines = 0  # corpus lines stand in when none is good
        self.rhymes = RhymeFigures()
        self.words_written = 0  # words of every line taken, finished poems or not
        self.abort = None  # a callable: True ends a generation early (the show is stopping)

    @property
    def lines_taken(self) -> int:
        """Lines taken into poems, the model's and the corpus's standing in."""
        return self.generated_lines + self.corpus_lines

    @property
    def size(self) -> int:
        return self.config.lines_per_stanza * self.config.stanzas

    def _draft(self) -> Draft:
        passage = self.corpus.passage(self.rng, self.config.prompt_lines)
        return Draft(passage, Form.chosen(self.rng))

    def _write(self, drafts: list[Draft], per_line: int) -> None:
        """One more line for each draft (or a miss), chosen among `per_line` candidates, twice as
        many toward a rhyme, in more rounds where a rhyme is slow to come (rounds.py)."""
        slots = [self._slot(draft) for draft in drafts]
        for draft, slot, choice in zip(
            drafts, slots, fill(self.sampler, slots, per_line, self.abort), strict=True
        ):
            if slot.partner is not None and choice.line is not None:
                self.rhymes.count(choice)
            self._take(draft, choice.line)

    def _slot(self, draft: Draft) -> Slot:
        per = self.config.lines_per_stanza
        partner = draft.form.partner(draft.lines[len(draft.lines) // per * per :], per)
        target = rhyme_target(partner, draft.form, self.common) if partner else None
        return Slot(draft.context(), self._accepter(draft), draft.form, partner, target)

    def _accepter(self, draft: Draft):
        return lambda text: self.filter.accept(text, draft.lines, draft.passage)

    def _take(self, draft: Draft, line: str | None) -> None:
        if line is None:
            draft.misses += 1
            if draft.misses < TRIES_PER_LINE:
                return
            line = self.corpus.passage(self.rng, 1)[0]  # the model is stuck: the corpus speaks
            self.corpus_lines += 1
        else:
            self.generated_lines += 1
            self.filter.remember(line)
        draft.misses = 0
        draft.lines.append(line)
        self.words_written += len(line.split())

    def poems(self, batch: int = 1):
        """Whole poems until aborted, for the book: `batch` poems are written side by side."""
        drafts = [self._draft() for _ in range(batch)]
        while not (self.abort and self.abort()):
            self._write(drafts, self.per_line_in_books)
            for slot, draft in enumerate(drafts):
                if len(draft.lines) >= self.size:
                    yield self._shape(draft.lines)
                    drafts[slot] = self._draft()

    def lines(self):
        """Lines one at a time, the moment each is written, with their place in a poem: for the
        live show, where a voice should not wait for a whole poem."""
        per = self.config.lines_per_stanza
        draft = self._draft()
        while not (self.abort and self.abort()):
            before = len(draft.lines)
            self._write([draft], self.per_line)
            poem = draft.lines
            for n in range(before + 1, len(poem) + 1):
                yield PoemLine(
                    poem[n - 1], title_for(poem[0]), n == 1, n % per == 0, n == self.size
                )
            if len(poem) >= self.size:
                draft = self._draft()

    def _shape(self, lines: list[str]) -> Poem:
        per = self.config.lines_per_stanza
        stanzas = [lines[i : i + per] for i in range(0, len(lines), per)]
        return Poem(title_for(lines[0]), stanzas)


def candidates_for(device: torch.device, live: bool) -> int:
    """Candidate lines sampled for each line: a GPU samples many at almost no cost; on a CPU
    each costs time, which the live voice is waiting for and a book is not (BENCHMARKS.md)."""
    if device.type == "cuda":
        return 16
    return 4 if live else 6


class PreparationStopped(Exception):
    """`abort` said stop while the poet was being prepared (the show is ending)."""


def open_poet(settings: PoetConfig, lenient: bool = False, abort=None, progress=None) -> Poet:
    """A poet built from its settings: device, threads, corpus, model and adapter. `lenient`
    (the live show, a cut): an adapter that is missing or damaged is a warning, and the bare
    model writes; else it is an AdapterError. `abort` (a callable) is asked between the steps,
    each a second or so at most: True stops the preparation with PreparationStopped.
    `progress(Step)` hears the one-time preparation of the cache (engine/poet/preparation.py)."""

    def step(heard=None) -> None:
        if abort is not None and abort():
            raise PreparationStopped
        if heard is not None and progress is not None:
            progress(heard)

    check_poet_model(settings.model)  # a user's mistake is said before a minute of work
    if not lenient:
        check_adapter(settings.adapter)
    device = pick_poet_device(settings.device)
    if device.type == "cpu":
        torch.set_num_threads(1)  # the poet shares two cores with the dreamer and the screen
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # our own log and progress line say enough
    corpus = prepare(settings, step)
    model, tokenizer, name = load_language_model(settings.model, device, cache_folder(settings))
    step()
    try:
        model = load_adapter(model, settings.adapter)
        name += f" + adapter {settings.adapter}" if settings.adapter else ""
    except AdapterError as error:
        if not lenient:
            raise
        log.warning("%s; the bare %s writes instead", error, name)
    log.info("poet: %s on %s, %s corpus lines", name, device, f"{len(corpus):,}")
    step()
    poet = Poet(settings, corpus, model, tokenizer)
    poet.model_name = name
    return poet
