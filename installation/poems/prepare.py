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
from installation.console import progress_bar

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
    """A progress bar a step of the poet's preparation (installation/console.py); each step ends
    drawn whole, with its time."""

    def __init__(self):
        self.step, self._bar = None, None

    def show(self, step) -> None:
        if self.step is None or step.name != self.step.name:
            self.end()
            self._bar = progress_bar(step.total or None, step.name, unit=f" {step.unit}")
        self.step, bar = step, self._bar
        if step.total and bar.total != step.total:  # its size is known once it has begun
            bar.total = step.total
        bar.update(step.done - bar.n)
        if step.total and step.done >= step.total:
            self.end()

    def end(self) -> None:
        """The bar in hand is over (drawn whole, or interrupted): the next line begins."""
        if self._bar is not None:
            self._bar.close()
        self.step = self._bar = None
