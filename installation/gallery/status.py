"""The show's figures for the status page: a small frozen record that the main loop publishes
once a second in a latest-value slot (DESIGN.md: one owner per live value), and the picture on
screen, copied by the main loop when the page asks for it. The web thread reads these two slots
and nothing else of the show: it never touches a surface that the main thread draws. The other
threads' figures (trainer, film, keeper, narrator) come from the records they publish."""

import shutil
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

import pygame

from installation.threads import LatestSlot

PUBLISH_EVERY_S = 1.0
LINES_KEPT = 5  # the last lines spoken, on the page
PICTURE_WIDTH = 960  # a phone's picture: the screen scaled down to this width


@dataclass(frozen=True)
class Status:
    published_unix: float  # when the main loop made this record
    uptime_s: float
    network: int
    networks_per_s: float
    since_network_s: float  # since the trainer's number last grew
    frames_per_s: float
    paused: bool  # the trainer has paused (a pause asked for and done)
    film: str
    rebirths: int
    last_save_network: int  # 0: none in this show
    last_save_unix: float | None
    saves_failed: int
    last_save_failed: bool
    threads: tuple[tuple[str, bool], ...]  # each thread of the show, and whether it is alive
    thread_faults: int
    free_disk_bytes: int | None  # where the saves go
    schedule: str  # "always open", "open", "closed", ...
    open: bool
    lines: tuple[str, ...]  # the last lines spoken, newest last
    commands_dropped: int

    def as_json(self) -> dict:
        figures = asdict(self)
        figures["threads"] = {name: alive for name, alive in self.threads}
        return figures


@dataclass(frozen=True)
class Picture:
    width: int
    height: int
    rgb: bytes  # rows of RGB pixels, top first


class Publisher:
    """Both sides of the hand-over: `frame` on the main thread, the slots and `picture_wanted`
    for the web thread."""

    def __init__(self):
        self.status = LatestSlot()
        self.picture = LatestSlot()
        self.picture_wanted = threading.Event()  # set by the web thread, cleared by the main
        self._next = 0.0
        self._lines: deque[str] = deque(maxlen=LINES_KEPT)
        self._heard = None
        self._number = self._number_at = None
        self._frames = (time.monotonic(), 0)

    def frame(self, show) -> None:
        """On the main thread, every frame: the picture if it was asked for, the figures once a
        second."""
        if self.picture_wanted.is_set():
            self.picture_wanted.clear()
            self.picture.put(picture_of(show.window.surface))
        self._hear(show)
        now = time.monotonic()
        if now >= self._next:
            self._next = now + PUBLISH_EVERY_S
            self.status.put(self._status(show, now))

    def _status(self, show, now: float) -> Status:
        learning, film = show.dreaming.figures.latest(), show.film_thread.place.latest()
        number = learning.number
        if number != self._number:
            self._number, self._number_at = number, now
        since, frames = self._frames
        self._frames = (now, show.frames_drawn)
        keeper = show.keeper
        kept = keeper.kept.latest() if keeper else None  # the keeper's Kept record
        schedule = show.doors.state  # the opening hours (doors.py)
        return Status(
            published_unix=time.time(),
            uptime_s=now - show.started,
            network=number,
            networks_per_s=show.networks_per_second(),
            since_network_s=now - self._number_at,
            frames_per_s=(show.frames_drawn - frames) / max(now - since, 1e-6),
            paused=learning.paused,
            film=film.name,
            rebirths=learning.rebirths,
            last_save_network=kept.last_saved_number if kept else 0,
            last_save_unix=kept.last_saved_unix if kept else None,
            saves_failed=kept.saves_failed if kept else 0,
            last_save_failed=kept.last_save_failed if kept else False,
            threads=tuple((thread.name, thread.is_alive()) for thread in show.threads),
            thread_faults=show.guard.faults,
            free_disk_bytes=free_bytes(keeper.folder.path if keeper else Path.home()),
            schedule=schedule_text(schedule),
            open=schedule is None or schedule.open,
            lines=tuple(self._lines),
            commands_dropped=show.controls.commands.dropped,
        )

    def _hear(self, show) -> None:
        speaking = show.narrator.now_speaking if show.narrator else None
        if speaking is not None and not speaking.same_line(self._heard):
            self._heard = speaking
            self._lines.append(speaking.text)


def picture_of(surface: pygame.Surface) -> Picture:
    """The screen, copied at most PICTURE_WIDTH wide: scaled here by the nearest pixel (at
    1080p 4 ms of the main thread, against 9 for the whole screen's bytes)."""
    width, height = surface.get_size()
    if width > PICTURE_WIDTH:
        width, height = PICTURE_WIDTH, max(1, round(height * PICTURE_WIDTH / width))
        surface = pygame.transform.scale(surface, (width, height))
    return Picture(width, height, pygame.image.tobytes(surface, "RGB"))


def schedule_text(state) -> str:
    """The doors' ScheduleState in words: "always open", "open until Tue 18:00", "closed (held
    by hand)"."""
    if state is None or state.why == "always":
        return "always open"
    words = "open" if state.open else "closed"
    if state.why == "override":
        return f"{words} (held by hand until the hours are given back)"
    if state.next_change is not None:
        words += f" until {state.next_change:%a %H:%M}"
    return words


def free_bytes(folder: Path) -> int | None:
    try:
        return shutil.disk_usage(folder).free
    except OSError:
        return None
