"""The poet thread: keeps a bounded queue of lines written ahead of use, sleeps while it is full,
and survives a failing model (logged, rebuilt after a pause)."""

import logging
import queue
import threading
from dataclasses import dataclass

log = logging.getLogger(__name__)

RETRY_S = 5.0  # pause before rebuilding a poet whose model failed


@dataclass(frozen=True)
class Line:
    text: str
    poem_title: str
    first_of_poem: bool
    last_of_stanza: bool
    last_of_poem: bool


class PoetThread:
    def __init__(self, make_poet, capacity: int, stop: threading.Event, retry_s=RETRY_S):
        self.lines: queue.Queue[Line] = queue.Queue(maxsize=capacity)
        self._make_poet, self._stop, self._retry_s = make_poet, stop, retry_s
        self.failures = 0
        self.poet = None
        self.thread = threading.Thread(target=self._run, name="poet", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                if self.poet is None:
                    self.poet = self._make_poet()
                    self.poet.abort = self._stop.is_set
                for poem in self.poet.poems(1):
                    if not self._deliver(poem):
                        return
            except Exception:  # a model fault must not end the show: log, rebuild, go on
                self.failures += 1
                self.poet = None
                log.exception("poet: writing failed (%d so far); trying again", self.failures)
                if self._stop.wait(self._retry_s):
                    return

    def _deliver(self, poem) -> bool:
        """Queue the poem's lines, waiting while the queue is full; False once stopped."""
        for s, stanza in enumerate(poem.stanzas):
            for i, text in enumerate(stanza):
                last_stanza = s == len(poem.stanzas) - 1
                line = Line(
                    text,
                    poem.title,
                    first_of_poem=s == 0 and i == 0,
                    last_of_stanza=i == len(stanza) - 1,
                    last_of_poem=last_stanza and i == len(stanza) - 1,
                )
                while True:
                    try:
                        self.lines.put(line, timeout=0.2)
                        break
                    except queue.Full:
                        if self._stop.is_set():
                            return False
        return not self._stop.is_set()

    def next_line(self) -> Line | None:
        """The next line if one is ready; never blocks."""
        try:
            return self.lines.get_nowait()
        except queue.Empty:
            return None
