"""What crosses between threads, and nothing else does (DESIGN.md: one rule across threads).

LatestSlot: the hand-off from a producer to a consumer where only the newest item matters (the
trainer's networks to the screen, the mind to the keeper); no queue can grow. It also holds a
thread's figures, a small frozen record that its owner alone puts and anyone reads (`latest`):
the trainer's number and rate, the film's place, the poet's count, the narrator's line. Inbox:
the requests other threads make of an owner (a new learning rate, a reset, a mute), each a named
message type listed at the end of this file, applied by the owner between its steps, in order
(the main loop's own inbox carries the OSC address table's commands by name, and the guard's
the names of the threads that failed).
put_until_stopped: a bounded queue's patient producer.
"""

import queue
import threading
from dataclasses import dataclass

INBOX_CAPACITY = 10_000  # requests waiting; beyond this they are dropped and counted


class Inbox:
    """Requests to the thread that owns an object, put from any thread, drained by the owner.
    Bounded: a request that finds it full is dropped and counted, never waited for."""

    def __init__(self, capacity: int = INBOX_CAPACITY):
        self._requests: queue.Queue = queue.Queue(maxsize=capacity)
        self.arrived = threading.Event()  # for an owner that sleeps between its steps
        self.dropped = 0

    def ask(self, request: str, value=None) -> bool:
        """A named command and its value (the OSC address table's: installation/play/)."""
        return self.send((request, value))

    def send(self, message) -> bool:
        """A message (one of those below, or `ask`'s pair); False when it was dropped."""
        try:
            self._requests.put_nowait(message)
        except queue.Full:
            self.dropped += 1
            return False
        self.arrived.set()
        return True

    def drain(self, limit: int | None = None) -> list:
        """The requests waiting (all, or the oldest `limit`), oldest first; for the owner's
        thread only."""
        self.arrived.clear()
        requests = []
        while limit is None or len(requests) < limit:
            try:
                requests.append(self._requests.get_nowait())
            except queue.Empty:
                return requests
        self.arrived.set()  # more are waiting
        return requests


def put_until_stopped(into: queue.Queue, item, stop: threading.Event) -> bool:
    """Queue the item, waiting while the queue is full; False once stopped."""
    while not stop.is_set():
        try:
            into.put(item, timeout=0.2)
            return True
        except queue.Full:
            pass
    return False


class LatestSlot:
    def __init__(self, item=None):
        """`item`: what `latest` gives before the first put (a record's starting figures)."""
        self._item = item
        self._fresh = False
        self._changed = threading.Condition()

    def put(self, item) -> bool:
        """True when the item replaced one that was never taken (a frame dropped, say)."""
        with self._changed:
            replaced = self._fresh
            self._item, self._fresh = item, True
            self._changed.notify_all()
            return replaced

    def take(self):
        """The newest item if it has not been taken yet, else None. Never blocks."""
        with self._changed:
            if not self._fresh:
                return None
            self._fresh = False
            self._changed.notify_all()
            return self._item

    def latest(self):
        """The newest item, taken or not: for any thread, never blocks, takes nothing (a
        record is replaced whole, so a reader sees the one before or the one after)."""
        return self._item

    def wait_taken(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the screen to take the item; True once taken."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._fresh, timeout)

    def wait_put(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for an item not yet taken; True once there is one."""
        with self._changed:
            return self._changed.wait_for(lambda: self._fresh, timeout)

    def wake(self) -> None:
        """Wake any waiter (at shutdown) without changing the slot."""
        with self._changed:
            self._changed.notify_all()


# ---- what one thread asks of another: each request a named message, listed here once ----------
# Sent with Inbox.send from any thread; the owner matches each on its type between its steps.
# To the trainer's thread (installation/show/dreaming.py):


@dataclass(frozen=True)
class SetLearningRate:
    rate: float  # Adam's, for both networks, from the next step on (a calm after a rebirth ends)


@dataclass(frozen=True)
class SetStepsPerFrame:
    steps: int


@dataclass(frozen=True)
class SetDrift:
    loops_a_minute: float


@dataclass(frozen=True)
class SetPaused:
    paused: bool  # False: learning goes on


@dataclass(frozen=True)
class Reset:
    """A new blank mind; the numbers go on."""


@dataclass(frozen=True)
class WriteSheet:
    """The run's contact sheet, written now."""


# To the film thread (installation/show/film_thread.py):


@dataclass(frozen=True)
class Seek:
    fraction: float  # 0 (the start) to 1 (the end)


@dataclass(frozen=True)
class SwitchFilm:
    source: str  # checked by the sender (impossible_source), opened on the film thread


# To the narrator (installation/voice/narrator.py):


@dataclass(frozen=True)
class SetVolume:
    volume: float  # 0 to 2


@dataclass(frozen=True)
class SetMuted:
    muted: bool


@dataclass(frozen=True)
class Skip:
    """The line being spoken cut short; on to the next."""


@dataclass(frozen=True)
class RetrySound:
    """The sound device opened again before the next line."""


@dataclass(frozen=True)
class Listen:
    heard: queue.Queue  # each line heard from now on, with its audio (a live recording)


@dataclass(frozen=True)
class Unlisten:
    heard: queue.Queue


@dataclass(frozen=True)
class SetResting:
    resting: bool  # the gallery closed: the line being spoken ends, and no other begins


# To the MIDI thread (installation/play/midi.py):


@dataclass(frozen=True)
class MidiHeard:
    message: object  # a mido.Message from a port's own thread, mapped on the MIDI thread


@dataclass(frozen=True)
class LearnAddress:
    address: str  # the next control moved is mapped to this OSC address
