"""`dreams prepare`: the poet's one-time preparation (engine/poet/preparation.py: the corpus
cleaned, its words counted, the model unpacked) ahead of the first show, with a progress line a
step; seconds when it is prepared already. `bin/start` runs it before the show, so that the poet's
first line comes within a minute of the show's start; `dreams write` shows the same line when it has
to prepare the poet itself."""

import sys
import time

from engine.config import Config
from engine.poet.language_model import check_poet_model
from engine.poet.preparation import cache_folder, prepare, unprepared

ABOUT = "about three minutes on two cores"  # BENCHMARKS.md: the poet's preparation


def prepare_poet(config: Config) -> int:
    settings = config.poet
    if not settings.enabled:
        say("the poet is off (poet.enabled = false): nothing to prepare")
        return 0
    check_poet_model(settings.model)  # a mistaken folder is one line, exit 2 (cli.py)
    cache, steps = cache_folder(settings), unprepared(settings)
    if not steps:
        say(f"the poet's cache in {cache} is prepared already: nothing to do")
        return 0
    say(f"preparing the poet's cache in {cache}, once ({ABOUT}): {', '.join(steps)}")
    line, started = PreparationLine(), time.monotonic()
    try:
        prepare(settings, line.show)
    except KeyboardInterrupt:
        line.end()
        say("interrupted; each step finished is kept, none half-made: run it again to go on")
        return 130
    except OSError as error:  # a full disk, a folder that cannot be written: nothing half-made
        line.end()
        say(
            f"the poet's cache in {cache} could not be written ({error.strerror or error}); "
            "free some space, or give poet.cache_dir a folder you can write"
        )
        return 1
    line.end()
    say(f"the poet's cache is prepared in {time.monotonic() - started:.0f} s: it starts warm")
    return 0


def say(text: str) -> None:
    print(f"dreams prepare: {text}", file=sys.stderr, flush=True)


class PreparationLine:
    """A progress bar a step of the poet's preparation on stderr: redrawn in place on a terminal,
    a line every ten seconds into a log file; each step ends drawn whole, with its time."""

    def __init__(self):
        self.step, self.began, self._last = None, 0.0, 0.0

    def show(self, step) -> None:
        now = time.monotonic()
        whole = step.total and step.done >= step.total
        if self.step is None or step.name != self.step.name:
            self.end()
            self.began = now
        elif now - self._last < (0.25 if sys.stderr.isatty() else 10.0) and not whole:
            self.step = step
            return
        self.step, self._last = step, now
        self._draw(step, f", {now - self.began:.0f} s" if whole else "")
        if whole:
            self.end()

    def end(self) -> None:
        """The bar in hand is over (drawn whole, or interrupted): the next line begins."""
        if self.step is not None and sys.stderr.isatty():
            sys.stderr.write("\n")
            sys.stderr.flush()
        self.step = None

    def _draw(self, step, tail: str) -> None:
        counted = f": {step.done:,} of {step.total:,} {step.unit}" if step.total else ", starting"
        bar = "#" * int(step.share * 30)
        text = f"[{bar:<30}] {step.share:6.1%} {step.name}{counted}{tail}"
        sys.stderr.write(f"\r{text}  " if sys.stderr.isatty() else f"{text}\n")
        sys.stderr.flush()
