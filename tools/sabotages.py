"""The named one-line sabotages that tools/sabotage.py applies, one at a time, to a scratch copy
of the tree: each breaks real behaviour a user would notice, and names the tests meant to catch
it. They are kept as data, one TOML file per part of Dreams in tools/sabotages/, so the list can
grow with the program; `original` must occur exactly once in `file`."""

import tomllib
from dataclasses import dataclass
from pathlib import Path

FOLDER = Path(__file__).resolve().parent / "sabotages"


@dataclass(frozen=True)
class Sabotage:
    name: str
    what: str  # what a user would notice
    file: str
    original: str
    replacement: str
    tests: list[str]


def read_sabotages(folder: Path = FOLDER) -> list[Sabotage]:
    sabotages = []
    for path in sorted(folder.glob("*.toml")):
        sabotages += [Sabotage(**entry) for entry in tomllib.loads(path.read_text())["sabotage"]]
    return sabotages


SABOTAGES = read_sabotages()
