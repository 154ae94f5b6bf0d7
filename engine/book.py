"""The book: poems appended to a text file, numbered, each written whole so that an interrupted
run leaves a valid book, and a later run continues the numbering.

    12. The title

    First line of the first stanza
    ...

"""

import os
import re
from pathlib import Path

from engine.poet import Poem, PoemLine
from engine.verse import is_death_line, title_for

HEADING = re.compile(r"^(\d+)\. ", re.MULTILINE)  # verse lines never start with digits


def format_poem(number: int, poem: Poem) -> str:
    stanzas = "\n\n".join("\n".join(stanza) for stanza in poem.stanzas)
    return f"{number}. {poem.title}\n\n{stanzas}\n\n\n"


class Book:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.poems = self.words = self.lines = self.death_lines = 0
        self.last_number = 0
        if self.path.exists():
            self._read_existing()

    def _read_existing(self) -> None:
        """Count what is there, and cut off a poem that was only half written."""
        text = self.path.read_text(encoding="utf-8")
        end = text.rfind("\n\n\n")
        whole = text[: end + 3] if end >= 0 else ""
        if whole != text:
            with open(self.path, "r+", encoding="utf-8") as file:
                file.truncate(len(whole.encode("utf-8")))
        numbers = [int(n) for n in HEADING.findall(whole)]
        self.poems = len(numbers)
        self.last_number = max(numbers, default=0)
        verse = [line for line in whole.splitlines() if line and not HEADING.match(line)]
        self._count(verse)

    def _count(self, lines: list[str]) -> None:
        self.lines += len(lines)
        self.words += sum(len(line.split()) for line in lines)
        self.death_lines += sum(map(is_death_line, lines))

    @property
    def death_index(self) -> float:
        return self.death_lines / self.lines if self.lines else 0.0

    def append(self, poem: Poem) -> int:
        """Write the poem whole (one write, flushed to disk); returns its number. A write that
        fails (a full disk) raises and leaves the book as it was, ending on a whole poem."""
        number = self.last_number + 1
        data = format_poem(number, poem).encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "ab", buffering=0) as file:
            start = file.seek(0, os.SEEK_END)
            try:
                rest = memoryview(data)
                while rest:
                    rest = rest[file.write(rest) :]
                os.fsync(file.fileno())
            except OSError:
                file.truncate(start)
                raise
        self.last_number = number
        self.poems += 1
        self._count(poem.lines)
        return self.last_number


class Scribe:
    """Takes lines as the poet writes them and puts each poem in the book once it is whole."""

    def __init__(self, book: Book):
        self.book = book
        self._poem: list[list[str]] = [[]]

    def add(self, line: PoemLine) -> None:
        self._poem[-1].append(line.text)
        if line.last_of_poem:  # begun afresh first: a failed write loses this poem only
            poem, self._poem = Poem(line.poem_title, self._poem), [[]]
            self.book.append(poem)
        elif line.last_of_stanza:
            self._poem.append([])

    def finish(self) -> None:
        """The poem being written at the end goes in the book as far as it got."""
        stanzas = [stanza for stanza in self._poem if stanza]
        if stanzas:
            self.book.append(Poem(title_for(stanzas[0][0]), stanzas))
        self._poem = [[]]
