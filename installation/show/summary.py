"""The show's summary line in dreams.log, every `state.summary_every_s`: how it has been doing,
in figures a technician reads weeks later (networks/s, memory, rebirths, what was dropped, the
speed rung the trainer is on, the threads)."""

import logging
import threading
import time

from installation.show.health import gpu_text
from installation.show.stats import rss_mb

log = logging.getLogger("installation.show.show")  # the show's own lines, as before


class Summary:
    def __init__(self, every_s: float, number: int):
        self.every_s = every_s
        self._from = (time.monotonic(), number)

    def log_if_due(self, show) -> None:
        now = time.monotonic()
        since, number = self._from
        if now - since < self.every_s:
            return
        learning, film = show.dreaming.figures.latest(), show.film_thread.place.latest()
        spoken = show.narrator.said.latest().lines_spoken if show.narrator else 0
        kept = show.keeper.kept.latest() if show.keeper else None
        self._from = (now, learning.number)
        log.info(
            "summary: %.1f networks/s · memory %.0f MB%s · %d rebirths · speed %s · film frames "
            "skipped %d · recording frames dropped %d · video out frames dropped %d · osc "
            "messages dropped %d · lines spoken %d · saves %d (%d failed) · threads %d (%d faults)",
            (learning.number - number) / (now - since),
            rss_mb(),
            gpu_text(show.trainer.device),
            learning.rebirths,
            learning.speed,
            film.frames_skipped,
            show.recording.recorder.dropped if show.recording else 0,
            show.video_out.dropped if show.video_out else 0,
            show.osc.messages_dropped if show.osc else 0,
            spoken,
            kept.saves_written if kept else 0,
            kept.saves_failed if kept else 0,
            threading.active_count(),
            show.guard.faults,
        )
