"""`dreams record` against a hostile world: a full disk, and names that are someone else's. A cut
never writes over, moves or deletes what it did not make, and a fault leaves a cut that plays
and goes on with --resume."""

import os
import resource
import signal
import subprocess
import sys

import pytest

from engine.poet.book import Book
from installation.cut.resume import prune_checkpoints
from tests.conftest import DREAMS, ROOT, run_dreams
from tests.cutkit import events, frames_that_play, video_frames

NETWORKS, FPS = 100, 15
TITLE = CREDITS = 15  # frames: a second each
FRAMES_PER_NETWORK = 3
# Lossless frames make the cut grow fast; small networks and memory make a checkpoint small, so
# a per-file size limit stops the cut's video first, well after its first checkpoint.
HEAVY = ["--networks", str(NETWORKS), "--size", "640x360", "--fps", str(FPS),
         "--set", "record.title_s=1", "--set", "record.credits_s=1",
         "--set", "poet.enabled=false", "--set", "record.checkpoint_s=1",
         "--set", "record.crf=0", "--set", "record.preset=ultrafast",
         "--set", "film.memory_frames=16", "--set", "dream.width=8",
         "--set", f"record.frames_per_network={FRAMES_PER_NETWORK}"]  # fmt: skip
DISK_BYTES = 12_000_000  # a checkpoint is about 2.4 MB; the video stops near frame 190 of 330


def full_disk_at(size: int):
    """A child whose files cannot grow past `size` bytes: writes fail with EFBIG, as on a full
    disk (SIGXFSZ ignored, or it would kill the child instead)."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    return limit


@pytest.mark.slow
def test_a_full_disk_stops_the_cut_with_one_line_and_resume_goes_on(tmp_path):
    out = tmp_path / "cut.mp4"
    command = [*DREAMS, "record", "--out", str(out), *HEAVY]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600,
                            preexec_fn=full_disk_at(DISK_BYTES))  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("dreams record:") and "--resume goes on" in last, result.stderr
    assert "File too large" in last
    played = frames_that_play(out)
    assert TITLE < played < TITLE + NETWORKS * FRAMES_PER_NETWORK  # it plays up to the fault
    log = events(out.with_name("cut.log.jsonl"))  # every line whole: each one parses
    assert log[0]["event"] == "start" and log[-1]["event"] == "interrupted"

    result = run_dreams("record", "--out", str(out), *HEAVY, "--resume", timeout=600)
    assert result.returncode == 0, result.stderr
    assert len(video_frames(out)) == TITLE + NETWORKS * FRAMES_PER_NETWORK + CREDITS
    log = events(out.with_name("cut.log.jsonl"))
    assert [e["event"] for e in log].count("resumed") == 1 and log[-1]["event"] == "end"
    assert not out.with_name("cut.checkpoints").exists()


def refused(*args) -> str:
    """`dreams record` refused before any work: exit 2, one line, no traceback."""
    result = run_dreams("record", "--networks", "5", *args)
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("dreams: error: "), result.stderr
    return line


def folder_contents(folder) -> dict:
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_resume_goes_on_only_with_a_cut_that_dreams_left_unfinished(tmp_path):
    film = tmp_path / "holiday.mp4"
    film.write_bytes(b"someone's holiday film")
    before = folder_contents(tmp_path)
    assert "no holiday.checkpoints" in refused("--out", str(film), "--resume")
    assert folder_contents(tmp_path) == before
    # a checkpoint folder whose only checkpoint is damaged: still nothing is moved
    (tmp_path / "holiday.checkpoints").mkdir()
    (tmp_path / "holiday.checkpoints" / "000000010.state").write_bytes(b"half a checkpoint")
    before = folder_contents(tmp_path)
    assert "no usable checkpoint" in refused("--out", str(film), "--resume")
    assert folder_contents(tmp_path) == before  # not renamed, not truncated, not deleted


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_device_is_never_a_cut():
    for resume in ([], ["--resume"]):
        assert "/dev/full is a device" in refused("--out", "/dev/full", *resume)
    assert os.path.exists("/dev/full") and not os.path.isfile("/dev/full")


@pytest.mark.slow
def test_a_new_cut_never_writes_over_the_files_beside_it(tmp_path):
    out = tmp_path / "cut.mp4"
    out.write_bytes(b"last night's cut")  # a cut of the same name
    before = folder_contents(tmp_path)
    assert "cut.mp4 exists; give another name" in refused("--out", str(out))
    assert folder_contents(tmp_path) == before
    out.unlink()
    (tmp_path / "cut.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nmy own subtitles\n\n")
    before = folder_contents(tmp_path)
    assert "cut.srt is there already" in refused("--out", str(out))
    assert folder_contents(tmp_path) == before and not out.exists()
    # what a failed resume keeps (the interrupted cut, set aside) is never taken by a new cut
    (tmp_path / "cut.srt").unlink()
    for picture in ("cut.sheet.png", "cut.losses.png"):  # a sheet printed, a plot annotated
        (tmp_path / picture).write_bytes(b"my own copy")
        before = folder_contents(tmp_path)
        assert f"{picture} is there already" in refused("--out", str(out))
        assert folder_contents(tmp_path) == before and not out.exists()
        (tmp_path / picture).unlink()
    (tmp_path / "cut.interrupted.mp4").write_bytes(b"an hour of dreams")
    before = folder_contents(tmp_path)
    line = refused("--out", str(out))
    assert "add --resume" in line and "cut.interrupted.mp4" in line
    assert folder_contents(tmp_path) == before and not out.exists()


BOOK_ON_A_FULL_DISK = """
import resource, signal, sys
from engine.poet.book import Book
from engine.poet.writer import Poem
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (700, 700))
book = Book(sys.argv[1])
stanza = ["The pale moon rises over the silent hill,", "And all the world lies cold and still."]
written = 0
for n in range(20):
    try:
        book.append(Poem(f"Night {n}", [stanza, stanza]))
        written += 1
    except OSError as error:
        print(written, error.errno)
        break
"""


def test_a_poem_that_does_not_fit_on_the_disk_leaves_the_book_whole(tmp_path):
    path = tmp_path / "cut.poems.txt"
    result = subprocess.run([sys.executable, "-c", BOOK_ON_A_FULL_DISK, str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    written, errno = (int(x) for x in result.stdout.split())
    assert errno == 27 and written >= 1  # EFBIG: the disk is full
    text = path.read_text()
    assert text.endswith("\n\n\n") and text.count(". Night ") == written  # whole poems only
    assert Book(path).last_number == written  # and the next one is numbered on from there


def test_pruning_keeps_every_checkpoint_a_pulled_plug_may_need(tmp_path):
    """The cut file surely holds 25 frames: the checkpoint at 20 is the newest a resume can
    surely use, so it stays with the later ones (their frames may not be in the file yet)."""
    for frame in (10, 20, 30, 40):
        (tmp_path / f"{frame:09d}.state").write_bytes(b"a checkpoint")
    (tmp_path / "notes.txt").write_text("not ours")
    prune_checkpoints(tmp_path, safe_frames=25)
    kept = sorted(p.name for p in tmp_path.iterdir())
    assert kept == ["000000020.state", "000000030.state", "000000040.state", "notes.txt"]
