"""`dreams`: the command line. It checks what the user gave and hands plain values on; a user's
mistake is one line on stderr and exit status 2, never a traceback."""

import argparse
import logging
import os
import shlex
import sys
from pathlib import Path

from engine.config import Config, load_config
from engine.errors import DreamsError
from installation import values
from installation.endings import ending_on_signals
from installation.gallery.service import add_service_parser, service_command
from installation.paths import check_input, check_name, check_output
from installation.show.stats import Began, show_stats, write_stats

log = logging.getLogger("dreams")


class OneLineParser(argparse.ArgumentParser):
    """argparse, but a mistake is one line (not the usage block) and exit status 2."""

    def error(self, message: str):
        message = message.removeprefix("argument ")  # "--networks: give ..."
        print(f"dreams: error: {message}; see {self.prog} --help", file=sys.stderr)
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="dreams",
        description="A machine watches a film and learns to see; every new network is shown.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    _add_run(commands)
    _add_record(commands)
    _add_poems(commands)
    _add_bench(commands)
    surface = commands.add_parser("surface", help="write a TouchOSC layout of the OSC controls")
    surface.add_argument("--out", type=Path, required=True, help="the layout, a new .tosc file")
    surface.add_argument("--picture", type=Path, help="also a picture of it, a new .png or .jpg")
    surface.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")
    doctor = commands.add_parser("doctor", help="what this machine has and lacks, one line a check")
    _add_config_options(doctor)
    doctor.add_argument("--json", action="store_true", help="the checks as JSON, for machines")
    add_service_parser(commands)  # installation/gallery/service.py
    parser.commands = commands.choices
    return parser


def _add_run(commands) -> None:
    run = commands.add_parser("run", help="the live show (the default command)")
    _add_config_options(run)
    run.add_argument(
        "--film", help="video file, image folder, camera:N, URL or ndi:NAME (film.source)"
    )
    run.add_argument("--windowed", action="store_true", help="a window instead of full-screen")
    run.add_argument(
        "--display", type=values.integer, help="which display to show on (screen.display)"
    )
    run.add_argument("--networks", type=values.NETWORKS, default=0, help="end after N networks")
    run.add_argument("--duration", type=values.SECONDS, default=0.0, help="end after SECONDS")
    run.add_argument("--record", type=Path, help="record what is seen and heard to FILE.mp4")
    run.add_argument(
        "--fresh", action="store_true", help="a blank mind (the saves are kept aside, not resumed)"
    )
    run.add_argument(
        "--stats", type=Path, metavar="FILE.json", help="write the show's figures as JSON at exit"
    )


def _add_record(commands) -> None:
    record = commands.add_parser("record", help="render the whole experiment into a film, headless")
    _add_config_options(record)
    record.add_argument("--out", type=Path, required=True, help="the cut, an .mp4 file")
    record.add_argument(
        "--networks", type=values.NETWORKS, default=24483, help="networks, one a frame (24483)"
    )
    record.add_argument("--fps", type=values.integer, help="frames per second (record.fps)")
    record.add_argument(
        "--film", help="video file, image folder, camera:N, URL or ndi:NAME (film.source)"
    )
    record.add_argument("--seed", type=values.integer, help="seed of the dreams (dream.seed)")
    record.add_argument(
        "--resolution", type=values.resolution, help="of the dreams (dream.resolution)"
    )
    record.add_argument(
        "--size", type=values.size, help="of the film, WIDTHxHEIGHT (record.width ...)"
    )
    record.add_argument("--resume", action="store_true", help="go on with an interrupted cut")


def _add_poems(commands) -> None:
    write = commands.add_parser("write", help="write a book of poems, headless")
    _add_config_options(write)
    write.add_argument("--words", type=values.WORDS, required=True, help="words to write")
    write.add_argument("--out", type=Path, required=True, help="the book (appended to)")
    write.add_argument("--seed", type=values.integer, help="seed of the poet (poet.seed)")
    write.add_argument("--batch", type=values.POET_BATCH, help="prompts at once (default: auto)")

    prepare = commands.add_parser("prepare", help="prepare the poet once, before the first show")
    _add_config_options(prepare)

    teach = commands.add_parser("teach-poet", help="fine-tune the poet on the corpus")
    _add_config_options(teach)
    teach.add_argument("--out", type=Path, required=True, help="a new folder for the poet")
    teach.add_argument("--steps", type=values.STEPS, default=1000, help="training steps")
    teach.add_argument("--batch", type=values.POET_BATCH, default=8, help="passages per step")
    teach.add_argument("--model", help="the model to start from (poet.model)")
    teach.add_argument(
        "--lora", action="store_true", help="learn a small LoRA adapter (poet.adapter), not a copy"
    )
    teach.add_argument(
        "--learning-rate", type=values.number(1e-8, 1), help="default: 5e-4 for --lora, else 5e-5"
    )
    teach.add_argument(
        "--from", dest="going_on_from", metavar="ADAPTER", default="",
        help='with --lora: teach this adapter further (a folder, or "bundled")',
    )  # fmt: skip
    teach.add_argument(
        "--keep-every", type=values.number(0, 24 * 60), default=10, metavar="MINUTES",
        help="save the lesson so far to --out this often (default: 10), ready for --from",
    )  # fmt: skip


def _add_bench(commands) -> None:
    bench = commands.add_parser(
        "bench", help="every speed figure against its baseline: a table, and JSON"
    )
    _add_config_options(bench)
    bench.add_argument(
        "--resolutions", type=values.resolution, nargs="+",
        help="networks at these sizes (default 64 128 256, and 512 on a GPU)",
    )  # fmt: skip
    bench.add_argument(
        "--seconds", type=values.number(0.01, 3600), default=10.0, help="per measurement"
    )
    bench.add_argument("--quick", action="store_true", help="every figure, briefly (CI)")
    bench.add_argument(
        "--poet", type=values.POET_BATCH, nargs="+", metavar="BATCH",
        help="the poet's batch sizes (default 1 and 16; 1 and 64 on a GPU)",
    )  # fmt: skip
    bench.add_argument(
        "--skip", nargs="+", choices=BENCH_PARTS, default=[], metavar="PART",
        help="leave out some of: " + ", ".join(BENCH_PARTS),
    )  # fmt: skip
    bench.add_argument(
        "--json", type=Path, default=Path("dreams-bench.json"), metavar="FILE",
        help="where the figures go as JSON (dreams-bench.json)",
    )  # fmt: skip
    bench.add_argument(
        "--osc", action="store_true", help="also OSC and MIDI latency, frame rate under a flood"
    )
    bench.add_argument(
        "--video-out", action="store_true",
        help="also the live show's frame rate and networks/s with NDI video out on against off",
    )  # fmt: skip
    bench.add_argument(
        "--record", type=values.NETWORKS, metavar="NETWORKS",
        help="also `dreams record` of this many networks: networks/s and film seconds a second",
    )  # fmt: skip


BENCH_PARTS = ("networks", "screen", "poet", "voice", "show")


def _add_config_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config", type=Path, help="a TOML file (default: ./config.toml when there is one)"
    )
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help="override one setting, e.g. --set dream.resolution=128 (repeatable)",
    )  # fmt: skip
    parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")


def _load(args: argparse.Namespace) -> Config:
    path = args.config
    if path is None and Path("config.toml").is_file():
        path = Path("config.toml")
    if path is not None:
        path = check_input(path, "--config file" if args.config else "config file")
    typed = _typed_settings(args)
    config = load_config(path, [*args.overrides, *typed], typed)
    if path is not None:
        log.info("config: %s", path)
    for setting in PATH_SETTINGS:  # used later, perhaps mid-show: a name that cannot be, now
        section, key = setting.split(".")
        if value := getattr(getattr(config, section), key):
            check_name(value, setting)
    return config


def _typed_settings(args: argparse.Namespace) -> dict[str, str]:
    """The settings the command's options give, each with the option as the user typed it (a
    refused value names that, not a --set the user never wrote)."""
    typed = {}
    if getattr(args, "film", None) is not None:
        typed[f"film.source={_toml_string(args.film)}"] = f"--film {args.film}"
    if getattr(args, "seed", None) is not None:  # the dreams' seed for a cut, the poet's else
        section = "dream" if args.command == "record" else "poet"
        typed[f"{section}.seed={args.seed}"] = f"--seed {args.seed}"
    if getattr(args, "fps", None) is not None:
        typed[f"record.fps={args.fps}"] = f"--fps {args.fps}"
    if getattr(args, "resolution", None) is not None:
        typed[f"dream.resolution={args.resolution}"] = f"--resolution {args.resolution}"
    if getattr(args, "size", None) is not None:
        size = f"--size {args.size[0]}x{args.size[1]}"
        typed |= {f"record.width={args.size[0]}": size, f"record.height={args.size[1]}": size}
    if getattr(args, "model", None) is not None:
        typed[f"poet.model={_toml_string(args.model)}"] = f"--model {args.model}"
    if getattr(args, "display", None) is not None:
        typed[f"screen.display={args.display}"] = f"--display {args.display}"
    return typed


PATH_SETTINGS = (
    "screen.screenshot_dir", "poet.model", "poet.adapter", "poet.cache_dir", "voice.model",
    "record.folder", "state.folder", "midi.mapping", "audio_in.mapping",
)  # fmt: skip


def _check_film(args: argparse.Namespace, config: Config) -> None:
    """A film given as a path is checked like every path; a camera or a URL is the film's to
    open, and the bundled clip (an empty source) is always there."""
    from engine.mind.film import is_path

    if is_path(config.film.source):
        check_input(config.film.source, "--film" if args.film else "film.source", folder=None)


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def run(args: argparse.Namespace) -> int:
    began = Began()  # before the imports and the loading: the user's wait starts here
    from installation.play.osc import check_osc_host
    from installation.show.assemble import open_show
    from installation.show.health import peak_gpu_mb

    config = _load(args)
    numbers = None
    if config.state.enabled:  # first: what is refused below is also said in dreams.log
        from installation.show.log_file import open_log_file

        numbers = open_log_file(config.state)
    _check_film(args, config)
    if args.stats is not None:
        check_output(args.stats, "--stats")  # refused now, not after the show
    if config.osc.enabled:
        check_osc_host(config.osc.host)
    show = open_show(
        config,
        fullscreen=config.screen.fullscreen and not args.windowed,
        networks_limit=args.networks,
        duration_s=args.duration,
        record_to=args.record,
        fresh=args.fresh,
    )
    if numbers is not None:
        numbers.number = lambda: show.dreaming.figures.latest().number  # the trainer's figures
    show.end_on_signals()
    summary = show.run()
    log.info("show: ended after %.1f s at network %d: %d networks created, %d shown, "
             "%d film frames (%d skipped), %d rebirths", summary.seconds, summary.last_network,
             summary.networks_created, summary.networks_shown, summary.film_frames,
             summary.film_frames_skipped, summary.rebirths)  # fmt: skip
    if (peak := peak_gpu_mb(show.trainer.device)) is not None:
        log.info("show: peak GPU memory %.0f MB", peak)
    if summary.lines_spoken:
        log.info(
            "voice: %d lines spoken; the longest silence beyond the pauses: %.1f s",
            summary.lines_spoken,
            summary.longest_wait_s,
        )
    if args.stats is not None:
        write_stats(args.stats, show_stats(summary, began, show.started, peak))
    return 0


def bench(args: argparse.Namespace) -> int:
    from installation.bench.command import run_bench

    config = _load(args)
    check_output(args.json, "--json")
    return run_bench(config, args)


def record(args: argparse.Namespace) -> int:
    from installation.cut.run import record_cut

    config = _load(args)
    _check_film(args, config)
    return record_cut(config, args.out, args.networks, args.resume).status


def write(args: argparse.Namespace) -> int:
    from installation.poems.write import write_book

    config = _load(args)
    return write_book(config, args.words, check_output(args.out, "--out"), args.batch)


def prepare(args: argparse.Namespace) -> int:
    from installation.poems.prepare import prepare_poet

    return prepare_poet(_load(args))


def teach_poet(args: argparse.Namespace) -> int:
    from engine.poet.adapter import check_adapter
    from installation.poems.teach import Course
    from installation.poems.teach import teach_poet as teach

    if args.going_on_from and not args.lora:
        print(
            "dreams: error: --from goes on from a LoRA adapter; add --lora (a full copy starts "
            "from --model)", file=sys.stderr,
        )  # fmt: skip
        return 2
    course = Course(
        args.steps, args.batch, args.lora, args.learning_rate, shlex.join(["dreams", *args.argv]),
        args.going_on_from, args.keep_every,
    )  # fmt: skip
    config = _load(args)
    if args.going_on_from:
        check_adapter(args.going_on_from, "--from")
    out = check_output(args.out, "--out", need_mb=16 if args.lora else 600, folder=True)
    return teach(config, out, course)


def surface(args: argparse.Namespace) -> int:
    from installation.play.surface import write_surface

    return write_surface(args.out, args.picture)


def doctor(args: argparse.Namespace) -> int:
    from installation.doctor import examine

    if not args.verbose:
        logging.disable(logging.INFO)  # its lines are the output: the loading's log is noise
    return examine(lambda: _load(args), args.config, args.json)


def _quiet_decoders() -> None:
    """OpenCV and FFmpeg print their own lines on stderr (a camera that is not there, a file that
    is not a video); ours say the same in one line, so theirs are silenced (-v keeps them)."""
    os.environ.setdefault("OPENCV_LOG_LEVEL", "SILENT")
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # AV_LOG_QUIET
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)


def _log_to_files(message: str) -> None:
    """The reason for an exit 2 also goes into dreams.log where the show has it open, and only
    there: stderr has its one line already."""
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, (), None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["run", *argv]  # a bare `dreams` is `dreams run`
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # said by the command's own parser, so the hint names its --help
        parser.commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    args.argv = argv  # the command as typed, for what it makes to say how it was made
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
    )
    if not args.verbose:
        _quiet_decoders()
    try:
        commands = {"run": run, "record": record, "write": write, "teach-poet": teach_poet}
        commands |= {"bench": bench, "surface": surface, "doctor": doctor, "prepare": prepare}
        commands["service"] = service_command
        with ending_on_signals():  # SIGTERM, SIGHUP end every command as Ctrl-C does
            return commands[args.command](args)
    except DreamsError as error:
        print(f"dreams: error: {error}", file=sys.stderr)
        _log_to_files(f"exit 2: {error}")
        return 2
    except KeyboardInterrupt:  # Ctrl-C (or a kill) before the command had its own handler
        return 0


if __name__ == "__main__":
    sys.exit(main())
