"""The live show's own figures, kept by the main thread: the networks shown and how fast they are
born, when the first one came, the rebirths already told, and the summary line in dreams.log
(summary.py) when it is due."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from engine.mind.trainer import Network
from installation.show.summary import Summary

if TYPE_CHECKING:
    from installation.show.show import Show

RATE_WINDOW_S = 3.0  # networks per second are counted over this many recent seconds


class Figures:
    def __init__(self, summary_every_s: float, number: int, rebirths: int):
        """`number`: the mind's network at the start; `rebirths`: those it had before."""
        self.networks_shown = 0
        self.first_network_s: float | None = None  # from the show's start to its first network
        self.rebirths_told = rebirths
        self.summary = Summary(summary_every_s, number)
        self._births: deque[float] = deque()

    def shown(self, network: Network, since_start_s: float) -> bool:
        """Counts `network` on screen; True where it is the first of this show."""
        first = self.first_network_s is None
        if first:
            self.first_network_s = since_start_s
        self.networks_shown += 1
        self._births.append(network.born_at)
        while self._births and self._births[0] < network.born_at - RATE_WINDOW_S:
            self._births.popleft()
        return first

    def reborn(self, rebirths: int) -> bool:
        """True where the trainer has rolled back since the last rebirth told."""
        if rebirths == self.rebirths_told:
            return False
        self.rebirths_told = rebirths
        return True

    def networks_per_second(self) -> float:
        if len(self._births) < 2:
            return 0.0
        return (len(self._births) - 1) / max(self._births[-1] - self._births[0], 1e-6)

    def log_summary_if_due(self, show: Show) -> None:
        """The summary line in dreams.log, every `state.summary_every_s` (summary.py)."""
        self.summary.log_if_due(show)
