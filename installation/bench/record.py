"""`dreams bench --record N`: networks per second of `dreams record` (a cut of N networks with
the poet and voice as configured, at the configured picture size), against the trainer alone
(a step and the render of the dreams) in the same process; and seconds of film made per second.
"""

import tempfile
import time
from dataclasses import replace
from pathlib import Path

from engine.config import Config
from engine.mind.build import resolve
from installation.bench.networks import bench_mind, networks_per_second
from installation.cut.run import record_cut


def run_record_bench(config: Config, networks: int, seconds: float) -> dict:
    config = resolve(config)  # the resolution `dreams record` will use
    resolution = config.dream.resolution
    trainer = bench_mind(config, resolution).trainer
    for _ in range(3):
        trainer.step()
    alone = networks_per_second(trainer.step, seconds)
    record = replace(config.record, title_s=0.0, credits_s=0.0)
    config = replace(config, record=record)
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        status = record_cut(config, Path(folder) / "bench.mp4", networks, resume=False).status
        elapsed = time.perf_counter() - started
    rate = networks / elapsed
    film_s = networks * record.frames_per_network / record.fps
    row = {
        "resolution": resolution,
        "device": config.dream.device,
        "size": f"{record.width}x{record.height}",
        "networks": networks,
        "record_per_s": rate,
        "trainer_alone_per_s": alone,
        "ratio": rate / alone,
        "film_s_per_s": film_s / elapsed,
        "status": status,
    }
    print(
        f"record: {networks} networks at {resolution} into {row['size']}: {rate:.2f} networks/s "
        f"({row['ratio']:.2f}x the trainer alone, {alone:.2f}/s); "
        f"{row['film_s_per_s']:.2f} s of film a second (1.00 is real time)"
    )
    return row
