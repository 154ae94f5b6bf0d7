"""Resuming an interrupted cut: which checkpoint to trust, whether it fits the mind of this run,
which checkpoints to keep, and what of the interrupted file to carry over. Nothing is moved
until a checkpoint that fits has been found."""

import logging
from pathlib import Path

import av
import numpy as np

from engine.mind.build import Mind, check_fits
from engine.mind.sealed import SealedFileError, load_sealed
from installation.cut.plan import CutFiles
from installation.media.recorder import RecordError

log = logging.getLogger(__name__)


def newest_checkpoint(files: CutFiles) -> tuple[dict, Path]:
    """The newest checkpoint that loads and whose frames the interrupted cut holds, and that cut:
    the longer of the cut and a copy set aside by an earlier resume. Nothing is moved yet."""
    kept = [path for path in (files.video, files.interrupted) if path.is_file()]
    if not kept:
        raise RecordError(f"--resume: {files.video} does not exist; start it without --resume")
    frames, longest = max((decodable_frames(path), path) for path in kept)
    for path in reversed(checkpoint_paths(files.checkpoints)):
        try:
            state = load_sealed(path)
        except SealedFileError as error:
            log.warning("record: skipping %s", error)
            continue
        if state.get("frame", frames + 1) <= frames:
            log.info("record: resuming from frame %d (%s)", state["frame"], path.name)
            return state, longest
        log.warning("record: %s is beyond the %d frames the cut holds", path.name, frames)
    raise RecordError(
        f"--resume: no usable checkpoint for {files.video} in {files.checkpoints}; "
        "start a new cut under another name"
    )


def check_resumable(state: dict, mind: Mind, files: CutFiles) -> None:
    """One clear line if the checkpoint is of another film or another mind than this run's
    (the film first: another film's shape would make another mind too)."""
    if state.get("film") != mind.film.name:
        raise RecordError(
            f"--resume: {files.video} was watching {state.get('film')}, not {mind.film.name}; "
            "resume with the film it was started with, or start a new cut under another name"
        )
    try:
        check_fits(state, mind.shape)
    except SealedFileError as error:
        raise RecordError(
            f"--resume: {files.video} cannot go on with these settings: {error}; resume with "
            "the settings it was started with, or start a new cut under another name"
        ) from None
    started, now = state.get("settings", {}), cut_settings(mind.config)
    for name, value in started.items():
        if now.get(name) != value:
            raise RecordError(
                f"--resume: {files.video} was started with {name} {value}, not {now.get(name)}; "
                "resume with the settings it was started with, or start a new cut under "
                "another name"
            )


def cut_settings(config) -> dict:
    """What a resumed cut must share with its start beside the mind's shape and the film: the
    dreams' seed, the frame rate, the picture size and the frames a network (or the cut would
    mix 1 and 2 frames a network). A checkpoint without one of these names did not record it."""
    record = config.record
    return {"--seed": config.dream.seed, "--fps": record.fps,
            "--size": f"{record.width}x{record.height}",
            "record.frames_per_network": record.frames_per_network}  # fmt: skip


def set_aside(files: CutFiles, longest: Path) -> None:
    """The interrupted cut, kept as files.interrupted while the resumed run copies it over."""
    if longest != files.interrupted:
        longest.replace(files.interrupted)
    files.video.unlink(missing_ok=True)


def decodable_frames(path: Path) -> int:
    """Video frames in an mp4 that PyAV can read: an interrupted file ends on a whole second,
    but a full disk can cut its last packet short, so the last second is decoded to be sure."""
    try:
        with av.open(str(path)) as container:
            count, last_key, key_pts = 0, 0, None
            for packet in container.demux(video=0):
                if packet.size:
                    if packet.is_keyframe:
                        last_key, key_pts = count, packet.pts
                    count += 1
            if key_pts is None:
                return 0
            return last_key + _frames_from(container, key_pts, count - last_key)
    except (OSError, av.FFmpegError):
        return 0


def _frames_from(container, pts: int, most: int) -> int:
    """How many frames decode from the keyframe at `pts` on, until the first that does not."""
    stream = container.streams.video[0]
    container.seek(pts, stream=stream)
    decoded = 0
    try:
        for packet in container.demux(stream):
            for frame in packet.decode():
                decoded += frame.pts is not None and frame.pts >= pts
    except av.FFmpegError:
        pass
    return min(decoded, most)


def checkpoint_paths(folder: Path) -> list[Path]:
    """The checkpoints a cut wrote (000000123.state, named for their frame), oldest first; a
    file of any other name in the folder is not ours and is left alone."""
    return sorted(path for path in folder.glob("*.state") if path.stem.isdigit())


def remove_checkpoints(folder: Path) -> None:
    """A finished cut's checkpoints, and what a write cut short by a pulled plug left there (a
    hidden .partial); the folder too, unless someone put something else in it."""
    for path in [*checkpoint_paths(folder), *folder.glob(".*.state.*.partial")]:
        path.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except FileNotFoundError:
        pass
    except OSError as error:  # not empty: what is left there is not ours to delete
        log.warning("record: %s is kept (%s)", folder, error.strerror)


def prune_checkpoints(folder: Path, safe_frames: int) -> None:
    """Keep every checkpoint whose frames the file may not hold yet (the encoder and the last
    unfinished fragment hold seconds back), and the newest whose frames it surely holds."""
    states = checkpoint_paths(folder)
    written = [path for path in states if int(path.stem) <= safe_frames]
    for path in written[:-1]:
        path.unlink()


def interrupted_frames(path: Path, frames: int):
    """The first `frames` frames of the interrupted cut, as RGB arrays."""
    with av.open(str(path)) as old:
        for index, frame in enumerate(old.decode(video=0)):
            if index >= frames:
                return
            yield frame.to_ndarray(format="rgb24")


def interrupted_sound(path: Path, seconds: float) -> tuple[np.ndarray, int]:
    """The interrupted cut's soundtrack up to `seconds`, and its sample rate."""
    with av.open(str(path)) as old:
        stream = old.streams.audio[0]
        parts = [frame.to_ndarray().reshape(-1) for frame in old.decode(stream)]
        rate = stream.rate
    sound = np.concatenate(parts) if parts else np.zeros(0, np.float32)
    return sound[: round(seconds * rate)], rate
