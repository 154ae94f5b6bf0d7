"""Cleaning the corpus and filtering what the model writes."""

from engine.poet.corpus import Corpus, build_cache
from engine.poet.verse import LineFilter, clean_corpus_line, is_death_line, title_for

VERSE = [
    "The curfew tolls the knell of parting day,",
    "And all the air a solemn stillness holds,",
    "O wild West Wind, thou breath of Autumn's being,",
    "Because I could not stop for Death,",
]
PROSE = [
    "many North American Indian tribes, but especially those of the",  # lower-case, reflowed
    "Longfellow began Hiawatha on June 25, 1854, he completed it",  # numbers
    "Schoolcraft married Jane, the daughter of a chief.  It was this",  # two spaces
]
LATIN = ["Et salus, et pax niveis revisit", "Plenam veneni et pestilentiae est non"]
MIDDLE_ENGLISH = ["In hope that sche wolde bowe", "Whan that Aprill with his shoures soote"]
FURNITURE = [
    "CHAPTER XII.",
    "[Illustration: The Raven]",
    "Produced by Project Gutenberg",
    "Vol. II",
]


def test_cleaning_keeps_verse_and_drops_the_rest():
    assert [clean_corpus_line(line) for line in VERSE] == VERSE
    for line in PROSE + LATIN + MIDDLE_ENGLISH + FURNITURE:
        assert clean_corpus_line(line) is None, line
    assert clean_corpus_line("And all the air a solemn stillness", syllables=19) is None


def test_a_corpus_cache_keeps_book_order(tmp_path):
    path = tmp_path / "corpus-v1.txt"
    build_cache(path, PROSE + VERSE + LATIN, [10] * 9)
    corpus = Corpus(path)
    assert [corpus.line(i) for i in range(len(corpus))] == VERSE
    assert corpus.death_index == 0.5  # "knell" and "Death"


def test_the_corpus_counts_its_words_and_its_hyphened_words_once(tmp_path):
    path = tmp_path / "corpus-v1.txt"
    lines = [
        "Upon the death-bed of the day,",
        "The Death-bed and the far-off sea",
        "I wander here--and there alone",
    ]
    build_cache(path, lines, [8] * 3)
    counts = Corpus(path)
    assert counts.compounds() == {"death-bed": 2, "far-off": 1}  # "--" joins no word
    assert counts.vocabulary()["death"] == 2 and counts.common_words()["bed"] == 2
    assert counts.vocabulary()["here"] == counts.vocabulary()["and"] - 1 == 1
    (tmp_path / "corpus-v1.words.json").write_text('{"all": {}, "lower": {}}')  # an older count
    assert Corpus(path).compounds() == {"death-bed": 2, "far-off": 1}  # counted again


def test_the_filter_catches_what_a_chat_model_and_a_copyist_would_write():
    lines = LineFilter()
    prompt = ["The curfew tolls the knell of parting day,"]
    for junk in [
        "Sure! Here is a poem about the sea:",
        "As an AI, I cannot feel the wind.",
        "**The Night** is dark and full of stars",
        "1. The night is dark and full of stars",
        "- The night is dark and full of stars",
        "The curfew tolls the knell of parting day,",  # a copy of the prompt
        "And night, and night, and night, and night",
        "3rd Edition, revised by the author",
        "The tide comes in across the sleep-",
        "By Dame Lorna Crookes-Bunyk",  # a byline
        'The night is dark and "full of stars',  # a quotation never closed
        "That was the night the television died,",  # a word of another century
        "The night is dark (BEGAN) and full of stars",
        "The night is dark and full of stars . . .",
    ]:
        assert lines.accept(junk, [], prompt) is None, junk
    good = "The grey tide whispers of the drowned below,"
    assert lines.accept(good, [], prompt) == good
    lines.remember(good)  # taken into a poem
    assert lines.accept(good, [], prompt) is None  # not twice


def test_titles_and_the_death_index():
    assert title_for("The sea gave him a canvas of sorrow,") == "The sea gave him"
    assert title_for("O wild West Wind, thou breath") == "O wild West Wind"
    assert is_death_line("Here in the churchyard lies the grave of youth")
    assert not is_death_line("The meadow sings with morning light")
