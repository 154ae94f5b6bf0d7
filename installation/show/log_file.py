"""The log file of the live show: dreams.log in the state folder, rotating, each line with the
network number of its moment, so that weeks on a wall can be read back. A record's `traceback`
(a thread's fault, installation/show/guard.py) is written here, never on the console. A state
folder deleted under the show is made again, and the log goes on in a new dreams.log there."""

import logging
import os
import sys
from logging.handlers import RotatingFileHandler

from engine.config import StateConfig
from installation.show.keeper import state_folder, unwritable

FORMAT = "%(asctime)s %(levelname)s network %(network)s %(message)s"


class NetworkNumber(logging.Filter):
    """Stamps each line with the live network's number (`number`: set once the show exists;
    "-" before)."""

    def __init__(self):
        super().__init__()
        self.number = lambda: "-"

    def filter(self, record: logging.LogRecord) -> bool:
        record.network = self.number()
        return True


class WithTraceback(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        traceback = getattr(record, "traceback", None)
        return f"{text}\n{traceback.rstrip()}" if traceback else text


class ReopeningLog(RotatingFileHandler):
    """A rotating log that notices its file deleted or replaced (the state folder removed by
    hand) and opens it again, making the folder, instead of writing into a deleted file. A log
    that cannot be written (a full disk) is said once on the console, not a traceback a line:
    the show goes on, its lines on the console, and the file takes them again once it can."""

    failing = False  # the last line could not be written

    def emit(self, record: logging.LogRecord) -> None:
        if self.stream is not None and self._gone():
            self.stream.close()
            self.stream = None
            try:
                os.makedirs(os.path.dirname(self.baseFilename), exist_ok=True)
            except OSError:
                pass  # the write below fails and says so (handleError)
        was_failing, self.written = self.failing, True
        super().emit(record)  # a failure calls handleError
        if was_failing and self.written:
            self.failing = False
            self._say(logging.INFO, "log: %s is written again (lines were lost while it was not)")

    def handleError(self, record: logging.LogRecord) -> None:
        self.written = False
        if not self.failing:
            self.failing = True
            error = sys.exc_info()[1]
            reason = getattr(error, "strerror", None) or error
            why = "log: %s cannot be written (%s); the show goes on, its log on the console only"
            self._say(logging.ERROR, why + " until the file takes lines again", reason)

    def _say(self, level: int, message: str, *args) -> None:
        """A line on the console (and in the file, once it takes lines again), never through
        this handler's failing write."""
        said = logging.getLogger(__name__).makeRecord(
            __name__, level, __file__, 0, message, (self.baseFilename, *args), None
        )
        for handler in logging.getLogger().handlers:
            if handler is not self and not isinstance(handler, logging.FileHandler):
                handler.handle(said)
        if not self.failing and self.filter(said):  # the filter stamps the network number
            super().emit(said)

    def _gone(self) -> bool:
        try:
            on_disk = os.stat(self.baseFilename)
        except OSError:
            return True
        opened = os.fstat(self.stream.fileno())
        return (on_disk.st_dev, on_disk.st_ino) != (opened.st_dev, opened.st_ino)


def open_log_file(config: StateConfig) -> NetworkNumber:
    path = state_folder(config) / "dreams.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = ReopeningLog(
            path, maxBytes=config.log_kb * 1024, backupCount=config.log_files, encoding="utf-8"
        )
    except OSError as error:
        raise unwritable(path.parent, error) from None
    numbers = NetworkNumber()
    numbers.handler = handler  # for whoever closes the log (a test)
    handler.addFilter(numbers)
    handler.setFormatter(WithTraceback(FORMAT, "%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)
    return numbers
