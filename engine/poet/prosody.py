"""How a line sounds: its syllables and the rhyme of its last word, from the CMU Pronouncing
Dictionary (the `pronouncing` package), with a spelling rule for the words it does not know
(old spellings such as "wand'ring" or "o'er"). And the poem's form: a rhyme scheme and a metre
per poem, chosen by the poet's seed."""

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from engine.poet.verse import words

# A stanza of four: which lines rhyme with which (a letter per line; lines that share a letter
# rhyme). ABCB is the ballad's, ABAB the hymn's, AABB couplets; ABBA the envelope.
SCHEMES = ("ABAB", "ABCB", "AABB", "ABBA")
# Syllables per line, give or take SLACK: tetrameter (and the ballad's trimeter and tetrameter
# in turn, 6 and 8), pentameter.
METRES = (8, 10)
SLACK = 2  # syllables either side of the metre's own count: 6 to 10, or 8 to 12
VOWELS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=1)
def dictionary() -> dict[str, list[str]]:
    import pronouncing

    pronouncing.init_cmu()
    return pronouncing.lookup


@lru_cache(maxsize=65536)
def _phones(word: str) -> str | None:
    found = dictionary().get(word.lower().replace("’", "'"))
    return found[0] if found else None


def word_syllables(word: str) -> int:
    phones = _phones(word)
    if phones is not None:
        return sum(ch.isdigit() for ch in phones)
    spelled = word.lower().replace("'", "").replace("’", "")  # o'er, wand'ring: as written
    count = len(VOWELS.findall(spelled))
    if spelled.endswith("e") and not spelled.endswith(("le", "ee", "ye")) and count > 1:
        count -= 1  # a silent final e
    return max(count, 1)


def syllables(line: str) -> int:
    return sum(word_syllables(w) for w in words(line))


@lru_cache(maxsize=65536)
def rhyme_sound(word: str) -> str:
    """What a word must share with another to rhyme: its phones from the last stressed vowel,
    or, for a word the dictionary does not know, its spelling from the last vowel group."""
    phones = _phones(word)
    if phones is not None:
        parts = phones.split()
        stressed = [i for i, p in enumerate(parts) if p[-1] in "12"]
        vowels = [i for i, p in enumerate(parts) if p[-1].isdigit()]
        start = (stressed or vowels or [0])[-1]
        return " ".join(p.rstrip("012") for p in parts[start:])
    spelled = word.lower().strip("'’")
    if spelled.endswith("e") and len(VOWELS.findall(spelled)) > 1:
        spelled = spelled[:-1]  # a silent e: "morne" ends on "orn", not on "e"
    found = list(VOWELS.finditer(spelled))
    return spelled[found[-1].start() :] if found else spelled


def last_word(line: str) -> str:
    found = words(line)
    return found[-1] if found else ""


def rhymes(a: str, b: str) -> bool:
    """Two lines rhyme when their last words sound alike from the last stress on, and are not
    the same word (a word never rhymes with itself)."""
    first, second = last_word(a), last_word(b)
    return bool(first and second) and first != second and rhyme_sound(first) == rhyme_sound(second)


@dataclass(frozen=True)
class Form:
    """One poem's shape: its rhyme scheme (repeated stanza by stanza) and its metre."""

    scheme: str
    metre: int

    @classmethod
    def chosen(cls, rng: np.random.Generator) -> "Form":
        return cls(str(rng.choice(SCHEMES)), int(rng.choice(METRES)))

    def scans(self, line: str) -> bool:
        return abs(syllables(line) - self.metre) <= SLACK

    def partner(self, stanza: list[str], lines_per_stanza: int) -> str | None:
        """The line of this stanza that the next line must rhyme with, if any."""
        at = len(stanza)
        letters = (self.scheme * (lines_per_stanza // len(self.scheme) + 1))[:lines_per_stanza]
        if at >= len(letters):
            return None
        earlier = [i for i in range(at) if letters[i] == letters[at]]
        return stanza[earlier[-1]] if earlier else None
