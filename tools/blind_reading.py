"""A blind reading of a book beside the corpus, the test of issue 30 that a reader we keep to
ourselves sits: lines of a `dreams write` book and lines of the corpus, shuffled, for a reader
(a person, or a language model told nothing else) to sort into "corpus" and "machine".

    .venv/bin/python tools/blind_reading.py set book.txt reading/      # reading/lines.txt
    .venv/bin/python tools/blind_reading.py score reading/ verdict.json

`set` writes `lines.txt` (numbered, for the reader) and `answers.json` (kept from the reader) in
a new folder; the same seed draws the same lines. `score` reads the verdict (a JSON list of
"corpus" or "machine", one a line) and says how often the reader told them apart: 50% is chance.
"""

import argparse
import json
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.config import load_config  # noqa: E402
from engine.poet.corpus import Corpus  # noqa: E402
from engine.poet.critic import stanzas_of_book  # noqa: E402
from engine.poet.preparation import cache_folder  # noqa: E402

KINDS = ("corpus", "machine")


def make_set(book: Path, folder: Path, lines: int, seed: int) -> None:
    chance = random.Random(seed)
    written = [
        line for stanza in stanzas_of_book(book.read_text(encoding="utf-8")) for line in stanza
    ]
    if len(written) < lines:
        sys.exit(f"blind_reading: {book} has {len(written)} lines; give a longer book or --lines")
    corpus = Corpus.load(cache_folder(load_config(None, []).poet))
    theirs = [corpus.line(chance.randrange(len(corpus))) for _ in range(lines)]
    items = [(line, "machine") for line in chance.sample(written, lines)]
    items += [(line, "corpus") for line in theirs]
    chance.shuffle(items)
    folder.mkdir(parents=True, exist_ok=False)  # never over an earlier reading's answers
    numbered = (f"{n}. {line}" for n, (line, _) in enumerate(items, 1))
    (folder / "lines.txt").write_text("\n".join(numbered) + "\n", encoding="utf-8")
    (folder / "answers.json").write_text(json.dumps([kind for _, kind in items]))
    print(f"{folder / 'lines.txt'}: {len(items)} lines for the reader")


def score(folder: Path, verdict: Path) -> None:
    answers = json.loads((folder / "answers.json").read_text(encoding="utf-8"))
    said = json.loads(verdict.read_text(encoding="utf-8"))
    if len(said) != len(answers) or not set(said) <= set(KINDS):
        sys.exit(f"blind_reading: {verdict} must list {len(answers)} of {' or '.join(KINDS)}")
    right = sum(a == s for a, s in zip(answers, said, strict=True))
    caught = sum(a == s == "machine" for a, s in zip(answers, said, strict=True))
    print(
        f"told apart {right} of {len(answers)} ({right / len(answers):.0%}; chance is 50%); "
        f"{caught} of {answers.count('machine')} of the book's lines named"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    making = commands.add_parser("set", help="a shuffled set of lines for a reader")
    making.add_argument("book", type=Path)
    making.add_argument("folder", type=Path, help="a new folder for the set and its answers")
    making.add_argument("--lines", type=int, default=40, help="lines from each side")
    making.add_argument("--seed", type=int, default=42)
    scoring = commands.add_parser("score", help="how often a verdict told them apart")
    scoring.add_argument("folder", type=Path)
    scoring.add_argument("verdict", type=Path)
    args = parser.parse_args()
    if args.command == "set":
        make_set(args.book, args.folder, args.lines, args.seed)
    else:
        score(args.folder, args.verdict)


if __name__ == "__main__":
    main()
