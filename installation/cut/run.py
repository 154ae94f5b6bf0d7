"""`dreams record`: the whole experiment rendered headless into a film. A blank network learns
the film; each network becomes `frames_per_network` frames of the cut, composited as on the live
screen; the poems are written, spoken and placed on the soundtrack; an opening title and closing
credits frame it. Frame-exact: the same seed, film and config give the same frames (on a CPU).

Every `checkpoint_s` (and on Ctrl-C) the run saves what --resume needs to go on: the mind, the
frame memory, the film's place, the grain, the narration's place and the lengths of the files
beside the cut.
"""

import logging
import platform
import signal
import sys
import threading
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import torch

from engine.assets import DEFAULT_FILM_CREDIT
from engine.config import Config, as_dict
from engine.device import pick_device
from engine.film import FilmSource
from engine.memory import FrameMemory
from engine.poet import check_poet_model, pick_poet_device
from engine.state import save_state
from engine.trainer import Trainer, pick_resolution
from engine.voice import voice_path
from installation.cut.narration import LEAD_S, Narration, PlacedLine
from installation.cut.plan import (
    CutFiles,
    CutPlan,
    Painter,
    card_opacity,
    clock,
    credits_card,
    film_frames_per_network,
    title_card,
)
from installation.cut.resume import (
    interrupted_frames,
    interrupted_sound,
    newest_checkpoint,
    prune_checkpoints,
)
from installation.media.recorder import Recorder, RecordError, check_output
from installation.media.side_files import JsonLog, SubtitleFile

log = logging.getLogger(__name__)

INTERRUPTED = 130  # the exit status of a cut stopped with Ctrl-C (it can be resumed)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)  # stop cleanly, with a checkpoint


def record_cut(config: Config, out: Path, networks: int, resume: bool) -> int:
    files = CutFiles(check_output(out, "--out"))
    if not resume and files.video.exists():
        raise RecordError(
            f"--out {files.video} exists; give another name, delete it, or add --resume to go on "
            "with an interrupted cut"
        )
    checkpoint = newest_checkpoint(files) if resume else None
    device = pick_device(config.dream.device)
    if device.type == "cpu":
        torch.set_num_threads(1)  # one core for the dreams, one for the poet, voice and encoder
    resolution = pick_resolution(config.dream.resolution, device)
    film = FilmSource.from_config(config.film, resolution)
    if config.poet.enabled:  # the user's mistakes are said before any training
        pick_poet_device(config.poet.device)
        check_poet_model(config.poet.model)
        if config.voice.enabled:
            voice_path(config.voice.model)
    memory = FrameMemory(
        config.film.memory_frames, resolution, 3 if config.film.color else 1, device
    )
    trainer = Trainer(config.dream, memory)
    plan = CutPlan.from_config(config, networks, config.record.fps)
    run = CutRun(config, plan, files, film, memory, trainer, checkpoint)
    previous = {sig: signal.signal(sig, lambda *_: run.stop.set()) for sig in STOP_SIGNALS}
    try:
        return run.record()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        film.close()


class CutRun:
    def __init__(self, config, plan, files, film, memory, trainer, checkpoint):
        self.config, self.plan, self.files = config, plan, files
        self.film, self.memory, self.trainer = film, memory, trainer
        self.checkpoint = checkpoint
        self.stop = threading.Event()
        footer = DEFAULT_FILM_CREDIT if film.is_default else ""
        self.painter = Painter(config, footer, trainer.device)
        self.film_per_network = film_frames_per_network(config, film, plan.networks)
        self.film_due = 0.0
        self.frame = 0  # frames of the cut written
        self.narration: Narration | None = None
        self.started = time.monotonic()
        self._last_checkpoint = self.started
        self._last_progress = 0.0

    # ---- the run --------------------------------------------------------------------------

    def record(self) -> int:
        fresh = self.checkpoint is None
        self.recorder = Recorder(self.files.video, self.config.record, fps=self.plan.fps)
        self._open_side_files()
        if not fresh:
            self._restore()
        if self.narration is not None:
            self.narration.start()
        error = None
        try:
            self._render()
        except OSError as failure:  # a side file on a full disk: stop, keep what is written
            error = f"writing beside {self.files.video} failed: {failure}"
        except Exception as failure:  # a fault in training or drawing: keep the cut, resumable
            log.exception("record: the run failed")
            error = f"the run failed ({failure}); --resume goes on from the last checkpoint"
        finally:
            self.stop.set()
            interrupted = self.frame < self.plan.total_frames
            summary = self.recorder.close()
            if self.narration is not None:
                self.narration.join(2.0)
                self.narration.finish_book()
        error = error or summary.error
        return self._finish(interrupted, error)

    def _open_side_files(self) -> None:
        state = self.checkpoint or {}
        self.log = JsonLog(self.files.log, state.get("log_offset", 0))
        self.subtitles = SubtitleFile(
            self.files.subtitles, state.get("srt_offset", 0), state.get("srt_entries", 0)
        )
        if self.config.poet.enabled:
            narration = state.get("narration", {})
            self.narration = Narration(
                self.config,
                self.stop,
                self.files.book,
                narration.get("lines", 0),
                narration.get("next_start", LEAD_S),
            )
            self.narration.ended = narration.get("ended", False)
        if not state:
            self.log.add("start", **self._provenance())

    def _render(self) -> None:
        plan = self.plan
        title = title_card(plan.networks, self.film)
        while self.frame < plan.title_frames and not self.stop.is_set():
            t = self.frame / plan.fps
            self._put(self.painter.card(title, card_opacity(t, plan.title_s)))
        while self.trainer.number < plan.networks and not self.stop.is_set():
            self._watch()
            network = self.trainer.step(render=True)
            self.log.add(
                "network",
                number=network.number,
                d_loss=round(network.d_loss, 5),
                g_loss=round(network.g_loss, 5),
                frame=self.frame,
                seconds=round(time.monotonic() - self.started, 3),
            )
            for _ in range(plan.frames_per_network):
                t = (self.frame - plan.title_frames) / plan.fps  # picture time
                subtitle, fade = self._narrate(t)
                self._put(self.painter.picture(network.images, t, subtitle, fade))
            self._progress()
            if time.monotonic() - self._last_checkpoint >= self.config.record.checkpoint_s:
                self._save_checkpoint()
        if self.stop.is_set() or self.recorder.error:
            if self.frame < plan.title_frames + plan.picture_frames:
                self._save_checkpoint()
            return
        self._save_checkpoint()  # an interruption in the credits resumes here
        credits = credits_card(plan.networks, self.film, self.config, self.memory.size)
        first = self.frame
        while self.frame < plan.total_frames and not self.stop.is_set():
            t = (self.frame - first) / plan.fps
            self._put(
                self.painter.card(credits, card_opacity(t, self.plan.credits_frames / plan.fps))
            )

    def _put(self, frame: np.ndarray) -> None:
        if self.recorder.error:
            self.stop.set()
            return
        self.recorder.add_frame(frame)
        self.frame += 1

    def _watch(self) -> None:
        """Watch the film up to where this network's share of it ends."""
        self.film_due += self.film_per_network
        while self.film.frames_read < self.film_due or len(self.memory) == 0:
            frame = self.film.read()
            if frame is None:  # the film ended (no loop) or a stream dropped: dream from memory
                if len(self.memory) == 0:
                    raise RecordError(f"film {self.film.name} gave no frame to learn from")
                self.film_due = self.film.frames_read
                return
            self.memory.append(frame)

    def _narrate(self, t: float) -> tuple[str | None, float]:
        if self.narration is None:
            return None, 0.0
        for line in self.narration.place_until(t, self.plan.picture_s):
            start = self.plan.title_s + line.start
            self.recorder.add_line(line.audio, line.sample_rate, start, self.config.voice.volume)
            self.subtitles.add(start, self.plan.title_s + line.end, line.text)
            self.log.add("line", text=line.text, start=round(start, 3),
                         end=round(self.plan.title_s + line.end, 3))  # fmt: skip
        return self.narration.subtitle(t)

    # ---- checkpoints and resume -------------------------------------------------------------

    def _save_checkpoint(self) -> None:
        self._last_checkpoint = time.monotonic()
        narration = self.narration
        state = {
            "frame": self.frame,
            "trainer": self.trainer.state_dict(),
            "memory": self.memory.state_dict(),
            "film_position": self.film.position,
            "film_read": self.film.frames_read,
            "film_due": self.film_due,
            "grain": self.painter.compositor.random_state,
            "log_offset": self.log.offset,
            "srt_offset": self.subtitles.offset,
            "srt_entries": self.subtitles.entries,
            "elapsed_s": time.monotonic() - self.started,
        }
        if narration is not None:
            state["narration"] = {
                "lines": narration.lines_placed,
                "next_start": narration.next_start,
                "ended": narration.ended,
                "placed": [
                    (x.text, x.start, x.end, x.audio, x.sample_rate) for x in narration.placed
                ],
            }
        try:
            self.log.sync()
            self.subtitles.sync()
            folder = self.files.checkpoints
            folder.mkdir(exist_ok=True)
            self.recorder.sync()
            save_state(folder / f"{self.frame:09d}.state", state)
            prune_checkpoints(folder, self.recorder.safe_frames)
        except OSError as error:  # a full disk: the cut goes on; the next checkpoint may work
            log.error("record: checkpoint not saved (%s); trying again later", error)

    def _restore(self) -> None:
        state = self.checkpoint
        self.trainer.load_state_dict(state["trainer"])
        self.memory.load_state_dict(state["memory"])
        self.film.go_to(state["film_position"])
        self.film.frames_read = state["film_read"]
        self.film_due = state["film_due"]
        self.painter.compositor.random_state = state["grain"]
        self.started -= state["elapsed_s"]
        audio_until = state["frame"] / self.plan.fps
        if self.narration is not None:
            placed = state.get("narration", {}).get("placed", [])
            for text, start, end, audio, rate in placed:
                self.narration.placed.append(PlacedLine(text, start, end, audio, rate))
                self.recorder.add_line(
                    audio, rate, self.plan.title_s + start, self.config.voice.volume
                )
            if placed:
                audio_until = min(audio_until, self.plan.title_s + placed[0][1])
        self._copy_interrupted(state["frame"], audio_until)
        self.log.add("resumed", frame=state["frame"], network=self.trainer.number)

    def _copy_interrupted(self, frames: int, audio_until: float) -> None:
        """The interrupted cut's first `frames` frames and its sound up to `audio_until`."""
        for frame in interrupted_frames(self.files.interrupted, frames):
            self._put(frame)
        sound, rate = interrupted_sound(self.files.interrupted, audio_until)
        self.recorder.add_line(sound, rate, 0.0)
        if self.frame < frames:
            raise RecordError(f"--resume: {self.files.interrupted} holds only {self.frame} frames")

    # ---- reporting ----------------------------------------------------------------------------

    def _provenance(self) -> dict:
        def installed(name: str) -> str:
            try:
                return version(name)
            except PackageNotFoundError:
                return "not installed"

        packages = ("dreams", "torch", "av", "transformers", "piper-tts", "numpy", "opencv-python")
        return {
            "networks": self.plan.networks,
            "fps": self.plan.fps,
            "frames": self.plan.total_frames,
            "film": self.film.name,
            "device": str(self.trainer.device),
            "speed": self.trainer.speed.describe(),
            "seed": self.config.dream.seed,
            "config": as_dict(self.config),
            "versions": {
                "python": platform.python_version(),
                **{p: installed(p) for p in packages},
            },
        }

    def _progress(self) -> None:
        now = time.monotonic()
        done, goal = self.trainer.number, self.plan.networks
        every = 0.25 if sys.stderr.isatty() else 10.0  # a log file gets a line now and then
        if now - self._last_progress < every and done < goal:
            return
        self._last_progress = now
        rate = done / max(now - self.started, 1e-9)
        eta = (goal - done) / rate if rate else 0.0
        share = done / goal
        bar = "#" * int(share * 30)
        start = "\r" if sys.stderr.isatty() else "\n"
        sys.stderr.write(
            f"{start}[{bar:<30}] {share:6.1%} network {done:,}/{goal:,}, {rate:.1f} networks/s, "
            f"ETA {clock(eta)}, cut {clock(self.frame / self.plan.fps)} "
            f"of {clock(self.plan.total_frames / self.plan.fps)}  "
        )
        sys.stderr.flush()

    def _finish(self, interrupted: bool, error: str | None) -> int:
        self.log.add(
            "end" if not interrupted else "interrupted",
            frames=self.frame,
            networks=self.trainer.number,
            seconds=round(time.monotonic() - self.started, 3),
            error=error,
        )
        self.log.close()
        self.subtitles.close()
        sys.stderr.write("\n")
        elapsed = time.monotonic() - self.started
        length = self.frame / self.plan.fps
        if error:
            print(
                f"dreams record: {error}; {self.files.video} plays up to where it stopped",
                file=sys.stderr,
            )
            return 1
        if interrupted:
            print(
                f"dreams record: interrupted at network {self.trainer.number:,}; "
                f"{self.files.video} plays its {clock(length)}; add --resume to go on",
                file=sys.stderr,
            )
            return INTERRUPTED
        self.files.interrupted.unlink(missing_ok=True)
        for path in self.files.checkpoints.glob("*.state"):
            path.unlink()
        if self.files.checkpoints.is_dir():
            self.files.checkpoints.rmdir()
        lines = self.subtitles.entries
        print(
            f"{self.files.video}: {self.trainer.number:,} networks, {self.frame:,} frames "
            f"({clock(length)}) in {clock(elapsed)}, "
            f"{self.trainer.number / elapsed:.1f} networks/s, "
            f"{length / elapsed:.2f} s of film a second; {lines} lines spoken "
            f"({self.files.subtitles.name}, {self.files.book.name}, {self.files.log.name})"
        )
        return 0
