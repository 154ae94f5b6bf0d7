"""One show per state folder: a lock on `dreams.lock` there (fcntl.flock). The kernel drops it
when the process ends, however it ends, so a crash or a pulled plug never leaves a stale lock and
a restart never needs a hand. The file holds the pid of the show that has it, for the message."""

import fcntl
import os
from pathlib import Path

from engine.state import StateError

LOCK_NAME = "dreams.lock"


class FolderLock:
    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self._file = None

    def take(self) -> None:
        """Hold the folder, or a StateError naming the show that holds it."""
        file = open(self.path, "a+")  # never truncated before the lock is ours: it names the holder
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            file.seek(0)
            holder = file.read().strip() or "unknown"
            file.close()
            raise StateError(
                f"state.folder {self.path.parent} is in use by another show (pid {holder}); "
                "stop that show, or give this one another state.folder"
            ) from None
        try:  # only for the message: a full disk keeps the lock, the pid unsaid
            os.ftruncate(file.fileno(), 0)
            os.write(file.fileno(), f"{os.getpid()}\n".encode())
        except OSError:
            pass
        self._file = file

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the file drops the lock
            self._file = None
