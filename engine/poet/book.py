"""The book: poems appended to a text file, numbered, each written whole so that an interrupted
run leaves a valid book, and a later run continues the numbering.

    A book of poems written by Dreams. ...

    12. The title

    First line of the first stanza
    ...

"""

import logging
import re
from pathlib import Path

from engine.errors import DreamsError
from engine.files import append_whole, write_atomically
from engine.poet.verse import is_death_line, title_for
from engine.poet.writer import Poem, PoemLine

log = logging.getLogger(__name__)

HEADING = re.compile(r"^(\d+)\. ", re.MULTILINE)  # verse lines never start with digits
# A book's first line: how Dreams knows a book is its own for sure, never by its look (a list
# that begins "1. buy milk" is someone's). It is written atomically with the empty book.
HEADER = (
    "A book of poems written by Dreams. Dreams adds poems only to a book that begins with this "
    "line.\n\n"
)
MAX_LINE_BYTES = 1 << 16  # a longer line (not one of ours) is read in pieces
MAX_HALF_POEM_BYTES = 1 << 16  # a poem of ours is a few hundred bytes; a longer tail is not one


def format_poem(number: int, poem: Poem) -> str:
    stanzas = "\n\n".join("\n".join(stanza) for stanza in poem.stanzas)
    return f"{number}. {poem.title}\n\n{stanzas}\n\n\n"


class BookError(DreamsError):
    pass


class Book:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.poems = self.words = self.lines = self.death_lines = 0
        self.last_number = 0
        if self.path.exists():
            if not self.path.is_file():  # /dev/full, a pipe: never read a device to its end
                raise BookError(f"the book {self.path} is not a regular file; give a file name")
            if self.path.stat().st_size and not is_ours(self.path):
                raise BookError(
                    f"{self.path} is not a book Dreams wrote (its first line is not Dreams' "
                    "heading), so Dreams adds nothing to it; give a new file name"
                )
            self._read_existing()

    def _read_existing(self) -> None:
        """Count what is there a line at a time (memory stays small, however long the book),
        and cut off a poem that was only half written."""
        whole_end = offset = len(HEADER.encode())
        before = previous = b""
        poem_numbers, poem_verse = [], []
        with open(self.path, "rb") as file:
            file.seek(offset)
            for line in iter(lambda: file.readline(MAX_LINE_BYTES), b""):
                offset += len(line)
                text = line.decode("utf-8", errors="replace").rstrip("\n")
                if heading := HEADING.match(text):
                    poem_numbers.append(int(heading.group(1)))
                elif text:
                    poem_verse.append(text)
                if line == previous == b"\n" and before.endswith(b"\n"):  # a poem's end
                    whole_end = offset
                    self._count(poem_verse)
                    poem_verse = []
                    self.poems += len(poem_numbers)
                    self.last_number = max(poem_numbers + [self.last_number])
                    poem_numbers = []
                before, previous = previous, line
        if offset > whole_end:
            self._cut_half_poem(whole_end, offset)

    def _begin(self) -> None:
        """A new (or empty) book gets its heading first, atomically: the file has it or is new."""
        if not self.path.exists() or self.path.stat().st_size == 0:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, HEADER.encode())

    def _cut_half_poem(self, whole_end: int, size: int) -> None:
        """A tail that is the next poem begun (the power went out mid-write) is cut off; any
        other tail is not ours to cut, and the book is refused as it is."""
        with open(self.path, "r+b") as file:
            file.seek(whole_end)
            tail = file.read(MAX_HALF_POEM_BYTES + 1)
            heading = f"{self.last_number + 1}. ".encode()
            if not tail.strip():
                return  # blank lines: nothing to cut, and the next poem reads well after them
            begun = tail.startswith(heading) or heading.startswith(tail)  # "2" is "2. " begun
            if len(tail) > MAX_HALF_POEM_BYTES or not begun:
                raise BookError(
                    f"{self.path} does not end with a whole poem of a book that Dreams wrote "
                    f"({size - whole_end:,} bytes after it); give a new file or such a book"
                )
            file.truncate(whole_end)

    def _count(self, lines: list[str]) -> None:
        self.lines += len(lines)
        self.words += sum(len(line.split()) for line in lines)
        self.death_lines += sum(map(is_death_line, lines))

    @property
    def death_index(self) -> float:
        return self.death_lines / self.lines if self.lines else 0.0

    def append(self, poem: Poem) -> int:
        """Write the poem whole (one write, flushed to disk); returns its number. A write that
        fails (a full disk) is cut back, so the book ends with its last whole poem."""
        data = format_poem(self.last_number + 1, poem).encode("utf-8")
        self._begin()
        with open(self.path, "ab", buffering=0) as file:
            append_whole(file, data, sync=True)
        self.last_number += 1
        self.poems += 1
        self._count(poem.lines)
        return self.last_number


def is_ours(path: Path) -> bool:
    """Whether the file begins with the heading that Dreams writes first in each of its books."""
    heading = HEADER.encode()
    with open(path, "rb") as file:
        return file.read(len(heading)) == heading


def open_book_beside(path: Path) -> Book:
    """The book at `path`, or, where a file there is not a book of ours (a user's notes), the
    first of `NAME-2.txt`, `NAME-3.txt`... that is ours or new: the user's file is kept as it
    is, and the poems go on in a book beside it, said in the log."""
    path = Path(path)
    for number in range(1, 1000):
        candidate = path if number == 1 else path.with_stem(f"{path.stem}-{number}")
        try:
            book = Book(candidate)
        except BookError as error:
            log.warning("book: %s", error)
            continue
        if candidate != path:
            log.warning("book: the poems go into %s; %s is kept as it is", candidate, path)
        return book
    raise BookError(f"no book of Dreams' could be opened beside {path}; move the files there")


class Scribe:
    """Takes lines as the poet writes them and puts each poem in the book once it is whole."""

    def __init__(self, book: Book):
        self.book = book
        self._poem: list[list[str]] = [[]]

    def add(self, line: PoemLine) -> None:
        """A line of the poem being written; once it is whole, the poem goes in the book. A full
        disk loses that poem from the book, said in the log, never the voice that reads it."""
        self._poem[-1].append(line.text)
        if line.last_of_poem:  # begun afresh first: a failed write loses this poem only
            poem, self._poem = Poem(line.poem_title, self._poem), [[]]
            try:
                self.book.append(poem)
            except OSError as error:
                log.error("book: a poem was not written in %s (%s)", self.book.path, error)
        elif line.last_of_stanza:
            self._poem.append([])

    def finish(self) -> None:
        """The poem being written at the end goes in the book as far as it got."""
        stanzas = [stanza for stanza in self._poem if stanza]
        if stanzas:
            self.book.append(Poem(title_for(stanzas[0][0]), stanzas))
        self._poem = [[]]
