"""`dreams bench`: the poet's words per second at each batch size, against batch 1 and the 2020
film's GPT-2."""

import time

from engine.config import Config
from engine.poet import open_poet

ORIGINAL_WORDS_PER_S = 1_623_811 / (18 * 3600)  # the 2020 GPT-2: 1,623,811 words in 18 hours


def run_poet_bench(config: Config, batches: list[int], seconds: float) -> list[dict]:
    """Words per second of the poet at each batch size, against batch 1 and the original."""
    poet = open_poet(config.poet)
    results = []
    for batch in batches:
        poems = poet.poems(batch)
        next(poems)  # warm-up: the first poem of this batch size
        words, started = poet.words_written, time.perf_counter()
        while time.perf_counter() - started < seconds:
            next(poems)
        rate = (poet.words_written - words) / (time.perf_counter() - started)
        results.append({"batch": batch, "words_per_s": rate, "device": str(poet.device)})
        print(f"poet at batch {batch}: {rate:.1f} words/s", flush=True)
    return results
