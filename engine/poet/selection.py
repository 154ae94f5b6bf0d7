"""Selection, not luck: of the candidate lines the model wrote for one place in a poem, keep
those that read as verse and scan in the poem's metre, and take the likeliest that rhymes where
the scheme asks for a rhyme (the candidates of such a line are written toward its
`rhyme_target`: engine/poet/rounds.py). A line is always taken whole, as the model wrote it,
never mended."""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from engine.poet.candidates import Candidate
from engine.poet.prosody import Form, dictionary, last_word, rhyme_sound, rhymes
from engine.poet.rhyme_guide import RhymeTarget
from engine.poet.verse import NO_END

WELL_USED = 20  # a rhyme word the corpus uses at least this often: not a rarity for the sound


@dataclass(frozen=True)
class Choice:
    line: str | None  # the line taken, or None when no candidate scans
    wants_rhyme: bool = False  # a rhyme was asked and no candidate gave it: `line` is unrhymed
    later: bool = False  # its rhyme came after the first round of candidates


def choose(candidates: list[Candidate | None], accept, form: Form, partner: str | None) -> Choice:
    """The Choice for one place. `accept(text)` is the verse filter (a cleaned line or None);
    `partner` is the line this one must rhyme with, if any."""
    good = []
    for candidate in candidates:
        text = accept(candidate.text) if candidate else None
        if text:
            good.append(Candidate(text, candidate.likelihood))
    scanning = sorted((c for c in good if form.scans(c.text)), key=lambda c: -c.likelihood)
    if not scanning:
        return Choice(None)
    if partner is None:
        return Choice(scanning[0].text)
    rhyming = [c for c in scanning if rhymes(c.text, partner)]
    if rhyming:
        return Choice(rhyming[0].text)
    return Choice(scanning[0].text, wants_rhyme=True)


def rhyme_target(partner: str, form: Form, common: dict[str, int]) -> RhymeTarget | None:
    """The words a line may end on to rhyme with `partner`: the corpus's well-used words of its
    sound, never the partner's own word nor one that leads on; None when the sound has none."""
    own = last_word(partner)
    words = frozenset(
        w
        for w in rhyme_words(rhyme_sound(own))
        if w != own and w not in NO_END and common.get(w, 0) >= WELL_USED
    )
    return RhymeTarget(words, form.metre) if words else None


@lru_cache(maxsize=1)
def _by_sound() -> dict[str, list[str]]:
    """Every plain word of the dictionary (letters and apostrophes), by its rhyme sound."""
    index = defaultdict(list)
    for word in dictionary():
        if re.fullmatch(r"[a-z']+", word):
            index[rhyme_sound(word)].append(word)
    return dict(index)


def prepare() -> None:
    """Load the dictionary and index it by rhyme now (about 2 s and 40 MB, once a process), not
    at the first missed rhyme in the middle of a show."""
    _by_sound()


def rhyme_words(sound: str) -> list[str]:
    return _by_sound().get(sound, [])
