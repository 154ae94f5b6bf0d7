"""What reaches the console's stderr. C libraries (ALSA, SDL, PortAudio, rtmidi) print their own
lines there as they look for devices; where Dreams says what they found in a line of its own,
theirs are kept quiet. Long work draws its progress bar there (tqdm), or writes plain lines where
stderr is a log."""

import contextlib
import os
import sys

from tqdm import tqdm


@contextlib.contextmanager
def quiet_stderr():
    """The process's stderr (file descriptor 2, which C libraries write to) sent nowhere within."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


class _Lines:
    """stderr as a log sees it, for tqdm: each redraw (a carriage return, then the bar) a line
    of its own, and no blank ones."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: every bar here is drawn by its own updates


def progress_bar(total: int | None, what: str = "", **settings) -> tqdm:
    """A progress bar on stderr (tqdm): on a terminal redrawn in place, four times a second at
    most; into a log (stderr not a terminal), a plain line every ten seconds and the last.
    `settings` go to tqdm as they are (a bar_format, a unit, another interval)."""
    terminal = sys.stderr.isatty()
    options = {
        "file": sys.stderr if terminal else _Lines(sys.stderr),
        "mininterval": 0.25 if terminal else 10.0,
        "miniters": 1,  # every update is looked at; the interval alone says when to draw
        "ascii": not terminal,
        "dynamic_ncols": terminal,
        "position": 0,  # its own line, where the cursor is: never one moved to above or below
    }
    return _Bar(total=total, desc=what, **{**options, **settings})
