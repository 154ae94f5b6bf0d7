"""The keeper of the live show's mind: finds the newest good save at the start, and writes new
ones on its own thread (the trainer only copies its state, it never waits for a disk). A save
that fails (a full disk) is logged and tried again at the next interval; the show goes on. What
it has kept is published as a Kept record in a latest-value slot (the status page, the summary)."""

import logging
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.config import StateConfig
from engine.files import described
from engine.mind.build import MindShape, check_fits
from engine.mind.saves import SavesFolder, default_state_folder
from engine.mind.sealed import SealedFileError
from installation.show.lock import FolderLock
from installation.threads import LatestSlot

log = logging.getLogger(__name__)


def state_folder(config: StateConfig) -> Path:
    return Path(config.folder).expanduser() if config.folder else default_state_folder()


def unwritable(folder: Path, error: OSError) -> SealedFileError:
    blockers = (p for p in (folder, *folder.parents) if p.exists() and not p.is_dir())
    blocker = (
        next(blockers, None) if isinstance(error, FileExistsError | NotADirectoryError) else None
    )
    if blocker is not None:  # a file where a folder goes
        where = "" if blocker == folder else f": {blocker}"
        return SealedFileError(
            f"state.folder {folder}{where} is {described(blocker.stat().st_mode)}; give a "
            "folder (a new one is made), or --set state.enabled=false"
        )
    return SealedFileError(
        f"state.folder {folder} cannot be written ({error.strerror or error}); "
        "give a folder you can write, or --set state.enabled=false"
    )


@dataclass(frozen=True)
class Kept:
    """The keeper's figures: saves written and failed in this show, the last one saved (its
    network, 0 for none, and when), and whether the last try failed."""

    saves_written: int = 0
    saves_failed: int = 0
    last_saved_number: int = 0
    last_saved_unix: float | None = None
    last_save_failed: bool = False


class Keeper:
    def __init__(self, config: StateConfig):
        self.config = config
        self.folder = SavesFolder(state_folder(config), config.keep)
        self._check_folder()
        self.lock = FolderLock(self.folder.path)
        self.lock.take()  # before anything in the folder is touched: one show per folder
        self.folder.remove_partials()
        self._stop = threading.Event()
        self.saves_written = self.saves_failed = 0
        self.aside: Path | None = None  # where start_fresh moved the earlier saves
        self.last_saved_number = 0
        self.last_saved_unix: float | None = None  # when (the status page says "4 min ago")
        self.last_save_failed = False
        self.kept = LatestSlot(Kept())  # put here only (the state thread, or at the end)
        self._due = time.monotonic() + config.save_every_s
        self._pending = LatestSlot()
        self.thread = threading.Thread(target=self.loop, name="state", daemon=True)

    def _check_folder(self) -> None:
        """An unwritable state folder is the user's mistake: said before the show opens."""
        path = self.folder.path
        try:
            path.mkdir(parents=True, exist_ok=True)
            probe = path / f".probe-{os.getpid()}"
            probe.write_bytes(b"")
            probe.unlink()
        except OSError as error:
            raise unwritable(path, error) from None

    def stop(self) -> None:
        self._stop.set()

    def newest(self, shape: MindShape) -> tuple[dict, Path] | None:
        """The newest save of a mind of this shape; saves of another shape (the log says
        which) are set aside."""
        found = self.folder.newest_good(lambda state: check_fits(state, shape))
        if found is None and self.folder.saves():  # none fits: keep them, out of the way
            self.start_fresh()
        return found

    def start_fresh(self) -> None:
        """Every save moved aside: the next one is a blank mind's."""
        self.aside = self.folder.set_aside()
        if self.aside is not None:
            log.info("state: a blank mind; the earlier saves are kept in %s", self.aside)

    def due(self) -> bool:
        """For the trainer thread: time to hand over a state."""
        return time.monotonic() >= self._due

    def offer(self, state: dict) -> None:
        """From the trainer thread: a state (already on the CPU) to write soon."""
        self._due = time.monotonic() + self.config.save_every_s
        self._pending.put(state)

    def loop(self) -> None:
        while not self._stop.is_set():
            if self._pending.wait_put(0.5):
                self.write(self._pending.take())

    def write(self, state: dict, at_exit: bool = False) -> None:
        try:
            path = self.folder.save(state)
        except OSError as error:
            self.saves_failed += 1
            self.last_save_failed = True
            then = "lost" if at_exit else f"trying again in {self.config.save_every_s:g} s"
            kept = f"network {self.last_saved_number}" if self.last_saved_number else "none"
            log.warning(
                "state: network %d not saved in %s (%s); %s (the last saved in this show: %s)",
                state["trainer"]["number"],
                self.folder.path,
                error.strerror or error,
                then,
                kept,
            )
            self._publish()
            return
        self.saves_written += 1
        self.last_saved_number = state["trainer"]["number"]
        self.last_saved_unix, self.last_save_failed = time.time(), False
        self._publish()
        log.info("state: network %d saved (%s)", self.last_saved_number, path.name)

    def _publish(self) -> None:
        self.kept.put(Kept(self.saves_written, self.saves_failed, self.last_saved_number,
                           self.last_saved_unix, self.last_save_failed))  # fmt: skip
