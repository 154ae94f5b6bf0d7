"""The one check of every path the user names, made once, before work starts.

    check_input(path, what)                 a file (or folder) to read: it exists and is readable
    check_output(path, what, need_mb=...)   a file (or folder) to write: its folder exists and is
                                            writable, it is not a device, and the disk has room
    check_name(path, what)                  only that it can be a path: not too long, no NUL
    impossible_source(source)               why a film source from OSC cannot be one, or None

Each check returns the path (with ~ expanded) or raises PathError, whose message is one line
that names `what` (the option or setting, e.g. "--out") and says what to do.
Nothing is left behind (a writable folder is proved by a file made and removed at once).
"""

import errno
import os
import shutil
import stat
import tempfile
from pathlib import Path

from engine.errors import DreamsError, shown
from engine.files import described as _described


class PathError(DreamsError):
    pass


def check_input(path: Path | str, what: str, folder: bool | None = False) -> Path:
    """A file to read (a folder with folder=True, either with None): it must exist, be of that
    kind and readable."""
    path = Path(path).expanduser()
    _check_length(path, what)
    kind = _kind(path, what)
    if kind is None:
        wanted = {True: "folder", False: "file", None: "file or folder"}[folder]
        raise PathError(f"{what} not found: {shown(path)}; give an existing {wanted}")
    is_folder = stat.S_ISDIR(kind)
    if folder and not is_folder:
        raise PathError(f"{what} {shown(path)} is {_described(kind)}; give a folder")
    if (folder is False and not stat.S_ISREG(kind)) or not (is_folder or stat.S_ISREG(kind)):
        raise PathError(f"{what} {shown(path)} is {_described(kind)}; give a regular file")
    if not os.access(path, os.R_OK | (os.X_OK if is_folder else 0)):
        raise PathError(f"{what} {shown(path)} cannot be read (no permission)")
    return path


def check_output(path: Path | str, what: str, need_mb: float = 1, folder: bool = False) -> Path:
    """A file to write (a new or empty folder with folder=True): its parent folder must exist and
    be writable, an existing file must be a regular one that may be written, and the disk must
    hold `need_mb` more megabytes (the first minute of the work)."""
    path = Path(path).expanduser()
    _check_length(path, what)
    kind = _kind(path, what)
    if folder and kind is not None and not stat.S_ISDIR(kind):
        raise PathError(f"{what} {shown(path)} is {_described(kind)}; give a new folder's name")
    if not folder and kind is not None and stat.S_ISDIR(kind):
        raise PathError(
            f"{what} {shown(path)} is a folder; give a file name such as {shown(path / 'out')}"
        )
    if not folder and kind is not None and not stat.S_ISREG(kind):
        raise PathError(f"{what} {shown(path)} is {_described(kind)}; give a regular file's name")
    parent = path.absolute().parent
    if _kind(parent, what) is None or not parent.is_dir():
        raise PathError(f"{what} {shown(path)}: the folder {shown(parent)} does not exist")
    if kind is not None and not os.access(path, os.W_OK):
        raise PathError(f"{what} {shown(path)} cannot be written (no permission); choose another")
    if (refused := _refused_in(parent)) is not None:
        raise PathError(f"{what} {shown(path)} cannot be made there ({refused}); choose another")
    _check_room(parent, what, need_mb)
    return path


def _refused_in(folder: Path) -> str | None:
    """Why a file cannot be made in the folder, or None where it can: a file made and removed
    at once is the one test that /proc, a read-only disk and a locked folder all fail, even for
    root."""
    try:
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".dreams-probe-"):
            return None
    except OSError as error:
        return error.strerror or str(error)


def _kind(path: Path, what: str) -> int | None:
    """The file's type bits (following links), or None where nothing is there."""
    try:
        return os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:  # a loop of links, a dead network mount, no permission above
        raise PathError(f"{what} {shown(path)} cannot be looked at ({error.strerror})") from None


def check_name(path: Path | str, what: str) -> Path:
    """Only that the path can be a path at all (for a setting used later, or a folder made
    later): no NUL character, each name within NAME_MAX, the whole within PATH_MAX."""
    path = Path(path).expanduser()
    _check_length(path, what)
    return path


def _check_length(path: Path, what: str) -> None:
    """Each name within the file system's NAME_MAX, the whole within its PATH_MAX."""
    if "\x00" in str(path):
        raise PathError(f"{what} {shown(path)!r} holds a NUL character; no path can")
    whole = os.fsencode(path.absolute())
    anchor = _nearest_existing(path.absolute())
    name_max = _limit(anchor, "PC_NAME_MAX", 255)
    path_max = _limit(anchor, "PC_PATH_MAX", 4096)
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    if longest > name_max or len(whole) >= path_max:
        raise PathError(
            f"{what} {shown(path)}: the name is too long (at most {name_max} characters a name, "
            f"{path_max - 1} in all); choose a shorter one"
        )


def _nearest_existing(path: Path) -> Path:
    for folder in (path, *path.parents):
        try:
            if folder.exists():
                return folder
        except OSError:  # a name too long to look at: its parent is asked instead
            continue
    return Path("/")


def _limit(folder: Path, name: str, default: int) -> int:
    if not hasattr(os, "pathconf"):  # Windows: the defaults
        return default
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default


def _check_room(folder: Path, what: str, need_mb: float) -> None:
    try:
        free = shutil.disk_usage(folder).free
    except OSError as error:
        if error.errno == errno.ENOSYS:
            return  # a file system that does not say: the write itself will tell
        raise PathError(f"{what}: the folder {shown(folder)} cannot be looked at") from None
    if free < need_mb * 1e6:
        raise PathError(
            f"{what}: the disk of {shown(folder)} has {free / 1e6:.0f} MB free, and the first "
            f"minute of work needs {need_mb:.0f} MB; free some space or choose another disk"
        )


LONGEST_SOURCE = 4096  # characters of a URL or camera:N from OSC; a path is held to the system's


def impossible_source(source: str) -> str | None:
    """Why a film source from OSC cannot be one (too long, a NUL), or None. A path is held to
    the one check of installation/paths.py; a URL or camera:N only to a length."""
    from engine.mind.film import is_path  # here: the film's module brings cv2, every command not

    if len(source) > LONGEST_SOURCE:
        return f"{len(source):,} characters; at most {LONGEST_SOURCE:,}"
    if not is_path(source):
        return None if "\0" not in source else "it holds a NUL character"
    try:
        check_name(source, "film source")
    except PathError as error:
        return str(error)
    return None
