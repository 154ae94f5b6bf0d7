"""A cut's checkpoints: every `record.checkpoint_s` (and on Ctrl-C) what --resume needs to go
on, stamped with the mind's shape and a format version (engine/mind/build.py); and a resumed
run put back where its checkpoint was. The run keeps how far it has come in a CutProgress; a
checkpoint is made of it and of the parts it is given, and a resume gives one back."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from engine.config import Config
from engine.mind.build import Mind, on_cpu, stamped
from engine.mind.sealed import save_sealed
from installation.cut.plan import CutPlan
from installation.cut.resume import (
    cut_settings,
    interrupted_frames,
    interrupted_sound,
    prune_checkpoints,
)
from installation.cut.soundtrack import Soundtrack, placed_line
from installation.media.recorder import Recorder, RecordError
from installation.media.sheet import Thumbnails
from installation.media.side_files import JsonLog, SubtitleFile

log = logging.getLogger(__name__)


def no_losses() -> dict[str, list]:
    return {"numbers": [], "d": [], "g": []}


@dataclass
class CutProgress:
    """How far a cut has come beside its mind: the frames written, the film due, the time spent
    and what the contact sheet and the loss plot have gathered."""

    thumbnails: Thumbnails  # the contact sheet's dreams so far
    started: float = field(default_factory=time.monotonic)  # an earlier run's seconds taken off
    frame: int = 0  # frames of the cut written
    film_due: float = 0.0  # the film's frames to be watched by the end of this network
    losses: dict[str, list] = field(default_factory=no_losses)  # for the loss plot


@dataclass(frozen=True)
class SideFiles:
    """The files written beside the cut as it goes, whose lengths a checkpoint keeps."""

    log: JsonLog
    subtitles: SubtitleFile


def save_checkpoint(folder: Path, frame: int, recorder: Recorder, sides: SideFiles,
                    state: Callable[[], dict]) -> None:  # fmt: skip
    """Write what --resume needs at `frame`: `state()` (checkpoint_state) once the files beside
    are synced; a full disk is logged, and the cut goes on."""
    try:
        sides.log.sync()
        sides.subtitles.sync()
        folder.mkdir(exist_ok=True)
        recorder.sync()
        save_sealed(folder / f"{frame:09d}.state", state())
        if not recorder.error:  # after a fault, what the file holds is not known for sure
            prune_checkpoints(folder, recorder.safe_frames)
    except OSError as error:  # a full disk: the cut goes on; the next checkpoint may work
        log.error("record: checkpoint not saved (%s); trying again later", error)


def checkpoint_state(mind: Mind, config: Config, progress: CutProgress, sides: SideFiles,
                     grain: dict, soundtrack: Soundtrack | None) -> dict:  # fmt: skip
    """What --resume needs, as data: the mind, the memory, the film's place, the progress, the
    grain, the side files' lengths and the soundtrack's place."""
    state = {
        "frame": progress.frame,
        "film": mind.film.name,
        "settings": cut_settings(config),
        "trainer": on_cpu(mind.trainer.state_dict()),
        "memory": mind.memory.state_dict(),
        "film_position": mind.film.position,
        "film_read": mind.film.frames_read,
        "film_due": progress.film_due,
        "grain": grain,
        "log_offset": sides.log.offset,
        "srt_offset": sides.subtitles.offset,
        "srt_entries": sides.subtitles.entries,
        "elapsed_s": time.monotonic() - progress.started,
        "sheet": progress.thumbnails.state_dict(),
        "losses": {
            "numbers": np.asarray(progress.losses["numbers"], np.int64),
            "d": np.asarray(progress.losses["d"], np.float32),
            "g": np.asarray(progress.losses["g"], np.float32),
        },
    }
    if soundtrack is not None:
        state["narration"] = {
            "lines": soundtrack.lines_placed,
            "next_start": soundtrack.next_start,
            "ended": soundtrack.ended,
            "placed": [
                (x.text, x.started, x.ends, x.audio, x.sample_rate) for x in soundtrack.placed
            ],
        }
    return stamped(state, mind.trainer)


def restore(state: dict, mind: Mind, fresh: CutProgress) -> CutProgress:
    """The mind, the memory and the film's place as they were; the progress of a `fresh` run
    as the checkpoint left it, its frames still to be copied over (copy_interrupted)."""
    mind.trainer.load_state_dict(state["trainer"])
    mind.memory.load_state_dict(state["memory"])
    mind.film.go_to(state["film_position"])
    mind.film.frames_read = state["film_read"]
    progress = replace(fresh, started=fresh.started - state["elapsed_s"])
    progress.film_due = state["film_due"]
    _restore_pictures(state, progress, mind.trainer.number)
    return progress


def restore_soundtrack(state: dict, soundtrack: Soundtrack | None, recorder: Recorder,
                      plan: CutPlan, volume: float) -> float:  # fmt: skip
    """The lines placed before the checkpoint, back in the soundtrack and in the recorder's sound;
    the picture time up to which the interrupted cut's sound is copied over."""
    audio_until, title_s = state["frame"] / plan.fps, plan.title_s
    if soundtrack is None:
        return audio_until
    placed = state.get("narration", {}).get("placed", [])
    for text, start, _end, audio, rate in placed:  # the end: start and the audio's length
        soundtrack.placed.append(placed_line(text, start, audio, rate, volume))
        recorder.add_line(audio, rate, title_s + start, volume)
    if placed:
        audio_until = min(audio_until, title_s + placed[0][1])
    return audio_until


def _restore_pictures(state: dict, progress: CutProgress, number: int) -> None:
    """The sheet's dreams and the losses so far; a checkpoint of an older Dreams has neither,
    and the sheet and the plot then start where it resumes."""
    if "sheet" not in state or "losses" not in state:
        log.warning("record: the checkpoint holds no contact sheet or losses (an older Dreams "
                    "made it); the sheet and the loss plot start at network %d",
                    number + 1)  # fmt: skip
        return
    progress.thumbnails.load_state_dict(state["sheet"])
    progress.losses = {name: list(values.tolist()) for name, values in state["losses"].items()}


def copy_interrupted(interrupted: Path, frames: int, audio_until: float, recorder: Recorder,
                     put: Callable[[np.ndarray], int]) -> None:  # fmt: skip
    """The interrupted cut's first `frames` frames (each through `put`, which gives the frames
    written so far) and its sound up to `audio_until`."""
    written = 0
    for frame in interrupted_frames(interrupted, frames):
        written = put(frame)
    sound, rate = interrupted_sound(interrupted, audio_until)
    recorder.add_line(sound, rate, 0.0)
    if written < frames:
        raise RecordError(f"--resume: {interrupted} holds only {written} frames")
