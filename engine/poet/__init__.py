"""The poet: a language model taught 19th-century poetry writes poems that rhyme and scan.

writer.py          the Poet and open_poet: poems that continue themselves, line by line
language_model.py  the model (the bundled SmolLM2, a folder or a hub id); adapter.py its LoRA
preparation.py     the cache prepared once: corpus.py (the corpus cleaned, its words counted)
candidates.py      the model's candidate lines; selection.py which one a poem takes
verse.py           what makes a line of verse; prosody.py syllables, rhymes, metre
critic.py          a book read beside the corpus; book.py the book, each poem appended whole
teacher.py         the poet taught on the corpus

It imports nothing of the dreaming mind (engine/mind/), nor the mind of it.
"""
