"""The files written beside a cut, line by line as it goes, so an interrupted run keeps them:
the subtitles (.srt) and the JSON log (one JSON object a line)."""

import json
import os
from pathlib import Path

from engine.files import append_whole


class AppendFile:
    """A text file appended to and flushed line by line; `truncate_at` cuts it back first (to
    where a resumed run's checkpoint left it)."""

    def __init__(self, path: Path, truncate_at: int | None = None):
        self.path = Path(path)
        self._file = open(self.path, "ab", buffering=0)  # for the whole run (engine/files.py)
        if truncate_at is not None:
            self._file.truncate(truncate_at)
            self._file.seek(truncate_at)

    @property
    def offset(self) -> int:
        return self._file.tell()

    def write(self, text: str) -> None:
        """Append the text whole, or (a full disk) raise and leave the file as it was: it ends
        on a whole line, always."""
        append_whole(self._file, text.encode("utf-8"))

    def sync(self) -> None:
        os.fsync(self._file.fileno())

    def close(self) -> None:
        self._file.close()


def srt_time(seconds: float) -> str:
    milliseconds = max(round(seconds * 1000), 0)
    hours, rest = divmod(milliseconds, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d},{rest % 1000:03d}"


class SubtitleFile(AppendFile):
    def __init__(self, path: Path, truncate_at: int | None = None, entries: int = 0):
        super().__init__(path, truncate_at)
        self.entries = entries

    def add(self, start: float, end: float, text: str) -> None:
        number = self.entries + 1  # counted once it is written
        self.write(f"{number}\n{srt_time(start)} --> {srt_time(end)}\n{text}\n\n")
        self.entries = number


class JsonLog(AppendFile):
    def add(self, event: str, **fields) -> None:
        self.write(json.dumps({"event": event, **fields}, ensure_ascii=False) + "\n")
