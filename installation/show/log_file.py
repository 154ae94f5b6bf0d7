"""The log file of the live show: dreams.log in the state folder, rotating, each line with the
network number of its moment, so that weeks on a wall can be read back."""

import logging
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


def open_log_file(config: StateConfig) -> NetworkNumber:
    path = state_folder(config) / "dreams.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = RotatingFileHandler(
            path, maxBytes=config.log_kb * 1024, backupCount=config.log_files, encoding="utf-8"
        )
    except OSError as error:
        raise unwritable(path.parent, error) from None
    numbers = NetworkNumber()
    handler.addFilter(numbers)
    handler.setFormatter(logging.Formatter(FORMAT, "%Y-%m-%d %H:%M:%S"))
    logging.getLogger().addHandler(handler)
    return numbers
