"""One line of `dreams doctor`: a check, its status, what was found and what to do."""

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
