"""How lines sound, how the poet selects among candidates, and how the critic reads a book:
on lines whose answers are known."""

import numpy as np

from engine.poet.candidates import Candidate
from engine.poet.critic import read, report, stanzas_of_book
from engine.poet.prosody import Form, rhymes, syllables
from engine.poet.selection import choose, rhyme_target
from engine.poet.verse import NO_END, LineFilter, is_junk

GRAY = [
    "The curfew tolls the knell of parting day,",
    "The lowing herd wind slowly o'er the lea,",
    "The ploughman homeward plods his weary way,",
    "And leaves the world to darkness and to me.",
]
VOCABULARY = {w: 50 for line in GRAY for w in line.lower().replace(",", "").split()}
VOCABULARY |= {"o'er": 50, "day": 50, "way": 50, "me": 50, "lea": 50, "night": 50}


def test_syllables_and_rhymes_of_known_lines():
    assert [syllables(line) for line in GRAY] == [10, 10, 10, 10]
    assert syllables("Shall I compare thee to a summer's day?") == 10
    assert rhymes(GRAY[0], GRAY[2]) and rhymes(GRAY[1], GRAY[3])
    assert not rhymes(GRAY[0], GRAY[1])
    assert not rhymes("I love the day", "I hate the day")  # a word never rhymes with itself
    assert not rhymes("All is love", "All must move")  # an eye rhyme is not a rhyme
    assert rhymes("Across the silent night", "A candle's light")


def test_a_scheme_names_the_line_to_rhyme_with():
    abab, aabb, abcb = Form("ABAB", 10), Form("AABB", 8), Form("ABCB", 8)
    assert abab.partner([], 4) is None and abab.partner(["a", "b"], 4) == "a"
    assert abab.partner(["a", "b", "c"], 4) == "b"
    assert aabb.partner(["a"], 4) == "a" and aabb.partner(["a", "b"], 4) is None
    assert abcb.partner(["a", "b", "c"], 4) == "b" and abcb.partner(["a", "b"], 4) is None
    assert abab.scans(GRAY[0]) and not Form("ABAB", 6).scans(GRAY[0])
    forms = {Form.chosen(np.random.default_rng(seed)) for seed in range(40)}
    assert len({f.scheme for f in forms}) >= 3  # the seed chooses among the schemes


def test_the_filter_keeps_verse_and_drops_collage():
    verse = LineFilter(vocabulary=VOCABULARY)
    assert verse.accept(GRAY[0], [], []) == GRAY[0]
    known = LineFilter({**VOCABULARY, "abeeth": 1, "vellen": 2})
    for bad in ("Abeeth to vellen or the lea", "The lowing herd o'er Chatterfonteneres"):
        assert known.accept(bad, [], []) is None  # words the corpus hardly uses
    hyphened = LineFilter(VOCABULARY, hyphened={"world-weary": 40, "herd-wind": 1})
    assert hyphened.accept("The world-weary ploughman leaves the lea", [], [])
    for made_up in ("The ploughman-herd leaves the world to me", "The lowing herd-wind tolls"):
        assert hyphened.accept(made_up, [], []) is None  # each word known, the whole never used
    assert verse.accept("The ploughman-herd leaves the world to me", [], [])  # counts not given
    for junk in (
        "The Lady Chatterfonteneres Lions (Lionesses)",
        "By Dame Lorna Crookes-Bunyk",
        "That's me: Queen Elizabeth II.",
        "(BEGAN)",
        "And all the world to darkness....",
        '"And leaves the world to darkness',
        "The ploughman checks his phone at day",
    ):
        assert is_junk(junk), junk
    assert not any(map(is_junk, GRAY)) and not is_junk("By the waters of Babylon we sat")
    assert not is_junk("Within his lonely cell he prayed") and not is_junk("The car of day")


def candidates(*pairs):
    return [Candidate(text, likelihood) for text, likelihood in pairs]


def accept(text):
    return text


def test_selection_takes_the_likeliest_line_that_scans_and_rhymes():
    form = Form("ABAB", 10)
    found = candidates(
        ("And leaves the world to darkness and to the sea,", -0.5),  # 11: scans, no rhyme
        ("The ploughman homeward plods his weary way,", -2.0),  # rhymes with day
        ("Away,", -0.1),  # too short to scan
    )
    assert choose(found, accept, form, GRAY[0]).line == found[1].text
    alone = choose(found, accept, form, None)  # no rhyme asked: the likeliest
    assert alone.line == found[0].text
    assert choose(found[2:], accept, form, None).line is None  # nothing scans


def test_when_no_line_rhymes_the_likeliest_stays_until_the_model_writes_toward_the_rhyme():
    form = Form("ABAB", 10)
    found = candidates(("The lowing herd wind slowly to the sea,", -1.0),
                       ("The ploughman homeward plods his weary road,", -2.0))  # fmt: skip
    choice = choose(found, accept, form, GRAY[0])
    assert choice.line == found[0].text and choice.wants_rhyme  # taken unrhymed if none comes
    common = {"way": 900, "say": 800, "grey": 700, "the": 9000, "day": 50, "sea": 60, "fey": 2}
    target = rhyme_target(GRAY[0], form, common)
    assert {"way", "say", "grey"} <= target.words and target.metre == 10
    assert "day" not in target.words  # not the partner's own word
    assert "fey" not in target.words  # nor a word the corpus hardly uses
    assert target.ends_well("The ploughman homeward plods his weary way,")
    assert not target.ends_well("The ploughman plods his way,")  # 6 syllables: out of metre
    assert rhyme_target("The silver of the month", form, common) is None  # no rhyme for it


def test_no_line_ends_on_a_word_that_leads_on():
    """'to' rhymes with 'blue', 'for' with 'door', 'at' with 'hat', and the corpus uses them
    most: a line ending on them leads on to something that never comes."""
    common = {"to": 9000, "who": 8000, "for": 9000, "your": 8000, "at": 9000, "that": 8000,
              "blue": 200, "door": 200, "hat": 200}  # fmt: skip
    for partner, rhyme in (("My love is true,", "blue"), ("No more,", "door"), ("A cat,", "hat")):
        words = rhyme_target(partner, Form("ABAB", 10), common).words
        assert rhyme in words and not NO_END & words, words
    verse = LineFilter(None)
    assert verse.accept("And all the world was silent as the", [], []) is None
    assert verse.accept("And all the world was silent as before", [], []) is not None
    assert verse.accept("Who had killed him, and what their death would", [], []) is None
    assert verse.accept("With ease we go our way without delay. And thus", [], []) is None
    assert verse.accept("To live and yet to die;--and cause", [], []) is None
    assert verse.accept("I said; and that seemed so fine,--one word thus", [], []) is not None
    assert verse.accept("But how shall I be troubled, boy boy", [], []) is None  # a stutter
    assert verse.accept("Sleep, sleep, my love, beneath the silent stars", [], []) is not None


def test_the_critic_reads_known_stanzas():
    unrhymed = ["The sea is calm tonight", "The tide is full", "Upon the straits", "Gleams"]
    xyzzy = ["The xyzzy of the morning light", *unrhymed[1:]]
    arnold = "the sea is calm tonight tide full upon straits gleams of morning light"
    reading = read([GRAY, unrhymed, xyzzy], VOCABULARY | {w: 9 for w in arnold.split()})
    assert reading.stanzas == 3 and reading.lines == 12
    assert abs(reading.rhymed - 1 / 3) < 1e-9
    assert abs(reading.unknown - 1 / 12) < 1e-9  # "xyzzy" alone
    assert reading.junk == 0 and reading.death_index > 0  # "darkness"
    # Gray's four, "The sea is calm tonight" (6) and the xyzzy line (8): the rest are shorter
    assert abs(reading.in_metre - 6 / 12) < 1e-9
    table = report(reading, reading)
    assert "stanzas that rhyme" in table and "33.3%" in table


def test_the_critic_reads_a_book_file_without_its_headings():
    text = "1. The curfew\n\n" + "\n".join(GRAY) + "\n\n" + "\n".join(GRAY) + "\n\n\n"
    text += "2. Another\n\n" + "\n".join(GRAY[:2]) + "\n\n\n"
    assert stanzas_of_book(text) == [GRAY, GRAY, GRAY[:2]]
