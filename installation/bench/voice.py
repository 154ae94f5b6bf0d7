"""`dreams bench`: the voice's real-time factor, alone and while the dreamer trains beside it."""

import threading
import time

from engine.config import Config
from engine.voice import Voice
from installation.bench.networks import bench_mind

BENCH_LINES = [
    "The curfew tolls the knell of parting day,",
    "The lowing herd wind slowly o'er the lea,",
    "The ploughman homeward plods his weary way,",
    "And leaves the world to darkness and to me.",
]


def _real_time_factor(voice, seconds: float) -> float:
    """Seconds of synthesis per second of speech, over `seconds` of work."""
    work = spoken = 0.0
    while work < seconds:
        for line in BENCH_LINES:
            started = time.perf_counter()
            audio = voice.speak(line)
            work += time.perf_counter() - started
            spoken += len(audio) / voice.sample_rate
    return work / spoken


def run_voice_bench(config: Config, seconds: float) -> dict:
    """The voice's real-time factor alone, then while the dreamer trains at 64 x 64 beside it."""
    voice = Voice(config.voice.model, config.voice.length_scale)
    trainer = bench_mind(config, 64).trainer
    alone = _real_time_factor(voice, seconds)
    stop, steps = threading.Event(), []

    def train():
        while not stop.is_set():
            steps.append(trainer.step())

    thread = threading.Thread(target=train, daemon=True)
    thread.start()
    started = time.perf_counter()
    beside = _real_time_factor(voice, seconds)
    stop.set()
    thread.join()
    rate = len(steps) / (time.perf_counter() - started)
    print(f"voice {voice.name}: real-time factor {alone:.3f} alone, {beside:.3f} beside the "
          f"dreamer at 64 x 64 ({rate:.1f} networks/s meanwhile)", flush=True)  # fmt: skip
    return {"voice": voice.name, "alone": alone, "beside_dreamer": beside, "networks_per_s": rate}
