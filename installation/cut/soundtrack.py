"""A cut's soundtrack: its narration. The poet writes and the voice speaks on background threads,
ahead of the picture; the lines are then placed on the cut's timeline one after another, each
after the pause its place in the poem asks for. The first begins a moment into the dreams
(`lead_s`); a line may begin anywhere in the dreams and run on over the credits, which are held
open for it up to their configured length (plan.py: CutPlan.line_limit_s); a line that would end
later is not placed (no line is cut off). Placement waits for the voice rather than the clock, so
a cut is the same every time.
"""

import logging
import queue
import threading
from dataclasses import replace
from functools import partial
from pathlib import Path

import numpy as np

from engine.config import Config
from engine.poet.book import Scribe, open_book_beside
from engine.poet.writer import open_poet
from engine.voice import Voice
from installation.media.subtitles import opacity
from installation.threads import put_until_stopped
from installation.voice.narrator import SpokenLine, pause_after
from installation.voice.poet_thread import PoetThread

log = logging.getLogger(__name__)

LEAD_S = 2.0  # the picture runs this long before the first line is spoken (a long cut)
LEAD_SHARE = 0.1  # of a short cut's dreams, the most before the first line
SILENT_RATE = 1000  # samples a second of the silence that stands for a line with the voice off
GIVE_UP_AFTER_FAILURES = 3  # of the poet's model in a row (the live show keeps trying)


def lead_s(picture_s: float) -> float:
    """Picture time of the first line: LEAD_S in, or sooner in a short cut."""
    return min(LEAD_S, picture_s * LEAD_SHARE)


def placed_line(text: str, start: float, audio: np.ndarray, rate: int, volume: float) -> SpokenLine:
    """A line spoken from picture time `start` for as long as its audio lasts."""
    return SpokenLine(text, start, len(audio) / rate, audio, rate, volume)


class Soundtrack:
    def __init__(
        self,
        config: Config,
        stop: threading.Event,
        book_path: Path | None,
        lines_before: int = 0,
        next_start: float = LEAD_S,
    ):
        """lines_before, next_start: where a resumed cut's narration stands (the poet and the
        voice are seeded afresh from the line count)."""
        self.config, self._stop = config, stop
        self.lines_placed, self.next_start = lines_before, next_start
        self.ended = False
        self.placed: list[SpokenLine] = []  # in order; each dropped once over
        poet_config = replace(config.poet, seed=config.poet.seed + lines_before)
        make_poet = partial(open_poet, poet_config, lenient=True)  # a bad adapter: the bare model
        self.poet = PoetThread(make_poet, config.poet.queue_lines, stop)
        self._spoken: queue.Queue = queue.Queue(maxsize=4)
        self._voice_seed = config.poet.seed + lines_before
        self.scribe = Scribe(open_book_beside(book_path)) if book_path else None
        self.voice_thread = threading.Thread(target=self._speak, name="voice", daemon=True)

    def start(self) -> None:
        self.poet.start()
        self.voice_thread.start()

    def join(self, timeout: float) -> None:
        self.poet.thread.join(timeout)
        self.voice_thread.join(timeout)

    def _speak(self) -> None:
        """The voice thread: every line the poet writes, spoken, in order; poems to the book.
        With [voice] off, each line is a silent subtitle of `poet.line_s` seconds."""
        settings = self.config.voice
        voice = None
        if settings.enabled:
            try:
                voice = Voice(
                    settings.model,
                    settings.length_scale,
                    settings.noise_scale,
                    settings.noise_w,
                    seed=self._voice_seed,
                )
            except Exception:
                log.exception("narration: the voice cannot speak; the cut goes on without it")
                self._deliver(None)
                return
        rate = voice.sample_rate if voice else SILENT_RATE
        while not self._stop.is_set():
            try:
                line = self.poet.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            if self.scribe is not None:
                self.scribe.add(line)  # a full disk loses a poem of the book, not the voice
            try:
                audio = voice.speak(line.text) if voice else self._silence()
            except Exception:
                log.exception("narration: a line could not be spoken; leaving it out")
                continue
            if not self._deliver((line, audio, rate)):
                return

    def _silence(self) -> np.ndarray:
        return np.zeros(round(self.config.poet.line_s * SILENT_RATE), np.float32)

    def _deliver(self, item) -> bool:
        return put_until_stopped(self._spoken, item, self._stop)

    def finish_book(self) -> None:
        """The poem being written when the cut ended goes in the book as far as it got."""
        if self.scribe is not None:
            self.scribe.finish()

    @property
    def last_end(self) -> float:
        """Picture time at which the last line placed and not yet over ends (0: none)."""
        return max((line.ends for line in self.placed), default=0.0)

    def place_until(self, t: float, limit_s: float, waiting=None) -> list[SpokenLine]:
        """The lines that begin by picture time `t` and end by `limit_s`, placed; waits for the
        voice if need be, calling `waiting()` while it does (a progress line redrawn)."""
        new = []
        while not self.ended and self.next_start <= t and not self._stop.is_set():
            try:
                item = self._spoken.get(timeout=0.2)
            except queue.Empty:
                if waiting is not None:
                    waiting()
                if self.poet.failures >= GIVE_UP_AFTER_FAILURES:
                    log.error("narration: the poet keeps failing; the rest of the cut is silent")
                    self.ended = True
                continue
            if item is None:  # the voice is gone
                self.ended = True
                break
            line, audio, rate = item
            placed = placed_line(line.text, self.next_start, audio, rate, self.config.voice.volume)
            if placed.ends > limit_s:  # it would be cut off: the narration ends here
                self.ended = True
                break
            self.next_start = placed.ends + pause_after(self.config.voice, line)
            self.lines_placed += 1
            self.placed.append(placed)
            new.append(placed)
        return new

    def subtitle(self, t: float) -> tuple[str | None, float]:
        """The line spoken at picture time t and its opacity (it fades with the voice)."""
        while self.placed and self.placed[0].ends < t:
            self.placed.pop(0)
        for line in self.placed[:1]:
            if line.started <= t:
                return line.text, opacity(t, line.started, line.ends)
        return None, 0.0
