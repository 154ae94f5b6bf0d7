"""C libraries (ALSA, SDL, PortAudio, rtmidi) print their own lines on stderr as they look for
devices; where Dreams says what they found in a line of its own, theirs are kept quiet."""

import contextlib
import os


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
