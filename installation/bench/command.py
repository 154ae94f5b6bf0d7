"""`dreams bench`, once its settings are loaded: the suite, then the figures asked for."""

import argparse

from engine.config import Config
from engine.device import pick_device
from installation.bench.suite import plan_for, run_suite


def run_bench(config: Config, args: argparse.Namespace) -> int:
    cuda = pick_device(config.dream.device).type == "cuda"
    plan = plan_for(args.quick, cuda, args.resolutions, args.seconds, args.poet, args.skip)
    config_args = [] if args.config is None else ["--config", str(args.config)]
    for override in args.overrides:
        config_args += ["--set", override]
    run_suite(config, plan, config_args, args.json)
    if args.osc:
        from installation.bench import audio_in, midi, osc

        osc.run_osc_bench(config, plan.seconds)
        midi.run_midi_bench(config)
        audio_in.run_audio_in_bench(config)
    if args.video_out:
        from installation.bench.video_out import run_video_out_bench

        run_video_out_bench(config, plan.seconds)
    if args.record:
        from installation.bench.record import run_record_bench

        run_record_bench(config, args.record, plan.seconds)
    return 0
