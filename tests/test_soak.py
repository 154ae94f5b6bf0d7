"""Soak: the whole show headless (dreamer at 32 x 32, poet, voice on the silent speaker, OSC
under a steady load, saves every few seconds) for several thousand networks. Memory and the
thread count must stay flat: a show that leaks a little every network fails on a wall within
weeks.

Why the bound on memory: the resident size is taken once the show has warmed up (at network
WARM: every thread started, the frame memory full, the poet's and the allocators' pools grown;
measured, it still climbs by about 25 MB up to network 750) and again 2,900 networks later.
Measured here, it then grew by 3 MB (RELIABILITY.md): the allocators' ordinary breathing. A
leak of 4 kB a network, a thousandth of one saved mind, would pass GROWTH_BOUND_MB; one frame
of pixels a network would pass it many times over.
"""

import threading
import time

from installation.health import rss_mb
from tests.oscclient import random_packet, sender
from tests.showkit import open_test_show, run_with, tiny_poet, when

WARM = 1000
SOAK_NETWORKS = 4000
GROWTH_BOUND_MB = 12.0


def test_memory_and_threads_stay_flat(tmp_path, shapes_film, poet_cache, tiny_model_dir):
    import random

    threads_before = threading.active_count()
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        "dream.resolution=32",
        "dream.width=8",
        "screen.fps=1000",
        "screen.hold_s=0.5",
        "screen.dissolve_s=0.5",
        "screen.grain=0.06",
        "poet.line_s=1",
        "voice.line_pause_s=0",
        "voice.stanza_pause_s=0",
        "voice.poem_pause_s=0",
        "state.enabled=true",
        f"state.folder={tmp_path / 'state'}",
        "state.save_every_s=3",
        "state.summary_every_s=5",
        *tiny_poet(poet_cache, tiny_model_dir),
        networks=SOAK_NETWORKS,
    )
    port, sock, rng = show.osc.port, sender(), random.Random(3)
    samples = {}

    def load():  # a steady stream of OSC, good and bad, all the way through
        while not show.stop_requested.is_set():
            for _ in range(50):
                sock.sendto(random_packet(rng), ("127.0.0.1", port))
            time.sleep(0.05)

    def actions():
        threading.Thread(target=load, daemon=True).start()
        when(lambda: show.trainer.number >= WARM, timeout=300)
        samples["warm"] = (rss_mb(), threading.active_count())
        when(lambda: show.trainer.number >= SOAK_NETWORKS - 100, timeout=900)
        samples["end"] = (rss_mb(), threading.active_count())

    started = time.monotonic()
    summary = run_with(show, actions, end_with_actions=False)
    seconds = time.monotonic() - started
    (warm_mb, warm_threads), (end_mb, end_threads) = samples["warm"], samples["end"]
    print(
        f"soak: {summary.networks_created} networks in {seconds:.0f} s, RSS {warm_mb:.1f} -> "
        f"{end_mb:.1f} MB, threads {warm_threads} -> {end_threads}, "
        f"{summary.lines_spoken} lines spoken, {show.keeper.saves_written} saves"
    )
    assert summary.networks_created == SOAK_NETWORKS
    assert summary.lines_spoken >= 3 and show.keeper.saves_written >= 2  # every thread worked
    assert end_mb - warm_mb < GROWTH_BOUND_MB
    assert end_threads == warm_threads
    time.sleep(0.5)  # the OSC load thread sees the stop
    assert threading.active_count() == threads_before  # every thread of the show is gone
