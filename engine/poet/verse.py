"""What makes a line of verse for Dreams: the cleaning rules for corpus lines, the filters for
generated lines, and the words of death that the "death index" counts."""

import re

MIN_CHARS, MAX_CHARS = 12, 72
MIN_WORDS, MAX_WORDS = 3, 14
MAX_SYLLABLES = 14  # a hexameter's worth; reflowed prose lines run 15 to 21

# English function words: a verse line of any length nearly always has one; Latin rarely does.
ENGLISH = set(
    "the and of to a in i my thy his her with is that for on be as all but not me he she it we "
    "our you your thou thee o so no from by at was were are they them their this there then "
    "when what where who how his its or nor yet if like than what shall will may can one".split()
)
LATIN = set(
    "et est non sed ad quod quae qui cum ut atque enim nec per sunt erat esse mihi tibi sum "
    "ego tu nos vos deus domine omnia sic hic haec tamen vel quam inter ubi".split()
)
# Middle English spellings that 19th-century verse does not use.
MIDDLE_ENGLISH = set(
    "whan eek swich thise hir hem seyde seide nat knyght bokes fynde wryten thre aros sette wol "
    "yow hadde moste certes ich ys yt nyght lyf tyme myn thyn herte londe whiche sayde dyd "
    "hath_not_me ek sholde wolde coude shal thurgh swiche eyen hevene quod sooth ther".split()
)
FURNITURE = re.compile(
    r"gutenberg|https?:|www\.|\*\*\*|^\s*(chapter|canto|book|part|page|stanza|note|footnote|"
    r"contents|index|preface|introduction|edition|volume|vol\.|act|scene)\b|\bedition\b|"
    r"\[|\]|\{|\}|<|>|_|#|@|\||=|\+|~|\^|\\|\d",
    re.IGNORECASE,
)
RARE = 3  # a word the corpus uses fewer times than this is one it does not know
# Words no line of verse ends on: they lead on to something that never comes ("and what their
# death would": the model ended 4 lines in 1,000 on "would", "could", "should" or "such", the
# corpus 0.5).
NO_END = set(
    "a an the and or nor but if than that this these those of to in into on at by for from with "
    "as his her its my thy your our their whose which who ye yer amen would could should "
    "such".split()
)
WORD = re.compile(r"[A-Za-z’']+")
COMPOUND = re.compile(r"[A-Za-z’']+(?:-[A-Za-z’']+)+")  # "death-bed"; not "here--there"
SENTENCE_BREAK = re.compile(r"[.!?;:]+|--")  # where a new sentence (or clause) begins
# "the night, the night, the night", or a word said twice running ("troubled, boy boy")
STUTTER = re.compile(r"\b([A-Za-z']+) \1\b", re.IGNORECASE)

DEATH_WORDS = set(
    "death deaths dead die died dies dying deathless grave graves tomb tombs sepulchre sepulchral "
    "corpse corse bier shroud coffin funeral mourn mourned mourning mourns mourner grief griefs "
    "grieve grieved grieving lost loss lose perish perished doom ghost ghosts wraith skull "
    "dust ashes knell requiem elegy lament lamented weep wept weeping tears widow orphan slain "
    "slay kill killed murder mortal mortality decay buried burial churchyard epitaph "
    "darkness night gone farewell sorrow sorrows woe".split()
)


def words(line: str) -> list[str]:
    found = (w.replace("’", "'").strip("'").lower() for w in WORD.findall(line))
    return [w for w in found if w]


def clean_corpus_line(text: str, syllables: int = 0) -> str | None:
    """The line as verse to learn from, or None for prose, Latin, Middle English, page furniture,
    numbers and lines too short or too long. `syllables`, when known, catches reflowed prose."""
    if syllables > MAX_SYLLABLES or "  " in text.strip():  # prose: long, or two spaces
        return None
    line = " ".join(text.split())
    if not MIN_CHARS <= len(line) <= MAX_CHARS or FURNITURE.search(line):
        return None
    first = line.lstrip("\"'‘“(")[:1]
    if not first.isalpha() or not first.isupper():  # verse of the period starts capitalised
        return None
    if line.isupper():  # titles and headings
        return None
    letters = sum(c.isalpha() for c in line)
    if letters < 0.75 * len(line.replace(" ", "")):
        return None
    found = words(line)
    if not MIN_WORDS <= len(found) <= MAX_WORDS:
        return None
    if len(found) >= 5 and not any(w in ENGLISH for w in found):  # another language
        return None
    if sum(w in LATIN for w in found) >= 2 or any(w in MIDDLE_ENGLISH for w in found):
        return None
    return line


def begins_at_its_end(line: str) -> bool:
    """A line whose last sentence begins with its last word or two ("...without delay. And
    thus"): a rhyme reached for after the sentence ended."""
    parts = SENTENCE_BREAK.split(line.rstrip(" .,;:!?-\"'’”"))
    return len(parts) > 1 and len(words(parts[-1])) <= 2


def compounds(line: str) -> list[str]:
    """The hyphened words of a line, apostrophes made straight and quotes taken off ("'far-off'"
    is "far-off", as `words` takes them)."""
    return [w.replace("’", "'").strip("'") for w in COMPOUND.findall(line)]


def knows_every_word(
    line: str, vocabulary: dict[str, int], hyphened: dict[str, int] | None = None
) -> bool:
    """Every word of the line is one the corpus uses at least RARE times; and, given the corpus's
    hyphened words, every hyphened word too: the model invents them ("leaf-leaf", "ship-boat")
    out of words it knows, and a reader hears each one as made up."""
    if not all(vocabulary.get(w, 0) >= RARE for w in words(line)):
        return False
    return hyphened is None or all(hyphened.get(w.lower(), 0) >= RARE for w in compounds(line))


def is_death_line(line: str) -> bool:
    return any(w in DEATH_WORDS for w in words(line))


# What a chat assistant says, and markdown: never verse.
ASSISTANT = re.compile(
    r"\b(sure|certainly|as an ai|assistant|here is|here's|i hope|feel free|let me|poem|"
    r"stanza|verse|rhyme scheme|title)\b|[*#`]|^\s*[-•]",
    re.IGNORECASE,
)


def normalised(line: str) -> str:
    return " ".join(words(line))


class LineFilter:
    """Keeps generated lines that read as verse, and not as a copy or a repeat. Given the
    corpus's vocabulary (and its hyphened words), every word must be one the corpus uses at least
    `RARE` times."""

    def __init__(
        self,
        vocabulary: dict[str, int] | None = None,
        recent: int = 500,
        hyphened: dict[str, int] | None = None,
    ):
        self.recent: dict[str, None] = {}  # insertion-ordered set of recent lines
        self.limit = recent
        self.vocabulary, self.hyphened = vocabulary, hyphened

    def accept(self, line: str, poem: list[str], prompt: list[str]) -> str | None:
        cleaned = clean_corpus_line(line)
        if cleaned is None or ASSISTANT.search(cleaned) or cleaned.rstrip().endswith("-"):
            return None
        if is_junk(cleaned):
            return None
        key = normalised(cleaned)
        found = key.split()
        if self.vocabulary is not None and not knows_every_word(
            cleaned, self.vocabulary, self.hyphened
        ):
            return None
        if found[-1] in NO_END or begins_at_its_end(cleaned):  # lines that lead on to nothing
            return None
        if max(found.count(w) for w in found) >= 3 or STUTTER.search(cleaned):
            return None
        if key in self.recent or key in (normalised(p) for p in poem):
            return None
        if any(key in normalised(p) or normalised(p) in key for p in prompt):  # a copy
            return None
        return cleaned

    def remember(self, line: str) -> None:
        """A line taken into a poem: never taken again while it is among the recent ones."""
        self.recent[normalised(line)] = None
        if len(self.recent) > self.limit:
            self.recent.pop(next(iter(self.recent)))


def title_for(first_line: str) -> str:
    """A title in the period's habit: the first line's opening words."""
    opening = re.split(r"[,;:.!?—–]|--", first_line)[0].strip(" \"'‘“”’")
    chosen = opening.split()[:5]
    while len(chosen) > 1 and chosen[-1].lower() in ENGLISH:  # not "The sea gave him a"
        chosen.pop()
    return " ".join(chosen) if chosen else "Untitled"


# What no line of 19th-century verse holds: a byline, brackets, a run of dots, a word in
# capitals (a heading or a numeral), or a word of our own century.
BYLINE = re.compile(r"^\s*[Bb]y\s+(?:[A-Z][\w.'’-]*\s*){2,}$")
RESIDUE = re.compile(r"[&()\[\]{}<>]|\.{4,}|(?:\. ){2,}\.|\b[A-Z]{2,}\b|\d")
# (Not "cell", "car", "film", "plane" or "rocket": the corpus uses each of them.)
MODERN = set(
    "internet computer computers email e-mail phone phones telephone television tv radio "
    "online website ok okay app apps airplane movie movies photo photos selfie facebook "
    "twitter google youtube blog digital download software hardware robot robots laser "
    "lasers nuclear spaceship astronaut".split()
)


def quotes_balanced(line: str) -> bool:
    return line.count('"') % 2 == 0 and line.count("“") == line.count("”")


def is_junk(line: str) -> bool:
    """A line that gives itself away as not verse of the period (the scorer's and the filter's
    rule alike)."""
    if BYLINE.match(line) or RESIDUE.search(line):
        return True
    return not quotes_balanced(line) or any(w in MODERN for w in words(line))
