"""The live show's saves: a folder of numbered state files (mind-000001.state, ...), the highest
number the newest. A save never overwrites one before it; the oldest beyond `keep` are removed
once a new one is safely on disk. A damaged save is passed over for the one before it (and
renamed .damaged, so that it never takes the place of a good one among those kept)."""

import logging
import re
import time
from pathlib import Path

from engine.files import default_state_folder  # noqa: F401 (named here by the keeper, tests)
from engine.mind.sealed import SealedFileError, load_sealed, save_sealed

log = logging.getLogger(__name__)

NAME = re.compile(r"^mind-(\d{6,})\.state$")


class SavesFolder:
    def __init__(self, path: Path, keep: int):
        self.path, self.keep = Path(path), keep

    def remove_partials(self) -> None:
        """Half-written saves left by a power cut (never loaded: they lack the final name)."""
        if self.path.is_dir():
            for partial in self.path.glob(".mind-*.partial"):
                partial.unlink(missing_ok=True)

    def saves(self) -> list[Path]:
        """The state files, newest first."""
        if not self.path.is_dir():
            return []
        found = [(int(m[1]), p) for p in self.path.iterdir() if (m := NAME.match(p.name))]
        return [path for _, path in sorted(found, reverse=True)]

    def save(self, state: dict) -> Path:
        """A new save after the newest; then the oldest beyond `keep` go. OSError (a full disk)
        leaves the earlier saves as they were."""
        self.path.mkdir(parents=True, exist_ok=True)
        saves = self.saves()
        number = int(NAME.match(saves[0].name)[1]) + 1 if saves else 1
        path = self.path / f"mind-{number:06d}.state"
        save_sealed(path, state)
        for old in [path, *saves][self.keep :]:
            old.unlink(missing_ok=True)
        return path

    def newest_good(self, fits=None) -> tuple[dict, Path] | None:
        """The newest save that loads whole (and that `fits(state)` does not refuse with a
        SealedFileError), with its path; None when there is none."""
        for path in self.saves():
            try:
                state = load_sealed(path)
            except SealedFileError as error:  # kept for a look, out of the count of saves kept
                log.warning("state: %s; set aside as .damaged, trying the save before it", error)
                path.replace(path.with_name(path.name + ".damaged"))
                continue
            try:
                if fits is not None:
                    fits(state)
                return state, path
            except SealedFileError as error:
                log.warning("state: %s: %s; trying the save before it", path.name, error)
        return None

    def set_aside(self) -> Path | None:
        """Move every save into earlier/<date-time>/ (a fresh mind; nothing is deleted)."""
        saves = self.saves()
        if not saves:
            return None
        aside = self.path / "earlier" / time.strftime("%Y%m%d-%H%M%S")
        aside.mkdir(parents=True, exist_ok=True)
        for path in saves:
            path.replace(aside / path.name)
        return aside
