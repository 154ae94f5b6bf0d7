"""The film thread of the live show: one frame into the frame memory per frame of the film's
own time; a film that ends, drops or is deleted leaves the dreams going on from memory, and is
retried. Seeks and film changes arrive in its inbox (from the main loop) and are done here. Its
place (the film's name, the frame it is at, the frames it skipped) is published as a FilmPlace in
a latest-value slot, for the saves, the HUD, the status page and the summary line."""

import logging
import threading
import time
from dataclasses import dataclass

from engine.config import Config
from engine.errors import DreamsError, shown
from engine.mind.film import FilmSource
from engine.mind.memory import FrameMemory
from installation.paths import impossible_source
from installation.threads import Inbox, LatestSlot, Seek, SwitchFilm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilmPlace:
    """The film thread's figures: which film, where in it, how many frames it skipped."""

    name: str
    position: int
    frames_skipped: int = 0

    @classmethod
    def of(cls, film: FilmSource) -> "FilmPlace":
        return cls(film.name, film.position, film.frames_skipped)


class FilmThread:
    def __init__(self, config: Config, film: FilmSource, memory: FrameMemory, stop):
        self.config, self.film, self.memory, self._stop = config, film, memory, stop
        self.place = LatestSlot(FilmPlace.of(film))  # put here only, read by any thread
        self.inbox = Inbox(capacity=16)  # Seek or SwitchFilm (installation/threads.py)
        self.thread = threading.Thread(target=self.loop, name="film", daemon=True)

    def loop(self) -> None:
        period = 1.0 / self.film.fps
        due = time.monotonic()
        lost = False  # the film gave no frame last time: said once, until it is back
        while not self._stop.is_set():
            for request in self.inbox.drain():
                self._change(request)
                period = 1.0 / self.film.fps
            try:
                frame = self.film.read()
            except Exception:  # a fault in a decoder must not end the show
                log.exception("film: reading a frame failed; going on")
                frame = None
            if frame is None:
                if not self.film.is_live and not self.film.loop:
                    log.info("film: ended; dreaming on from memory")
                    return
                if not lost:
                    log.warning(
                        "film: %s gives no frames; dreaming on from memory, retrying every %g s",
                        self.film.name,
                        self.config.film.reconnect_s,
                    )
                lost = True
                if self._stop.wait(self.config.film.reconnect_s):
                    return
                if self.film.is_live:
                    self.film.reconnect()
                due = time.monotonic()
                continue
            if lost:
                log.info("film: %s is back", self.film.name)
                lost = False
            self.memory.append(frame)
            self.place.put(FilmPlace.of(self.film))
            due += period
            delay = due - time.monotonic()
            if delay < -1.0:  # far behind (a slow decoder, a pause): do not rush to catch up
                due, delay = time.monotonic(), 0.0
            if delay > 0 and self._stop.wait(delay):
                return

    def _change(self, request: Seek | SwitchFilm) -> None:
        if isinstance(request, Seek):
            self.film.seek(request.fraction)
            return
        source = request.source
        why = impossible_source(source)
        if why is not None:
            log.error("film: not switching to %s: %s", shown(source), why)
            return
        try:
            film = FilmSource.from_config(self.config.film, self.memory.size, source=source)
        except (DreamsError, OSError, ValueError) as error:  # whatever the wire sends
            log.error("film: not switching: %s", str(error)[:300])
            return
        old, self.film = self.film, film
        old.close()
        self.place.put(FilmPlace.of(film))
        log.info("film: now watching %s", film.name)
