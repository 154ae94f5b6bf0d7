"""The real `dreams` command in a child process: signals, limits and a missing display."""

import json
import os
import re
import resource
import subprocess
import threading

import pytest

from installation.cli import main
from tests.conftest import DREAMS, ROOT, run_dreams


def start_dreams(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [*DREAMS, *args],
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process: subprocess.Popen, words: str, timeout: float = 60.0) -> list[str]:
    lines: list[str] = []
    found = threading.Event()

    def read():
        for line in process.stderr:
            lines.append(line)
            if words in line:
                found.set()

    threading.Thread(target=read, daemon=True).start()
    assert found.wait(timeout), "".join(lines)
    return lines


@pytest.mark.slow
def test_networks_limit_ends_the_show(shapes_film):
    result = run_dreams("run", "--windowed", "--film", str(shapes_film), "--networks", "5")
    assert result.returncode == 0, result.stderr
    assert "5 networks created, 5 shown" in result.stderr


@pytest.mark.slow
def test_no_display_is_one_clear_line(shapes_film):
    env = {"SDL_VIDEODRIVER": "x11", "DISPLAY": ":97"}
    result = run_dreams("run", "--film", str(shapes_film), env=env)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if "error:" in line]
    assert "no display could be opened" in line and "dreams record" in line


@pytest.mark.slow
@pytest.mark.parametrize("display", ["1", "5"])  # 1: the first past the one display here
def test_a_display_that_does_not_exist(display):
    result = run_dreams("run", "--windowed", "--display", display)
    assert result.returncode == 2
    assert f"screen.display = {display}" in result.stderr and "Traceback" not in result.stderr


# as the README names them
COMMANDS = [
    "run",
    "record",
    "write",
    "prepare",
    "teach-poet",
    "bench",
    "surface",
    "doctor",
    "service",
]


def test_help_names_the_commands():
    """Each command in the help's list, each with the line that says what it does."""
    result = run_dreams("--help")
    assert result.returncode == 0
    listed = re.findall(r"^ {4}(\S+)(?: +|\n +)(\S.*)$", result.stdout, re.MULTILINE)
    assert [name for name, _ in listed] == COMMANDS, result.stdout
    assert all(len(what.split()) >= 3 for _, what in listed), listed
    assert os.path.exists(ROOT / "config.toml")


@pytest.mark.slow
def test_bench_prints_every_figure_and_writes_them_as_json(tmp_path, poet_cache):
    """`dreams bench --quick`: networks against the eager loop, the screen, the poet, the
    voice, the live show and memory, in one table and one JSON file that agree."""
    out = tmp_path / "bench.json"
    peak_before = children_peak_mb()
    result = run_dreams(
        "bench", "--quick", "--poet", "1", "4", "--json", str(out),
        "--set", f"poet.cache_dir={poet_cache}", timeout=900,
    )  # fmt: skip
    said = f"stdout:\n{result.stdout[-3000:]}\nstderr:\n{result.stderr[-2000:]}"
    assert result.returncode == 0, said
    document = json.loads(out.read_text())
    raw = document["raw"]
    assert set(raw) >= {"networks", "screen", "poet", "voice", "show"}, said  # a part failed
    for row in document["rows"]:  # the printed table holds what the JSON holds
        assert re.search(rf"{re.escape(row['figure'])}\s+{re.escape(row['value'])}", result.stdout)
    (networks,) = raw["networks"]
    assert networks["resolution"] == 64 and networks["eager_per_s"] > 0
    assert networks["ratio"] == pytest.approx(networks["dreams_per_s"] / networks["eager_per_s"])
    assert 0 < raw["screen"]["median_ms"] <= raw["screen"]["p99_ms"]
    assert [row["batch"] for row in raw["poet"]] == [1, 4]
    assert all(row["words_per_s"] > 0 for row in raw["poet"])
    reading = raw["poet_reading"]  # the live poet's first stanza beside the corpus
    assert reading["words_per_s"] > 0 and reading["book"]["lines"] == 4
    assert reading["book"]["unknown"] == 0 and reading["corpus"]["rhymed"] > 0.3
    assert reading["likelihood"]["book"] < 0 and reading["likelihood"]["corpus"] < 0
    assert 0 <= reading["rhymes_later"] <= 1 and 0 <= reading["unrhymed_by_choice"] <= 1
    assert 0 < raw["voice"]["alone"] < 1 and 0 < raw["voice"]["beside_dreamer"] < 1
    assert 0 < raw["show"]["first_network_s"] < 120 and raw["show"]["networks_per_s"] > 0
    # the live show at 1080p beside the bare trainer of this same run, and its picture meanwhile
    show = raw["show"]
    assert show["window"] == "1920x1080" and show["bare_trainer_per_s"] == networks["dreams_per_s"]
    (row,) = [r for r in document["rows"] if r["figure"].startswith("networks/s in the live show")]
    assert row["ratio"] == pytest.approx(show["networks_per_s"] / networks["dreams_per_s"])
    assert show["frames_per_s"] > 0 and 0 < show["frame_ms_median"] <= show["frame_ms_p99"]
    # the peaks in MB as the kernel kept them: the bench and its show are the children (and
    # grandchild) of this process, so neither can pass their high-water mark, and where they
    # set a new one (the usual case), one of them names it
    peak, show_peak = raw["peak_ram_mb"], raw["show"]["peak_ram_mb"]
    peak_after = children_peak_mb()
    assert 0 < peak <= peak_after + 1 and 0 < show_peak <= peak_after + 1, peak_after
    if peak_after > peak_before:
        assert max(peak, show_peak) > 0.97 * peak_after, (peak, show_peak, peak_after)
    assert document["device"] and document["date"] and "bench" in document["command"]


def children_peak_mb() -> float:
    """The largest resident memory any finished child or grandchild of this process reached."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # kB on Linux


@pytest.mark.slow
def test_bench_refuses_a_json_path_it_cannot_write():
    result = run_dreams("bench", "--quick", "--json", "/no/such/folder/bench.json")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "the folder /no/such/folder does not exist" in result.stderr


def refusal(capsys, *args: str) -> str:
    """The one line `dreams ARGS` says of a mistake, in this process (it stops before any work)."""
    try:
        status = main(list(args))
    except SystemExit as exit:  # argparse's own refusal
        status = exit.code
    said = capsys.readouterr().err
    lines = [line for line in said.splitlines() if "error" in line]
    assert status == 2 and "Traceback" not in said and len(lines) == 1, said
    return lines[0]


@pytest.mark.parametrize(
    "args, words",
    [
        (["record", "--size", "0x0"], "--size 0x0: record.width = 0 is not valid"),
        (["record", "--networks", "abc"], "--networks: give a whole number from 1 to"),
        (["record", "--seed", "-1"], "--seed -1: dream.seed = -1 is not valid"),
        (["record", "--set", "record.film_frames_per_network=inf"], "between 0 and 1000"),
        (["record", "--set", "osc.targets=127.0.0.1:99999"], "ports 1 to 65535"),
        (["record", "--set", "film.memory_frames=1000000000000"], "between 1 and 100000"),
        (["write", "--words", "9", "--seed", str(2**64)], "poet.seed = 18446744073709551616"),
        (["write", "--words", "9", "--batch", "10000"], "--batch: give a whole number from 1 to"),
        (["teach-poet", "--lora", "--learning-rate", "-1"], "--learning-rate: give a number"),
        (["run", "--duration", "inf"], "--duration: give a number from"),
    ],
)
def test_values_out_of_bounds_are_one_line_naming_what_was_typed(capsys, tmp_path, args, words):
    out = [] if args[0] == "run" else ["--out", str(tmp_path / "out")]
    assert words in refusal(capsys, *args, *out)
    assert list(tmp_path.iterdir()) == []  # refused before anything was made


def test_a_binary_config_file_is_one_line(capsys, tmp_path):
    junk = tmp_path / "config.toml"
    junk.write_bytes(bytes(range(256)) * 12)
    line = refusal(capsys, "record", "--config", str(junk), "--out", str(tmp_path / "cut.mp4"))
    assert f"config file {junk} is not UTF-8 text" in line
