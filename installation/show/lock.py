"""One show per state folder: a lock on `dreams.lock` there, the system's own (flock on Linux and
macOS, LockFileEx on Windows: filelock's lock_descriptor). The system drops it when the process
ends, however it ends, so a crash or a pulled plug never leaves a stale lock and a restart never
needs a hand. The file holds the pid of the show that has it, for the message, after its first
byte: Windows locks that byte, and another process could not read it there."""

import logging
import os
import warnings
from pathlib import Path

with warnings.catch_warnings():  # where there is no flock it warns; take() says so in a line
    warnings.simplefilter("ignore")
    from filelock import lock_descriptor

from engine.mind.sealed import SealedFileError

LOCK_NAME = "dreams.lock"

log = logging.getLogger(__name__)


class FolderLock:
    def __init__(self, folder: Path):
        self.path = folder / LOCK_NAME
        self._fd: int | None = None

    def take(self) -> None:
        """Hold the folder, or a SealedFileError naming the show that holds it."""
        # never truncated before the lock is ours: it names the holder
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0))
        try:
            held = lock_descriptor(fd, blocking=False)
        except OSError as error:  # no lock on this system or disk (ENOSYS, ENOLCK): go on, said
            log.warning(
                "state: %s cannot be locked here (%s); run one show at a time in this folder",
                self.path,
                error.strerror or error,
            )
            held = True
        if not held:
            holder = _holder(fd)
            os.close(fd)
            raise SealedFileError(
                f"state.folder {self.path.parent} is in use by another show (pid {holder}); "
                "stop that show, or give this one another state.folder"
            )
        try:  # only for the message: a full disk keeps the lock, the pid unsaid
            os.ftruncate(fd, 0)
            os.write(fd, f"\n{os.getpid()}\n".encode())
        except OSError:
            pass
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the file drops the lock
            self._fd = None


def _holder(fd: int) -> str:
    try:
        os.lseek(fd, 1, os.SEEK_SET)  # past the byte that Windows locks
        return os.read(fd, 64).decode(errors="replace").strip() or "unknown"
    except OSError:
        return "unknown"
