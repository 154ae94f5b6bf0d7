"""`dreams bench`: every figure of the goal table in one run, into one report (a table on stdout
and JSON): networks per second against the eager loop, the screen's frame time, the poet's words
per second, the voice's real-time factor, the live show (time to the first network, networks per
second beside the bare trainer's from the same run, frames a second and a frame's time with the
show running, the voice's longest silence), peak RAM and GPU memory. The goals are issue 7's and
issue 31's."""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from engine.config import Config
from engine.device import pick_device
from engine.mind.trainer import pick_resolution
from engine.poet.critic import SYLLABLE_RANGE
from installation.bench.networks import run_bench
from installation.bench.poet import ORIGINAL_WORDS_PER_S, run_poet_bench
from installation.bench.report import Report, describe_device
from installation.bench.screen import run_screen_bench
from installation.bench.show import run_show_bench
from installation.bench.voice import run_voice_bench
from installation.show.stats import peak_ram_mb


@dataclass
class Plan:
    resolutions: list[int]
    seconds: float  # per measurement
    poet_batches: list[int]
    show_s: float
    frames: int
    skip: tuple[str, ...] = ()
    short_poems: bool = False  # the poet's windows end at a poem's end: short ones end sooner


def plan_for(quick: bool, cuda: bool, resolutions, seconds, poet_batches, skip) -> Plan:
    """`--quick` (CI): every part, briefly, at 64 x 64 only."""
    default_resolutions = [64] if quick else [64, 128, 256] + [512] * cuda
    return Plan(
        resolutions=resolutions or default_resolutions,
        seconds=2.0 if quick else seconds,
        poet_batches=poet_batches or [1, 64 if cuda else 4],
        show_s=12.0 if quick else 40.0,
        frames=60 if quick else 600,
        skip=tuple(skip),
        short_poems=quick,
    )


def run_suite(config: Config, plan: Plan, config_args: list[str], json_path: Path) -> Report:
    device = pick_device(config.dream.device)
    cuda = device.type == "cuda"
    if not cuda:
        torch.set_num_threads(1)  # as in the show: training shares the CPU with the screen
    report = Report(describe_device(device))
    print(f"dreams bench: {report.device}", flush=True)
    live = pick_resolution(config.dream.resolution, device)
    images = bare = None  # bare: the trainer's networks/s at the live size, alone
    if "networks" not in plan.skip:
        rows = run_bench(config, plan.resolutions, plan.seconds)
        bare = next((r["dreams_per_s"] for r in rows if r["resolution"] == live), None)
        report.raw["networks"] = [{k: v for k, v in r.items() if k != "images"} for r in rows]
        for row in rows:
            _networks_rows(report, row, cuda)
        images = min(rows, key=lambda r: abs(r["resolution"] - live))["images"]
    if "screen" not in plan.skip:
        if images is None:  # a grey ramp of the live size stands in for the dreams
            ramp = (np.arange(live) * 255 // (live - 1)).astype(np.uint8)
            images = np.tile(ramp[None, :, None, None], (8, 1, live, 1))
        _screen_rows(report, run_screen_bench(config, images, plan.frames, device), config)
    if "poet" not in plan.skip:
        poet_config = config
        if plan.short_poems:  # one stanza of two lines
            poet_config = replace(config, poet=replace(config.poet, stanzas=1, lines_per_stanza=2))
        stanzas = 1 if plan.short_poems else 6
        rates, reading = run_poet_bench(poet_config, plan.poet_batches, plan.seconds, stanzas)
        _poet_rows(report, rates, cuda)
        _reading_rows(report, reading)
    if "voice" not in plan.skip:
        voice = run_voice_bench(config, plan.seconds)
        report.raw["voice"] = voice
        alone, beside = voice["alone"], voice["beside_dreamer"]
        report.add("voice real-time factor, alone", f"{alone:.3f}", "1.000, real time", alone,
                   "below 1")  # fmt: skip
        report.add("voice real-time factor, beside the dreamer", f"{beside:.3f}",
                   f"{alone:.3f}, alone", beside / alone, "below 1")  # fmt: skip
    if "show" not in plan.skip:
        if bare is None:  # the show's figure is read against the bare trainer of this run
            bare = run_bench(config, [live], plan.seconds)[0]["dreams_per_s"]
        try:
            show = run_show_bench(config, config_args, plan.show_s)
            _show_rows(report, show, live, cuda, bare)
        except RuntimeError as error:  # the other figures are still worth having
            print(error, flush=True)
            report.add("the live show", "failed", goal="see the line above the table")
    peak = peak_ram_mb()
    report.raw["peak_ram_mb"] = peak
    report.add("peak RAM, this bench (MB)", f"{peak:.0f}")
    print()
    print(report.table())
    report.write_json(json_path)
    print(f"\nwritten: {json_path}")
    return report


def _screen_rows(report: Report, screen: dict, config: Config) -> None:
    report.raw["screen"] = screen
    budget = f"{screen['budget_ms']:.1f} ms, a frame at {1000 / screen['budget_ms']:.0f} Hz"
    for name in ("median", "p99"):
        value = screen[f"{name}_ms"]
        report.add(
            f"screen frame time {screen['size']} ({screen['compositor']}), {name} (ms)",
            f"{value:.1f}",
            budget,
            value / screen["budget_ms"],
            "under the budget",
        )


def _poet_rows(report: Report, poet: list[dict], cuda: bool) -> None:
    report.raw["poet"] = poet
    first = poet[0]["words_per_s"]
    for row in poet:
        rate, batch = row["words_per_s"], row["batch"]
        if batch == poet[0]["batch"]:
            baseline = f"{ORIGINAL_WORDS_PER_S:.1f}, the 2020 GPT-2"
            ratio = rate / ORIGINAL_WORDS_PER_S
        else:
            baseline, ratio = f"{first:.1f}, batch {poet[0]['batch']}", rate / first
        goal = "2,500 (GPU)" if cuda and batch > 1 else ""
        report.add(f"poet words/s, batch {batch}", f"{rate:.1f}", baseline, ratio, goal)


def _reading_rows(report: Report, reading: dict) -> None:
    """The live poet beside the corpus, on the measures `dreams write` reports."""
    report.raw["poet_reading"] = reading
    rate = reading["words_per_s"]
    report.add(f"live poet words/s, {reading['candidates']} candidates a line", f"{rate:.1f}")
    book, corpus = reading["book"], reading["corpus"]
    for key, name in (
        ("unknown", "lines with a rare word"),
        ("rhymed", "stanzas that rhyme"),
        ("in_metre", "lines of {} to {} syllables".format(*SYLLABLE_RANGE)),
        ("junk", "junk lines"),
    ):
        report.add(f"live poet: {name}", f"{book[key]:.1%}", f"{corpus[key]:.1%}, the corpus")
    report.add("live poet: rhymes found after the first round", f"{reading['rhymes_later']:.1%}")
    report.add("live poet: lines left unrhymed by choice", f"{reading['unrhymed_by_choice']:.1%}")
    likelihood = reading["likelihood"]
    report.add(
        "live poet: log-likelihood a token, bare model",
        f"{likelihood['book']:.2f}",
        f"{likelihood['corpus']:.2f}, the corpus",
    )


def _networks_rows(report: Report, row: dict, cuda: bool) -> None:
    size = row["resolution"]
    height, width = row["size"]
    colour = "colour" if row["color"] else "grey"
    goal = ""
    if cuda and size == 256:
        goal = "3x eager and 200/s (H100)"
    elif not cuda and size == 64:
        goal = "1.5x eager (2-core CPU)"
    report.add(
        f"networks/s {height} x {width} {colour}, {row['upsample']}, batch {row['batch']}",
        f"{row['dreams_per_s']:.2f}",
        f"{row['eager_per_s']:.2f}, the eager loop",
        row["ratio"],
        goal,
    )
    if row["peak_gpu_mb"] is not None:
        report.add(f"peak GPU memory {size} x {size} (MB)", f"{row['peak_gpu_mb']:.0f}",
                   goal="under 8,192" if size == 256 else "")  # fmt: skip


def _show_rows(report: Report, show: dict, live: int, cuda: bool, bare: float) -> None:
    report.raw["show"] = {**show, "bare_trainer_per_s": bare}
    report.add("first network on screen after `dreams run` (s)",
               f"{show['first_network_s']:.1f}", goal="under 10")  # fmt: skip
    speaking = "poet, voice" if show["voice"] else "poet" if show["poet"] else "no poet"
    window = f"{show['window']} ({speaking}; {show['lines_spoken']} spoken)"
    report.add(
        f"networks/s in the live show at {live}, {window}",
        f"{show['networks_per_s']:.2f}",
        f"{bare:.2f}, the bare trainer",
        show["networks_per_s"] / bare,
        "never below 60 (H100)" if cuda else "0.6x the bare trainer (2-core CPU)",
    )
    report.add(f"frames/s drawn in the live show (screen.fps {show['fps_setting']})",
               f"{show['frames_per_s']:.1f}", goal="at least 30")  # fmt: skip
    for name in ("median", "p99"):
        value = show[f"frame_ms_{name}"]
        if value is not None:
            report.add(f"frame time {show['window']} with the show running, {name} (ms)",
                       f"{value:.1f}")  # fmt: skip
    if show["voice"]:
        report.add("the voice's longest silence beyond its pauses (s)",
                   f"{show['longest_wait_s']:.1f}", goal="0: never waits for the poet")  # fmt: skip
    if show["peak_gpu_mb"] is not None:
        report.add(f"peak GPU memory, the live show at {live} (MB)",
                   f"{show['peak_gpu_mb']:.0f}", goal="under 8,192")  # fmt: skip
    if show["peak_ram_mb"]:
        report.add("peak RAM, the live show (MB)", f"{show['peak_ram_mb']:.0f}")
