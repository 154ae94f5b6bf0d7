"""The poet thread: keeps a bounded queue of lines written ahead of use, sleeps while it is full,
survives a failing model (logged, rebuilt after a pause), and, given a book, puts every poem it
writes in it. The poet is prepared (corpus, model, rhyme index: seconds; minutes the first time,
when its cache is prepared too) on a helper thread that the show's end does not wait for: the
poet thread itself stops within 0.1 s, and the helper at the end of the step it is in (a second
or so; the process waits for it before it exits). Until its first line is spoken, the screen
says quietly that the poet is waking (`waking`). Its count of lines written is published as a
PoetCount in a latest-value slot (the saves carry it, so that a resumed poet begins a new page)."""

import logging
import queue
import threading
from dataclasses import dataclass

from engine.poet.book import Scribe
from engine.poet.writer import PoemLine, PreparationStopped
from installation.threads import LatestSlot, put_until_stopped

log = logging.getLogger(__name__)

RETRY_S = 5.0  # pause before rebuilding a poet whose model failed
STOP_CHECK_S = 0.1  # while the poet is prepared, how often the thread looks for the show's end
WAKING = "the poet is waking"
PREPARING = "the poet is waking: preparing once (about three minutes)"
WAKING_OPACITY = 0.5  # said quietly: dimmer than a line of the poem


@dataclass(frozen=True)
class PoetCount:
    """The poet thread's figures: the lines it has written in this show."""

    lines_written: int = 0


class PoetThread:
    def __init__(self, make_poet, capacity: int, stop: threading.Event, retry_s=RETRY_S, book=None):
        self.lines: queue.Queue[PoemLine] = queue.Queue(maxsize=capacity)
        self._make_poet, self._stop, self._retry_s = make_poet, stop, retry_s
        self.scribe = Scribe(book) if book is not None else None
        self.failures = self.lines_written = 0
        self.count = LatestSlot(PoetCount())  # put here only, read by any thread
        self.poet = None
        self.preparing = None  # the newest Step of the cache's preparation while one runs
        self.rest = threading.Event()  # set while the gallery is closed: no line is written
        self.thread = threading.Thread(target=self.loop, name="poet", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def loop(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poet is None:
                    self.poet = self._prepared()
                    if self.poet is None:
                        return  # the show ended first
                    self.poet.abort = self._stop.is_set
                for line in self.poet.lines():
                    if not self._deliver(line):
                        return
            except Exception:  # a model fault must not end the show: log, rebuild, go on
                self.failures += 1
                self.poet = None
                log.exception("poet: writing failed (%d so far); trying again", self.failures)
                if self._stop.wait(self._retry_s):
                    return

    def _prepared(self):
        """A new poet, or None once the show stops. `make_poet(abort=...)` is prepared on a
        thread that stops at its next step once the show stops (engine/poet/writer.py:
        open_poet)."""
        done: queue.Queue = queue.Queue(maxsize=1)

        def prepare() -> None:
            try:
                done.put((self._make_poet(abort=self._stop.is_set, progress=self._heard), None))
            except PreparationStopped:
                pass
            except Exception as error:  # raised on the poet thread, where the guard sees it
                done.put((None, error))
            finally:
                self.preparing = None

        # said, or it would be a daemon like the poet thread, and cut off at the exit mid-step
        # it aborts the process ("terminate called without an active exception", status -6)
        threading.Thread(target=prepare, name="poet preparing", daemon=False).start()
        while not self._stop.is_set():
            try:
                poet, error = done.get(timeout=STOP_CHECK_S)
            except queue.Empty:
                continue
            if error is not None:
                raise error
            return poet
        log.info("poet: the show ended while the poet was being prepared; not waited for")
        return None

    def _heard(self, step) -> None:
        self.preparing = step  # replaced whole: safe to read from any thread

    def waking(self) -> tuple[str, float]:
        """The subtitle while no line has been spoken yet, and its opacity: why it is silent."""
        return (PREPARING if self.preparing is not None else WAKING), WAKING_OPACITY

    def _deliver(self, line: PoemLine) -> bool:
        while self.rest.is_set() and not self._stop.is_set():
            self._stop.wait(STOP_CHECK_S)  # the poet rests here, its next line not begun
        self.lines_written += 1
        self.count.put(PoetCount(self.lines_written))
        if self.scribe is not None:
            self.scribe.add(line)  # a full disk loses a poem of the book, not the show
        return put_until_stopped(self.lines, line, self._stop)

    def next_line(self) -> PoemLine | None:
        """The next line if one is ready; never blocks."""
        try:
            return self.lines.get_nowait()
        except queue.Empty:
            return None
