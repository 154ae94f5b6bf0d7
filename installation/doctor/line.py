"""One line of `dreams doctor`: a check, its status, what was found and what to do."""

import contextlib
import os
from dataclasses import dataclass

OK, WARNING, FAILED = "ok", "warning", "failed"


@dataclass(frozen=True)
class Line:
    check: str
    status: str  # ok: nothing to do; warning: the show runs, with less; failed: it cannot run
    detail: str
    hint: str = ""

    STATUSES = (OK, WARNING, FAILED)

    def shown(self) -> str:
        said = f"{self.detail}; {self.hint}" if self.hint else self.detail
        return f"{self.status:<8} {self.check:<13} {said}"


def ok(check: str, detail: str) -> Line:
    return Line(check, OK, detail)


def warning(check: str, detail: str, hint: str) -> Line:
    return Line(check, WARNING, detail, hint)


def failed(check: str, detail: str, hint: str) -> Line:
    return Line(check, FAILED, detail, hint)


@contextlib.contextmanager
def quiet_stderr():
    """C libraries (ALSA, SDL, PortAudio) print their own lines on stderr as they look for
    devices; the doctor says what they found in its own line."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
