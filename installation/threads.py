"""LatestSlot: the hand-off from the trainer to the screen. The newest item wins (no queue can
grow), and the producer can wait until the screen has taken what it put, so that at one step per
frame every network is seen."""

import threading


class LatestSlot:
    def __init__(self):
        self._item = None
        self._fresh = False
        self._changed = threading.Condition()

    def put(self, item) -> None:
        with self._changed:
            self._item, self._fresh = item, True
            self._changed.notify_all()

    def take(self):
        """The newest item if it has not been taken yet, else None. Never blocks."""
        with self._changed:
            if not self._fresh:
                return None
            self._fresh = False
            self._changed.notify_all()
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
