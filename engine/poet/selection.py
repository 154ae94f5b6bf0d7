"""Selection, not luck: of the candidate lines the model wrote for one place in a poem, keep
those that read as verse and scan in the poem's metre, and take the likeliest that rhymes where
the scheme asks for a rhyme. When none rhymes, the likeliest line that scans keeps its start and
takes the rhyming last word the model finds likeliest there (`Ending`)."""

import re
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache

from engine.poet.candidates import Candidate
from engine.poet.prosody import Form, dictionary, last_word, rhyme_sound, rhymes, syllables
from engine.poet.verse import WORD

WELL_USED = 20  # a rhyme word the corpus uses at least this often: not a rarity for the sound
RHYME_WORDS = 48  # the most used rhyme words the model chooses among
# Words no line of verse ends on: they lead on to something that never comes.
NO_END = set(
    "a an the and or nor but if than that this these those of to in into on at by for from with "
    "as his her its my thy your our their whose which who ye yer amen".split()
)


@dataclass(frozen=True)
class Choice:
    line: str | None  # the line taken, when one is
    ending: "Ending | None" = None  # else a line that needs a rhyming last word


@dataclass(frozen=True)
class Ending:
    start: str  # the line up to its last word
    end: str  # what followed the last word (punctuation)
    words: list[str]  # rhyme words that keep the line in metre


def choose(candidates: list[Candidate | None], accept, form: Form, partner: str | None, common):
    """The Choice for one place. `accept(text)` is the verse filter (a cleaned line or None);
    `partner` is the line this one must rhyme with, if any; `common` counts the corpus's words
    as written in lower case (the rhyme words to offer)."""
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
    for candidate in scanning:
        ending = ending_for(candidate.text, partner, form, common)
        if ending is not None:
            return Choice(None, ending)
    return Choice(scanning[0].text)  # no word in the dictionary rhymes: the line goes unrhymed


def ending_for(line: str, partner: str, form: Form, common: dict[str, int]) -> Ending | None:
    found = list(WORD.finditer(line))
    if len(found) < 2:
        return None
    last = found[-1]
    start, end = line[: last.start()].rstrip(), line[last.end() :]
    if start.endswith((".", "!", "?", ";", ":", "-")):  # the last word begins a new sentence
        return None
    target, old = last_word(partner), last_word(line)
    room = form.metre - syllables(start)
    choices = [
        w
        for w in rhyme_words(rhyme_sound(target))
        if w not in (target, old, *NO_END) and common.get(w, 0) >= WELL_USED
        and abs(room - syllables(w)) <= 1
    ]  # fmt: skip
    choices = sorted(choices, key=lambda w: -common[w])[:RHYME_WORDS]
    return Ending(start, end, choices) if choices else None


def finish(ending: Ending, scores: list[float]) -> str:
    """The line with the likeliest of its rhyme words at the end."""
    best = max(range(len(scores)), key=scores.__getitem__)
    return f"{ending.start} {ending.words[best]}{ending.end}"


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
