"""How every command ends on a signal: as on Ctrl-C. SIGINT (Ctrl-C), SIGTERM (a service
manager, `kill`), SIGHUP (a closed terminal, a dropped ssh session) and SIGUSR1 all end it the
same way: the live show and a cut stop cleanly with a save, `write` keeps its whole poems,
`teach-poet` keeps what was learned. Windows has only the first two."""

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

ENDING_SIGNALS = tuple(
    signum
    for signum in (
        getattr(signal, name, None) for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGUSR1")
    )
    if signum is not None
)


def end_on_signals(stop: Callable[[str], None] | None = None) -> dict:
    """From now on each ending signal calls stop(its name), or raises KeyboardInterrupt as Ctrl-C
    does (stop None); returns the handlers replaced. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def handler(number, _frame):
        if stop is None:
            raise KeyboardInterrupt
        stop(signal.Signals(number).name)

    return {signum: signal.signal(signum, handler) for signum in ENDING_SIGNALS}


@contextmanager
def ending_on_signals(stop: Callable[[str], None] | None = None) -> Iterator[None]:
    """end_on_signals within; the handlers before it are put back after."""
    previous = end_on_signals(stop)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
