"""The soak run itself, in a process of its own (so that what the test suite did before does not
colour the memory figures): the whole show headless at 32 x 32 for SOAK_NETWORKS networks, with
the poet, the voice on the silent speaker, OSC under a steady load and saves every few seconds.
Prints one JSON line of what it measured.

    python -m tests.soakrun STATE_FOLDER FILM POET_CACHE POET_MODEL
"""

import json
import os
import random
import sys
import threading
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")

import torch  # noqa: E402

from engine.poet.verse import MAX_CHARS  # noqa: E402
from engine.poet.writer import PoemLine  # noqa: E402
from installation.show.stats import rss_mb  # noqa: E402
from tests.oscclient import random_packet, sender  # noqa: E402
from tests.showkit import open_test_show, run_with, tiny_poet, when  # noqa: E402

WARM = 1000
SOAK_NETWORKS = 2500  # 56 samples past WARM: a leak rises at nearly every one
SAMPLE_EVERY = 25  # networks between two samples of the memory: a leak of 4 kB a network is 100 kB


def soak(folder: str, film: str, cache: str, model: str) -> dict:
    torch.set_num_threads(1)
    threads_before = threading.active_count()
    show = open_test_show(
        folder,
        f"film.source={film}",
        "dream.resolution=32",
        "dream.width=8",
        "dream.aspect=square",  # a leak test: the smallest mind, whatever the film's shape
        "screen.fps=1000",
        "screen.hold_s=0.5",
        "screen.dissolve_s=0.5",
        "screen.grain=0.06",
        "poet.line_s=1",
        "voice.line_pause_s=0",
        "voice.stanza_pause_s=0",
        "voice.poem_pause_s=0",
        "state.enabled=true",
        f"state.folder={folder}",
        "state.save_every_s=3",
        "state.summary_every_s=5",
        *tiny_poet(cache, model),
        networks=SOAK_NETWORKS,
    )
    # The voice keeps the memory of the longest line it has spoken (onnxruntime and the
    # allocator: +70 MB for a 30-word line, then flat; RELIABILITY.md). Lines are at most
    # MAX_CHARS long, so the mark is bounded: it is reached first, and the soak measures leaks.
    longest = ("Unutterable melancholy overshadowing incomprehensible sepulchral" * 2)[:MAX_CHARS]
    show.poet.lines.put(PoemLine(longest, "Unutterable", True, False, False))
    port, sock, rng = show.osc.port, sender(), random.Random(3)
    samples = {}

    def load():  # a steady stream of OSC, good and bad (1,000 packets a second)
        while not show.stop_requested.is_set():
            for _ in range(50):
                sock.sendto(random_packet(rng), ("127.0.0.1", port))
            time.sleep(0.05)

    def actions():
        threading.Thread(target=load, name="osc load", daemon=True).start()
        # Warm: the networks past WARM and the longest line spoken (the voice waits for the
        # poet's lead first, which on a busy machine can take longer than WARM networks).
        when(lambda: show.trainer.number >= WARM and show.narrator.lines_spoken >= 2, timeout=300)
        samples["warm"] = (rss_mb(), threading.active_count())
        samples["warm_at"] = (show.trainer.number, show.narrator.lines_spoken)
        series = samples["series"] = []
        deadline, next_at = time.monotonic() + 900, show.trainer.number
        while show.trainer.number < SOAK_NETWORKS - 100:
            assert time.monotonic() < deadline, "the soak did not get there in time"
            if show.trainer.number >= next_at:  # by networks, not seconds: a leak a network
                series.append((show.trainer.number, round(rss_mb(), 1)))  # shows at any speed
                next_at += SAMPLE_EVERY
            time.sleep(0.02)
        samples["end"] = (rss_mb(), threading.active_count())

    started = time.monotonic()
    summary = run_with(show, actions, end_with_actions=False)
    time.sleep(0.5)  # the OSC load thread sees the stop
    return {
        "networks": summary.networks_created,
        "seconds": time.monotonic() - started,
        "warm_mb": samples["warm"][0],
        "end_mb": samples["end"][0],
        "warm_threads": samples["warm"][1],
        "warm_at": samples["warm_at"],  # (network, lines spoken) when the warm figure was taken
        "end_threads": samples["end"][1],
        "threads_before": threads_before,
        "threads_after": threading.active_count(),
        "lines_spoken": summary.lines_spoken,
        "saves": show.keeper.saves_written,
        "series": samples["series"],  # (network, MB) every SAMPLE_EVERY networks after warm-up
    }


if __name__ == "__main__":
    print(json.dumps(soak(*sys.argv[1:5])))
