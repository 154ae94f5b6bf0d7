"""Writing the user's files so that a fault (a full disk, a pulled plug) never leaves half a
thing behind: a whole file replaced at once, or a record appended whole; and reading them back
only where they are regular files of a size that can be theirs (read_regular); and where the
user's data lives on each system (default_state_folder)."""

import os
import shutil
import stat
import sys
from pathlib import Path


class NotRegular(OSError):
    """A file refused before it is read: a device, a pipe or a folder, or one over the size
    its reader allows. str() is the reason, in words."""


def described(mode: int) -> str:
    """What kind of thing a file's type bits say it is, in words ("a device", ...)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISREG(mode):
        return "a file"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "a pipe or socket" if stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) else "not a file"


def read_regular(path: Path, limit: int) -> bytes:
    """The bytes of `path` (links followed) when it is a regular file of at most `limit` bytes;
    else NotRegular, before anything is read: /dev/zero would never end, a pipe would hang."""
    # O_NONBLOCK: opening a pipe that nobody writes returns at once instead of waiting for ever
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise NotRegular(f"{path} is {described(info.st_mode)}, not a regular file")
        if info.st_size > limit:
            raise NotRegular(f"{path} is {info.st_size:,} bytes, over the {limit:,} it can be")
    except BaseException:
        os.close(descriptor)
        raise
    with open(descriptor, "rb") as file:
        return file.read(info.st_size)  # what it held when looked at: bounded, whatever comes


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


def replace_folder(partial: Path, out: Path) -> None:
    """Give a finished folder its final name, over an older one of the same name if there is
    one (a renamed folder cannot take a full folder's name on any system: the old one is moved
    aside first, put back if the new one cannot take its place, and removed last)."""
    aside = out.with_name(f".{out.name}.{os.getpid()}.old")
    shutil.rmtree(aside, ignore_errors=True)
    if out.exists():
        out.rename(aside)
    try:
        partial.rename(out)
    except BaseException:  # a file held open by a virus scanner on Windows, say
        if aside.exists():
            aside.rename(out)
        raise
    shutil.rmtree(aside, ignore_errors=True)


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
        except OSError:  # the half stays for its reader to cut off (engine/poet/book.py does)
            pass
        file.seek(start)
        raise


def default_state_folder() -> Path:
    """Where a user's data lives: $XDG_DATA_HOME (~/.local/share) on Linux, Application Support
    on macOS, %LOCALAPPDATA% on Windows."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Dreams"
    if sys.platform == "win32" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "Dreams"
    data = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data) / "dreams"


def default_cache_dir() -> Path:
    """Where Dreams keeps what it prepares once: the poet's corpus and model, torch's compiled
    kernels (XDG_CACHE_HOME, or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "dreams"
