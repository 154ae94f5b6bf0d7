"""What crosses between threads, and nothing else does (DESIGN.md: one rule across threads).

LatestSlot: the hand-off from a producer to a consumer where only the newest item matters (the
trainer's networks to the screen, the mind to the keeper); no queue can grow. It also holds a
thread's figures, a small frozen record that its owner alone puts and anyone reads (`latest`):
the trainer's number and rate, the film's place, the poet's count, the narrator's line. Inbox:
the requests other threads make of an owner (a new learning rate, a reset, a mute), applied by
the owner between its steps, in order. put_until_stopped: a bounded queue's patient producer.
"""

import queue
import threading

INBOX_CAPACITY = 10_000  # requests waiting; beyond this they are dropped and counted


class Inbox:
    """Requests to the thread that owns an object, put from any thread, drained by the owner.
    Bounded: a request that finds it full is dropped and counted, never waited for."""

    def __init__(self, capacity: int = INBOX_CAPACITY):
        self._requests: queue.Queue = queue.Queue(maxsize=capacity)
        self.arrived = threading.Event()  # for an owner that sleeps between its steps
        self.dropped = 0

    def ask(self, request: str, value=None) -> bool:
        try:
            self._requests.put_nowait((request, value))
        except queue.Full:
            self.dropped += 1
            return False
        self.arrived.set()
        return True

    def drain(self, limit: int | None = None) -> list[tuple[str, object]]:
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
