"""`dreams record`: the whole experiment rendered headless into a film. A blank network learns
the film; each network becomes `frames_per_network` frames of the cut, composited as on the live
screen; the poems are written, spoken and placed on the soundtrack; an opening title and closing
credits frame it. Frame-exact: the same seed, film and config give the same frames (on a CPU).

Every `checkpoint_s` (and on Ctrl-C) the run saves what --resume needs to go on: the mind, the
frame memory, the film's place, the grain, the soundtrack's place, the lengths of the files
beside the cut, and the sheet's dreams and the losses so far. A finished cut writes its contact
sheet and loss plot beside it.
"""

import logging
import sys
import threading
import time
from pathlib import Path

import numpy as np

from engine.assets import DEFAULT_FILM_CREDIT
from engine.config import Config
from engine.files import write_atomically
from engine.mind.build import Mind, build_mind
from engine.poet.language_model import check_poet_model, pick_poet_device
from engine.voice import voice_path
from installation.cut.checkpoint import (
    CutProgress,
    SideFiles,
    checkpoint_state,
    copy_interrupted,
    restore,
    restore_soundtrack,
    save_checkpoint,
)
from installation.cut.outputs import check_cut_files
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
from installation.cut.report import CutStats, Progress, provenance
from installation.cut.resume import (
    check_resumable,
    checkpoint_paths,
    decodable_frames,
    newest_checkpoint,
    remove_checkpoints,
    set_aside,
)
from installation.cut.soundtrack import Soundtrack, lead_s
from installation.endings import ending_on_signals
from installation.media.gpu_compositor import TorchCompositor
from installation.media.loss_plot import loss_plot
from installation.media.recorder import Recorder, RecordError
from installation.media.sheet import Thumbnails, every_nth, png
from installation.media.side_files import JsonLog, SubtitleFile

log = logging.getLogger(__name__)

INTERRUPTED = 130  # the exit status of a cut stopped with Ctrl-C (it can be resumed)


def record_cut(config: Config, out: Path, networks: int, resume: bool) -> CutStats:
    """The user's mistakes are said before any training: the output, the checkpoint and its
    fit with this run's mind and film, the film itself, the poet and the voice."""
    files = check_cut_files(out, resume)
    found = newest_checkpoint(files) if resume else None
    if config.poet.enabled:
        pick_poet_device(config.poet.device)
        check_poet_model(config.poet.model)
        if config.voice.enabled:
            voice_path(config.voice.model)
    mind = build_mind(config)
    try:
        checkpoint = None
        if found is not None:
            checkpoint, longest = found
            check_resumable(checkpoint, mind, files)
            set_aside(files, longest)  # only now: the checkpoint fits
        plan = CutPlan.from_config(mind.config, networks, mind.config.record.fps)
        run = CutRun(mind, plan, files, checkpoint)
        with ending_on_signals(lambda _: run.stop.set()):  # stop cleanly, with a checkpoint
            return run.record()
    finally:
        mind.film.close()


class CutRun:
    """The cut being rendered: its mind, its plan and files, the painter, the recorder and the
    files beside, and how far it has come (a CutProgress, which a checkpoint saves)."""

    def __init__(self, mind: Mind, plan: CutPlan, files: CutFiles, checkpoint: dict | None):
        self.mind, self.config, self.plan, self.files = mind, mind.config, plan, files
        self.checkpoint = checkpoint
        self.stop = threading.Event()
        footer = DEFAULT_FILM_CREDIT if mind.film.is_default else ""
        self.painter = Painter(self.config, footer, mind.trainer.device)
        # a compositor on the training GPU takes the dreams where they were made
        mind.trainer.dreams_on_device = isinstance(self.painter.compositor, TorchCompositor)
        self.film_per_network = film_frames_per_network(self.config, mind.film, plan.networks)
        self.so_far = CutProgress(Thumbnails(every_nth(plan.networks)))  # the sheet's every nth
        self._last_checkpoint = self.so_far.started
        self.progress = Progress(self.so_far.started)
        self.recorder = Recorder(files.video, self.config.record, fps=plan.fps)
        self.sides, self.soundtrack = self._open_side_files()

    # ---- the run --------------------------------------------------------------------------

    def record(self) -> CutStats:
        error = None
        try:
            if self.checkpoint is not None:
                self._resume(self.checkpoint)
                self.progress.started = self.so_far.started
            if self.soundtrack is not None:
                self.soundtrack.start()
            self._render()
        except RecordError as failure:  # the interrupted cut is shorter than it said
            error = str(failure)
        except OSError as failure:  # a side file on a full disk: stop, keep what is written
            error = f"writing beside {self.files.video} failed: {failure}"
        except Exception as failure:  # a fault in training or drawing: keep the cut, resumable
            log.exception("record: the run failed")
            error = f"the run failed ({failure})"
        finally:
            self.stop.set()
            interrupted = self.so_far.frame < self.plan.total_frames
            summary = self.recorder.close()
            book_error = self._finish_book()
        return self._finish(interrupted, error or summary.error or book_error)

    def _finish_book(self) -> str | None:
        """The poem being written at the end goes in the book; a full disk is said, not raised."""
        if self.soundtrack is None:
            return None
        self.soundtrack.join(2.0)
        try:
            self.soundtrack.finish_book()
        except OSError as failure:
            return f"writing {self.files.book} failed: {failure}"
        return None

    def _open_side_files(self) -> tuple[SideFiles, Soundtrack | None]:
        """The log and the subtitles beside the cut, and the soundtrack, where a checkpoint left
        them (or new)."""
        state = self.checkpoint or {}
        sides = SideFiles(
            JsonLog(self.files.log, state.get("log_offset", 0)),
            SubtitleFile(
                self.files.subtitles, state.get("srt_offset", 0), state.get("srt_entries", 0)
            ),
        )
        soundtrack = None
        if self.config.poet.enabled:
            placed = state.get("narration", {})
            soundtrack = Soundtrack(
                self.config,
                self.stop,
                self.files.book,
                placed.get("lines", 0),
                placed.get("next_start", lead_s(self.plan.picture_s)),
            )
            soundtrack.ended = placed.get("ended", False)
            self.progress.poet = lambda: soundtrack.poet.preparing
        if not state:
            sides.log.add("start", **provenance(self.mind, self.plan))
        return sides, soundtrack

    def _resume(self, state: dict) -> None:
        """The run put back where its checkpoint was; the interrupted cut's frames and sound up
        to there copied into the new file."""
        self.so_far = restore(state, self.mind, self.so_far)
        self.painter.compositor.random_state = state["grain"]
        volume = self.config.voice.volume
        audio_until = restore_soundtrack(state, self.soundtrack, self.recorder, self.plan, volume)
        copy_interrupted(self.files.interrupted, state["frame"], audio_until, self.recorder,
                         self.put)  # fmt: skip
        self.sides.log.add("resumed", frame=state["frame"], network=self.mind.trainer.number)

    def _render(self) -> None:
        plan, film, trainer = self.plan, self.mind.film, self.mind.trainer
        title = title_card(plan.networks, film)
        while self.so_far.frame < plan.title_frames and not self.stop.is_set():
            t = self.so_far.frame / plan.fps
            self.put(self.painter.card(title, card_opacity(t, plan.title_s)))
        while trainer.number < plan.networks and not self.stop.is_set():
            self._watch()
            self._network(trainer.step(render=True))
            self.progress.show(trainer.number, plan.networks, self.so_far.frame, plan.total_frames,
                               plan.fps)  # fmt: skip
            if time.monotonic() - self._last_checkpoint >= self.config.record.checkpoint_s:
                self._checkpoint()
        if self.stop.is_set() or self.recorder.error:
            if self.so_far.frame < plan.title_frames + plan.picture_frames:
                self._checkpoint()
            return
        self._checkpoint()  # an interruption in the credits resumes here
        if self.soundtrack is not None:  # the credits hold the end of the last line spoken
            self.plan = plan = plan.holding(self.soundtrack.last_end)
        credits = credits_card(plan.networks, film, self.config, self.mind.memory.size)
        first = self.so_far.frame
        while self.so_far.frame < plan.total_frames and not self.stop.is_set():
            t = (self.so_far.frame - first) / plan.fps
            self.put(self.painter.card(credits, card_opacity(t, plan.credits_frames / plan.fps)))

    def _network(self, network) -> None:
        """One network: a line in the log, and its frames of the cut with the soundtrack."""
        plan = self.plan
        self.sides.log.add(
            "network",
            number=network.number,
            d_loss=round(network.d_loss, 5),
            g_loss=round(network.g_loss, 5),
            frame=self.so_far.frame,
            seconds=round(time.monotonic() - self.so_far.started, 3),
        )
        self.so_far.thumbnails.see(network.number, network.images)
        for name, value in (("numbers", network.number), ("d", network.d_loss),
                            ("g", network.g_loss)):  # fmt: skip
            self.so_far.losses[name].append(value)
        for _ in range(plan.frames_per_network):
            t = (self.so_far.frame - plan.title_frames) / plan.fps  # picture time
            subtitle, fade = self._narrate(t)
            self.put(self.painter.picture(network.images, t, subtitle, fade))

    def put(self, frame: np.ndarray) -> int:
        """One frame into the cut; the frames written so far."""
        if self.recorder.error:
            self.stop.set()
            return self.so_far.frame
        self.recorder.add_frame(frame)
        self.so_far.frame += 1
        return self.so_far.frame

    def _checkpoint(self) -> None:
        self._last_checkpoint = time.monotonic()
        save_checkpoint(self.files.checkpoints, self.so_far.frame, self.recorder, self.sides,
                        self._state)  # fmt: skip

    def _state(self) -> dict:
        grain = self.painter.compositor.random_state
        return checkpoint_state(self.mind, self.config, self.so_far, self.sides, grain,
                                self.soundtrack)  # fmt: skip

    def _watch(self) -> None:
        """Watch the film up to where this network's share of it ends."""
        film, memory = self.mind.film, self.mind.memory
        self.so_far.film_due += self.film_per_network
        while film.frames_read < self.so_far.film_due or len(memory) == 0:
            frame = film.read()
            if frame is None:  # the film ended (no loop) or a stream dropped: dream from memory
                if len(memory) == 0:
                    raise RecordError(f"film {film.name} gave no frame to learn from")
                self.so_far.film_due = film.frames_read
                return
            memory.append(frame)

    def _narrate(self, t: float) -> tuple[str | None, float]:
        if self.soundtrack is None:
            return None, 0.0
        title_s = self.plan.title_s
        for line in self.soundtrack.place_until(t, self.plan.line_limit_s, self.progress.redraw):
            start = title_s + line.started
            self.recorder.add_line(line.audio, line.sample_rate, start, self.config.voice.volume)
            self.sides.subtitles.add(start, title_s + line.ends, line.text)
            self.sides.log.add("line", text=line.text, start=round(start, 3),
                               end=round(title_s + line.ends, 3))  # fmt: skip
        return self.soundtrack.subtitle(t)

    # ---- the end --------------------------------------------------------------------------

    def _finish(self, interrupted: bool, error: str | None) -> CutStats:
        number = self.mind.trainer.number
        elapsed = time.monotonic() - self.so_far.started
        if not interrupted and not error:
            self._write_pictures()
        try:  # on a full disk the log keeps its lines up to here, whole
            self.sides.log.add("end" if not interrupted else "interrupted",
                               frames=self.so_far.frame, networks=number,
                               seconds=round(elapsed, 3), error=error)  # fmt: skip
        except OSError as failure:
            log.error("record: the log's last line was not written (%s)", failure)
        self.sides.log.close()
        self.sides.subtitles.close()
        sys.stderr.write("\n")
        length = self.so_far.frame / self.plan.fps
        status = 0
        if error:
            then = "--resume goes on from its last checkpoint"
            if not self._resumable():
                then = "it stopped before its first checkpoint, so it cannot be resumed"
            print(f"dreams record: {error}; {self.files.video} plays up to where it stopped; "
                  f"{then}", file=sys.stderr)  # fmt: skip
            status = 1
        elif interrupted:
            print(f"dreams record: interrupted at network {number:,}; {self.files.video} plays "
                  f"its {clock(length)}; add --resume to go on", file=sys.stderr)  # fmt: skip
            status = INTERRUPTED
        else:
            self._tidy_up()
            print(
                f"{self.files.video}: {number:,} networks, {self.so_far.frame:,} frames "
                f"({clock(length)}) in {clock(elapsed)}, {number / elapsed:.1f} networks/s, "
                f"{length / elapsed:.2f} s of film a second; {self.sides.subtitles.entries} lines "
                f"spoken ({self.files.subtitles.name}, {self.files.book.name}, "
                f"{self.files.log.name}, {self.files.sheet.name}, {self.files.losses.name})"
            )
        return CutStats(status, number, self.so_far.frame, elapsed, self.sides.subtitles.entries,
                        number / max(elapsed, 1e-9))  # fmt: skip

    def _write_pictures(self) -> None:
        """The contact sheet and the loss plot, once the video is finished; a full disk is
        logged, and the cut stays finished."""
        sheet, losses = self.so_far.thumbnails, self.so_far.losses
        title = f"{self.plan.networks:,} Dreams: the losses of each network"
        pictures = {
            self.files.sheet: lambda: png(sheet.sheet()),
            self.files.losses: lambda: loss_plot(
                losses["numbers"], losses["d"], losses["g"], title
            ),
        }
        for path, make in pictures.items():
            try:
                write_atomically(path, make())
            except (OSError, ValueError) as failure:
                log.error("record: %s not written (%s)", path, failure)
        try:
            shape = list(sheet.dreams[0].shape) if sheet.dreams else []
            self.sides.log.add(
                "sheet", networks=sheet.numbers, every=sheet.every, dream_shape=shape
            )
        except OSError as failure:
            log.error("record: the log's sheet line was not written (%s)", failure)

    def _resumable(self) -> bool:
        """Whether a checkpoint is there whose frames the file holds (read back, not assumed)."""
        checkpoints = checkpoint_paths(self.files.checkpoints)
        if not checkpoints:
            return False
        kept = [path for path in (self.files.video, self.files.interrupted) if path.is_file()]
        return int(checkpoints[0].stem) <= max(map(decodable_frames, kept), default=0)

    def _tidy_up(self) -> None:
        """A finished cut needs neither the interrupted copy nor the checkpoints."""
        self.files.interrupted.unlink(missing_ok=True)
        remove_checkpoints(self.files.checkpoints)
