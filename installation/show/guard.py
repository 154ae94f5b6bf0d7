"""The guard every thread of the live show runs under: a thread that dies is never silent.

Its exception goes to the log as one line, with the traceback in dreams.log only (log_file.py
writes a record's `traceback`; the console stays one line a fault); the main loop says so on
screen and over OSC (`/dreams/event`) and the summary counts it. Then the thread's loop starts
again where that is safe (film, poet, narrator, OSC: they hold nothing half-done), or the show
ends with a save where it is not (the trainer, the keeper: the main loop saves at the end).
"""

import logging
import threading
import traceback
from collections.abc import Callable

from installation.threads import Inbox

log = logging.getLogger(__name__)

RESTART_AFTER_S = 1.0  # a loop that fails at once is restarted at most once a second
REPORTS_WAITING = 100  # faults not yet shown by the main loop; beyond this, counted only


class Guard:
    def __init__(self, stop: threading.Event, end_show: Callable[[], None]):
        self._stop, self._end_show = stop, end_show
        self._lock = threading.Lock()
        self.faults = 0  # every fault of every thread, for the summary
        self._reports = Inbox(REPORTS_WAITING)  # the failed threads' names, for the main loop

    def thread(self, name: str, loop: Callable[[], None], restart: bool) -> threading.Thread:
        """A thread named `name` that runs `loop` under the guard."""
        return threading.Thread(
            target=self._guarded, args=(name, loop, restart), name=name, daemon=True
        )

    def _guarded(self, name: str, loop: Callable[[], None], restart: bool) -> None:
        while True:
            try:
                loop()
                return  # the loop ended by itself (the show's end, the film's end)
            except Exception as error:
                self._report(name, error, restart)
            if not restart:
                self._end_show()
                return
            if self._stop.wait(RESTART_AFTER_S):
                return

    def _report(self, name: str, error: Exception, restart: bool) -> None:
        with self._lock:
            self.faults += 1
        then = "restarted" if restart else "the show ends with a save"
        log.error(
            "show: the %s thread failed (%s: %s); %s",
            name,
            type(error).__name__,
            str(error)[:200],
            then,
            extra={"traceback": traceback.format_exc()},
        )
        self._reports.ask(name)

    def take_reports(self) -> list[str]:
        """The threads that failed since the last call; for the main loop."""
        return [name for name, _ in self._reports.drain()]
