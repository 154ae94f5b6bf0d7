"""A cut's checkpoints: every `record.checkpoint_s` (and on Ctrl-C) what --resume needs to go
on, stamped with the mind's shape and a format version (engine/mind/build.py); and putting a resumed
run back where its checkpoint was."""

import logging
import time

import numpy as np

from engine.mind.build import on_cpu, stamped
from engine.mind.sealed import save_sealed
from installation.cut.resume import (
    cut_settings,
    interrupted_frames,
    interrupted_sound,
    prune_checkpoints,
)
from installation.cut.soundtrack import placed_line
from installation.media.recorder import RecordError

log = logging.getLogger(__name__)


def save_checkpoint(run) -> None:
    """Write what --resume needs; a full disk is logged, and the cut goes on."""
    try:
        run.log.sync()
        run.subtitles.sync()
        folder = run.files.checkpoints
        folder.mkdir(exist_ok=True)
        run.recorder.sync()
        save_sealed(folder / f"{run.frame:09d}.state", _state(run))
        if not run.recorder.error:  # after a fault, what the file holds is not known for sure
            prune_checkpoints(folder, run.recorder.safe_frames)
    except OSError as error:  # a full disk: the cut goes on; the next checkpoint may work
        log.error("record: checkpoint not saved (%s); trying again later", error)


def _state(run) -> dict:
    mind = run.mind
    state = {
        "frame": run.frame,
        "film": mind.film.name,
        "settings": cut_settings(run.config),
        "trainer": on_cpu(mind.trainer.state_dict()),
        "memory": mind.memory.state_dict(),
        "film_position": mind.film.position,
        "film_read": mind.film.frames_read,
        "film_due": run.film_due,
        "grain": run.painter.compositor.random_state,
        "log_offset": run.log.offset,
        "srt_offset": run.subtitles.offset,
        "srt_entries": run.subtitles.entries,
        "elapsed_s": time.monotonic() - run.started,
        "sheet": run.thumbnails.state_dict(),
        "losses": {
            "numbers": np.asarray(run.losses["numbers"], np.int64),
            "d": np.asarray(run.losses["d"], np.float32),
            "g": np.asarray(run.losses["g"], np.float32),
        },
    }
    narration = run.narration
    if narration is not None:
        state["narration"] = {
            "lines": narration.lines_placed,
            "next_start": narration.next_start,
            "ended": narration.ended,
            "placed": [
                (x.text, x.started, x.ends, x.audio, x.sample_rate) for x in narration.placed
            ],
        }
    return stamped(state, mind.trainer)


def restore(run, state: dict) -> None:
    """The mind, the memory, the film's place, the grain and the narration as they were; then
    the interrupted cut's frames and sound up to the checkpoint, copied into the new file."""
    mind, plan, volume = run.mind, run.plan, run.config.voice.volume
    mind.trainer.load_state_dict(state["trainer"])
    mind.memory.load_state_dict(state["memory"])
    mind.film.go_to(state["film_position"])
    mind.film.frames_read = state["film_read"]
    run.film_due = state["film_due"]
    run.painter.compositor.random_state = state["grain"]
    run.started -= state["elapsed_s"]
    _restore_pictures(run, state)
    audio_until = state["frame"] / plan.fps
    if run.narration is not None:
        placed = state.get("narration", {}).get("placed", [])
        for text, start, _end, audio, rate in placed:  # the end: start and the audio's length
            run.narration.placed.append(placed_line(text, start, audio, rate, volume))
            run.recorder.add_line(audio, rate, plan.title_s + start, volume)
        if placed:
            audio_until = min(audio_until, plan.title_s + placed[0][1])
    _copy_interrupted(run, state["frame"], audio_until)
    run.log.add("resumed", frame=state["frame"], network=mind.trainer.number)


def _restore_pictures(run, state: dict) -> None:
    """The sheet's dreams and the losses so far; a checkpoint of an older Dreams has neither,
    and the sheet and the plot then start where it resumes."""
    if "sheet" not in state or "losses" not in state:
        log.warning("record: the checkpoint holds no contact sheet or losses (an older Dreams "
                    "made it); the sheet and the loss plot start at network %d",
                    run.mind.trainer.number + 1)  # fmt: skip
        return
    run.thumbnails.load_state_dict(state["sheet"])
    run.losses = {name: list(values.tolist()) for name, values in state["losses"].items()}


def _copy_interrupted(run, frames: int, audio_until: float) -> None:
    """The interrupted cut's first `frames` frames and its sound up to `audio_until`."""
    interrupted = run.files.interrupted
    for frame in interrupted_frames(interrupted, frames):
        run.put(frame)
    sound, rate = interrupted_sound(interrupted, audio_until)
    run.recorder.add_line(sound, rate, 0.0)
    if run.frame < frames:
        raise RecordError(f"--resume: {interrupted} holds only {run.frame} frames")
