"""`dreams record`: a short cut rendered headless, read back with PyAV."""

import os
import signal
import subprocess
import time

import cv2
import numpy as np
import pytest

from engine.config import RecordConfig
from engine.mind.sealed import load_sealed, save_sealed
from installation.cut.resume import checkpoint_paths
from installation.media.loss_plot import D_COLOUR, G_COLOUR
from installation.media.recorder import Recorder
from tests.conftest import DREAMS, ROOT, run_dreams
from tests.cutkit import (
    events,
    frames_that_play,
    sound,
    streams,
    subtitles,
    video_format,
    video_frames,
)
from tests.test_sheet import cells, colour_share, grid_of

NETWORKS, FPS = 150, 15  # ten seconds of picture
TITLE = CREDITS = 15  # frames: a second each
SMALL = ["--size", "320x180", "--fps", str(FPS),
         "--set", "record.title_s=1", "--set", "record.credits_s=1"]  # fmt: skip


def poet(cache, model) -> list[str]:
    return ["--set", f"poet.cache_dir={cache}", "--set", f"poet.model={model}",
            "--set", "poet.adapter=", "--set", "poet.max_new_tokens=8",
            "--set", "voice.line_pause_s=0.8"]  # fmt: skip


def record(out, *args, timeout=600):
    return run_dreams("record", "--networks", str(NETWORKS), "--out", str(out), *SMALL, *args,
                      timeout=timeout)  # fmt: skip


@pytest.fixture(scope="module")
def cut(tmp_path_factory, poet_cache, tiny_model_dir):
    out = tmp_path_factory.mktemp("cut") / "cut.mp4"
    result = record(out, *poet(poet_cache, tiny_model_dir))
    assert result.returncode == 0, result.stderr
    return out


def test_a_cut_holds_every_frame_in_h264_with_aac_sound(cut):
    assert streams(cut) == [("video", "h264"), ("audio", "aac")]
    frames = video_frames(cut)
    assert len(frames) == TITLE + NETWORKS + CREDITS
    assert frames[0].mean() < 2  # the title fades in from black
    assert frames[TITLE // 2].max() > 200  # "150 Dreams", in full light
    picture = np.stack(frames[TITLE : TITLE + NETWORKS])
    assert picture.std(axis=0).mean() > 5  # the dreams change, network by network
    samples, rate = sound(cut)
    assert abs(len(samples) / rate - len(frames) / FPS) < 0.1  # sound to the last frame
    pix_fmt, sample_rate, keys, kinds = video_format(cut)  # what an editor meets
    assert pix_fmt == "yuv420p" and sample_rate == 48000 and "B" not in kinds
    assert keys == list(range(0, len(frames), FPS))  # a keyframe a second, and no others


def test_the_voice_is_heard_where_the_subtitles_say(cut):
    entries = subtitles(cut.with_suffix(".srt"))
    assert len(entries) >= 1
    samples, rate = sound(cut)
    for start, end, text in entries:
        assert text and start < end <= (TITLE + NETWORKS) / FPS  # no line past the picture
        spoken = samples[int(start * rate) : int(end * rate)]
        assert np.sqrt(np.mean(spoken**2)) > 0.01, text
    before = samples[: int((entries[0][0] - 0.1) * rate)]  # the title and the lead
    assert np.abs(before).max() < 1e-3
    after = samples[int((entries[-1][1] + 0.1) * rate) :]
    assert np.abs(after).max() < 1e-3


def test_the_log_and_the_book_beside_the_cut(cut):
    log = events(cut.with_name("cut.log.jsonl"))
    start = log[0]
    assert start["event"] == "start" and start["seed"] == 0 and start["frames"] == 180
    assert start["config"]["record"]["fps"] == FPS and start["versions"]["av"]
    numbers = [e["number"] for e in log if e["event"] == "network"]
    assert numbers == list(range(1, NETWORKS + 1))
    lines = [e["text"] for e in log if e["event"] == "line"]
    assert lines == [text for _, _, text in subtitles(cut.with_suffix(".srt"))]
    assert log[-1]["event"] == "end" and log[-1]["frames"] == 180
    book = cut.with_name("cut.poems.txt").read_text()
    assert all(line in book for line in lines)  # every spoken line is in the book
    assert not cut.with_name("cut.checkpoints").exists()


def sheet_beside(cut) -> tuple[list[int], list[np.ndarray]]:
    """The networks the cut's log says its contact sheet holds, and the sheet's cells that are
    not black, read from the PNG."""
    (told,) = [e for e in events(cut.with_name(f"{cut.stem}.log.jsonl")) if e["event"] == "sheet"]
    sheet = cv2.imread(str(cut.with_name(f"{cut.stem}.sheet.png")))
    rows, columns = grid_of(sheet, told["dream_shape"])
    pictures = [p for p, _ in cells(sheet, told["dream_shape"], rows * columns) if p.max() > 0]
    return told["networks"], pictures


def test_a_contact_sheet_and_a_loss_plot_beside_the_cut(cut):
    networks, pictures = sheet_beside(cut)
    assert networks == list(range(1, NETWORKS + 1, 3))  # 50 cells, the first to near the last
    assert len(pictures) == len(networks)
    assert all(picture.std() > 3 for picture in pictures)  # dreams, not flat
    first, last = pictures[0].astype(float), pictures[-1].astype(float)
    assert np.abs(first - last).mean() > 10  # the mind has changed over the run
    plot = cv2.imread(str(cut.with_name("cut.losses.png")))
    assert colour_share(plot, D_COLOUR) > 0.002 and colour_share(plot, G_COLOUR) > 0.002


@pytest.mark.slow
def test_one_seed_gives_the_same_frames(cut, tmp_path, poet_cache, tiny_model_dir):
    again = tmp_path / "again.mp4"
    assert record(again, *poet(poet_cache, tiny_model_dir)).returncode == 0
    first, second = video_frames(cut), video_frames(again)
    assert len(first) == len(second)
    assert all(np.array_equal(a, b) for a, b in zip(first, second, strict=True))
    assert subtitles(again.with_suffix(".srt")) == subtitles(cut.with_suffix(".srt"))


def start_recording(out, *args) -> subprocess.Popen:
    command = [*DREAMS, "record", "--networks", str(NETWORKS),
               "--out", str(out), *SMALL, "--set", "poet.enabled=false",
               "--set", "record.checkpoint_s=1", *args]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for_networks(log_path, count: int, process) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and process.poll() is None:
        if log_path.exists() and log_path.read_text().count('"network"') >= count:
            return
        time.sleep(0.1)
    process.kill()
    _, error = process.communicate()  # what the child said is kept in the failure
    raise AssertionError(f"{count} networks were not made in time:\n{error.decode()}")


def refused_resume(out, *args) -> str:
    """A --resume that does not fit the interrupted cut: one line, exit 2, nothing moved."""
    files = sorted(out.parent.glob("cut*.mp4"))  # the cut, and a copy an earlier resume kept
    before = [path.read_bytes() for path in files]
    result = run_dreams("record", "--networks", str(NETWORKS), "--out", str(out), *SMALL,
                        "--set", "poet.enabled=false", "--resume", *args)  # fmt: skip
    assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
    assert sorted(out.parent.glob("cut*.mp4")) == files
    assert [path.read_bytes() for path in files] == before
    return result.stderr.strip().splitlines()[-1]


@pytest.mark.slow
def test_killed_and_interrupted_cuts_play_and_resume(tmp_path, shapes_film):
    out = tmp_path / "cut.mp4"
    log_path = tmp_path / "cut.log.jsonl"
    process = start_recording(out)
    wait_for_networks(log_path, 70, process)
    os.kill(process.pid, signal.SIGKILL)  # a pulled plug
    process.wait()
    assert frames_that_play(out) >= TITLE + 45  # it plays up to a whole second near the end
    for path in checkpoint_paths(out.with_name("cut.checkpoints")):  # as an older Dreams wrote
        state = load_sealed(path)
        del state["sheet"], state["losses"]
        save_sealed(path, state)

    process = start_recording(out, "--resume")
    wait_for_networks(log_path, 110, process)
    os.kill(process.pid, signal.SIGINT)  # Ctrl-C
    _, error = process.communicate(timeout=120)
    assert process.returncode == 130, error
    assert "--resume" in error.decode().splitlines()[-1]
    assert "holds no contact sheet" in error.decode()  # an older checkpoint: said, and on
    interrupted = [e for e in events(log_path) if e["event"] == "interrupted"][-1]
    frames = video_frames(out)
    assert len(frames) == interrupted["frames"]  # every frame, to the last
    assert frames[-1].std() > 3  # a dream, not black
    line = refused_resume(out, "--resolution", "128")
    assert "64 x 112 grey, nearest upsampling, width 32" in line and "128 x 224" in line
    assert "was watching" in refused_resume(out, "--film", str(shapes_film))
    assert "--seed 0, not 5" in refused_resume(out, "--seed", "5")
    line = refused_resume(out, "--set", "record.frames_per_network=2")  # 1 and 2 never mixed
    assert "record.frames_per_network 1, not 2" in line
    # a pulled plug in the middle of a checkpoint's write leaves its hidden partial file
    (out.with_name("cut.checkpoints") / ".000000001.state.1.partial").write_bytes(b"half")

    result = run_dreams("record", "--networks", str(NETWORKS), "--out", str(out), *SMALL,
                        "--set", "poet.enabled=false", "--resume")  # fmt: skip
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert len(video_frames(out)) == TITLE + NETWORKS + CREDITS, result.stderr
    log = events(log_path)
    dream = log[0]["config"]["dream"]  # the provenance says what was used, never "auto"
    assert (log[0]["event"], dream["resolution"], dream["width"]) == ("start", 64, 32)
    resumed = [e for e in log if e["event"] == "resumed"]
    assert len(resumed) == 2
    after = [e["number"] for e in log[log.index(resumed[-1]) :] if e["event"] == "network"]
    assert after == list(range(resumed[-1]["network"] + 1, NETWORKS + 1))
    # the sheet from where the older checkpoint left it, through the second resume, to the end
    networks, pictures = sheet_beside(out)
    assert networks == list(range(resumed[0]["network"] + 1, NETWORKS + 1, 3))
    assert networks[0] < resumed[1]["network"] < networks[-1] and len(pictures) == len(networks)
    assert not out.with_name("cut.checkpoints").exists()
    assert not out.with_name("cut.interrupted.mp4").exists()


@pytest.mark.slow
def test_an_output_that_cannot_be_written_is_said_before_any_training(tmp_path):
    started = time.monotonic()
    result = run_dreams("record", "--out", str(tmp_path / "missing" / "cut.mp4"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("dreams: error: --out")
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr
    (tmp_path / "cut.mp4").write_bytes(b"the user's film")
    result = run_dreams("record", "--out", str(tmp_path / "cut.mp4"))
    assert result.returncode == 2 and "exists" in result.stderr
    assert (tmp_path / "cut.mp4").read_bytes() == b"the user's film"
    result = run_dreams("record", "--out", str(tmp_path / "other.mp4"), "--resume")
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert time.monotonic() - started < 60  # no network was trained


@pytest.mark.skipif(not os.access("/dev/full", os.W_OK), reason="needs a writable /dev/full")
def test_a_full_disk_stops_the_recorder_with_a_clear_message():
    recorder = Recorder("/dev/full", RecordConfig(width=320, height=180), fps=30)
    noise = np.random.default_rng(0).integers(0, 255, (180, 320, 3), dtype=np.uint8)
    for _ in range(90):
        recorder.add_frame(noise)
    summary = recorder.close()
    assert "No space left on device" in summary.error
