"""Writing the user's files so that a fault (a full disk, a pulled plug) never leaves half a
thing behind: a whole file replaced at once, or a record appended whole."""

import os
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Write, flush, fsync, rename: a half-written file never has the final name."""
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        with open(partial, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        partial.replace(path)
    except BaseException:  # a full disk: no half-written file is left behind
        partial.unlink(missing_ok=True)
        raise


def append_whole(file, data: bytes, sync: bool = False) -> None:
    """Append `data` to a file opened unbuffered for appending (`open(path, "ab", buffering=0)`:
    a failed write leaves nothing behind to fail again at close), and fsync it if asked. A write
    that fails (a full disk) raises with the file cut back to where it ended."""
    start = file.seek(0, os.SEEK_END)
    rest = memoryview(data)
    try:
        while rest:
            rest = rest[file.write(rest) :]
        if sync:
            os.fsync(file.fileno())
    except OSError:
        try:
            os.ftruncate(file.fileno(), start)
        except OSError:  # the half stays for its reader to cut off (engine/book.py does)
            pass
        file.seek(start)
        raise
