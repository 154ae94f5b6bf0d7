"""`dreams record`: the whole experiment rendered headless into a film. A blank network learns
the film; each network becomes `frames_per_network` frames of the cut, composited as on the live
screen; the poems are written, spoken and placed on the soundtrack; an opening title and closing
credits frame it. Frame-exact: the same seed, film and config give the same frames (on a CPU).

Every `checkpoint_s` (and on Ctrl-C) the run saves what --resume needs to go on: the mind, the
frame memory, the film's place, the grain, the narration's place, the lengths of the files
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
from installation.cut.checkpoint import restore, save_checkpoint
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
    def __init__(self, mind: Mind, plan: CutPlan, files: CutFiles, checkpoint: dict | None):
        self.mind, self.config, self.plan, self.files = mind, mind.config, plan, files
        self.checkpoint = checkpoint
        self.stop = threading.Event()
        footer = DEFAULT_FILM_CREDIT if mind.film.is_default else ""
        self.painter = Painter(self.config, footer, mind.trainer.device)
        # a compositor on the training GPU takes the dreams where they were made
        mind.trainer.dreams_on_device = isinstance(self.painter.compositor, TorchCompositor)
        self.film_per_network = film_frames_per_network(self.config, mind.film, plan.networks)
        self.film_due = 0.0
        self.frame = 0  # frames of the cut written
        self.narration: Soundtrack | None = None
        self.thumbnails = Thumbnails(every_nth(plan.networks))  # for the contact sheet
        self.losses: dict[str, list] = {"numbers": [], "d": [], "g": []}  # for the loss plot
        self.started = time.monotonic()
        self._last_checkpoint = self.started
        self.progress = Progress(self.started)

    # ---- the run --------------------------------------------------------------------------

    def record(self) -> CutStats:
        self.recorder = Recorder(self.files.video, self.config.record, fps=self.plan.fps)
        self._open_side_files()
        error = None
        try:
            if self.checkpoint is not None:
                restore(self, self.checkpoint)
                self.progress.started = self.started
            if self.narration is not None:
                self.narration.start()
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
            interrupted = self.frame < self.plan.total_frames
            summary = self.recorder.close()
            book_error = self._finish_book()
        return self._finish(interrupted, error or summary.error or book_error)

    def _finish_book(self) -> str | None:
        """The poem being written at the end goes in the book; a full disk is said, not raised."""
        if self.narration is None:
            return None
        self.narration.join(2.0)
        try:
            self.narration.finish_book()
        except OSError as failure:
            return f"writing {self.files.book} failed: {failure}"
        return None

    def _open_side_files(self) -> None:
        state = self.checkpoint or {}
        self.log = JsonLog(self.files.log, state.get("log_offset", 0))
        self.subtitles = SubtitleFile(
            self.files.subtitles, state.get("srt_offset", 0), state.get("srt_entries", 0)
        )
        if self.config.poet.enabled:
            narration = state.get("narration", {})
            self.narration = Soundtrack(
                self.config,
                self.stop,
                self.files.book,
                narration.get("lines", 0),
                narration.get("next_start", lead_s(self.plan.picture_s)),
            )
            self.narration.ended = narration.get("ended", False)
            self.progress.poet = lambda: self.narration.poet.preparing
        if not state:
            self.log.add("start", **provenance(self))

    def _render(self) -> None:
        plan, film, trainer = self.plan, self.mind.film, self.mind.trainer
        title = title_card(plan.networks, film)
        while self.frame < plan.title_frames and not self.stop.is_set():
            t = self.frame / plan.fps
            self.put(self.painter.card(title, card_opacity(t, plan.title_s)))
        while trainer.number < plan.networks and not self.stop.is_set():
            self._watch()
            self._network(trainer.step(render=True))
            self.progress.show(trainer.number, plan.networks, self.frame, plan.total_frames,
                               plan.fps)  # fmt: skip
            if time.monotonic() - self._last_checkpoint >= self.config.record.checkpoint_s:
                self._checkpoint()
        if self.stop.is_set() or self.recorder.error:
            if self.frame < plan.title_frames + plan.picture_frames:
                self._checkpoint()
            return
        self._checkpoint()  # an interruption in the credits resumes here
        if self.narration is not None:  # the credits hold the end of the last line spoken
            self.plan = plan = plan.holding(self.narration.last_end)
        credits = credits_card(plan.networks, film, self.config, self.mind.memory.size)
        first = self.frame
        while self.frame < plan.total_frames and not self.stop.is_set():
            t = (self.frame - first) / plan.fps
            self.put(self.painter.card(credits, card_opacity(t, plan.credits_frames / plan.fps)))

    def _network(self, network) -> None:
        """One network: a line in the log, and its frames of the cut with the narration."""
        plan = self.plan
        self.log.add(
            "network",
            number=network.number,
            d_loss=round(network.d_loss, 5),
            g_loss=round(network.g_loss, 5),
            frame=self.frame,
            seconds=round(time.monotonic() - self.started, 3),
        )
        self.thumbnails.see(network.number, network.images)
        for name, value in (("numbers", network.number), ("d", network.d_loss),
                            ("g", network.g_loss)):  # fmt: skip
            self.losses[name].append(value)
        for _ in range(plan.frames_per_network):
            t = (self.frame - plan.title_frames) / plan.fps  # picture time
            subtitle, fade = self._narrate(t)
            self.put(self.painter.picture(network.images, t, subtitle, fade))

    def put(self, frame: np.ndarray) -> None:
        if self.recorder.error:
            self.stop.set()
            return
        self.recorder.add_frame(frame)
        self.frame += 1

    def _checkpoint(self) -> None:
        self._last_checkpoint = time.monotonic()
        save_checkpoint(self)

    def _watch(self) -> None:
        """Watch the film up to where this network's share of it ends."""
        film, memory = self.mind.film, self.mind.memory
        self.film_due += self.film_per_network
        while film.frames_read < self.film_due or len(memory) == 0:
            frame = film.read()
            if frame is None:  # the film ended (no loop) or a stream dropped: dream from memory
                if len(memory) == 0:
                    raise RecordError(f"film {film.name} gave no frame to learn from")
                self.film_due = film.frames_read
                return
            memory.append(frame)

    def _narrate(self, t: float) -> tuple[str | None, float]:
        if self.narration is None:
            return None, 0.0
        title_s = self.plan.title_s
        for line in self.narration.place_until(t, self.plan.line_limit_s, self.progress.redraw):
            start = title_s + line.started
            self.recorder.add_line(line.audio, line.sample_rate, start, self.config.voice.volume)
            self.subtitles.add(start, title_s + line.ends, line.text)
            self.log.add("line", text=line.text, start=round(start, 3),
                         end=round(title_s + line.ends, 3))  # fmt: skip
        return self.narration.subtitle(t)

    # ---- the end --------------------------------------------------------------------------

    def _finish(self, interrupted: bool, error: str | None) -> CutStats:
        number = self.mind.trainer.number
        elapsed = time.monotonic() - self.started
        if not interrupted and not error:
            self._write_pictures()
        try:  # on a full disk the log keeps its lines up to here, whole
            self.log.add("end" if not interrupted else "interrupted", frames=self.frame,
                         networks=number, seconds=round(elapsed, 3), error=error)  # fmt: skip
        except OSError as failure:
            log.error("record: the log's last line was not written (%s)", failure)
        self.log.close()
        self.subtitles.close()
        sys.stderr.write("\n")
        length = self.frame / self.plan.fps
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
                f"{self.files.video}: {number:,} networks, {self.frame:,} frames "
                f"({clock(length)}) in {clock(elapsed)}, {number / elapsed:.1f} networks/s, "
                f"{length / elapsed:.2f} s of film a second; {self.subtitles.entries} lines "
                f"spoken ({self.files.subtitles.name}, {self.files.book.name}, "
                f"{self.files.log.name}, {self.files.sheet.name}, {self.files.losses.name})"
            )
        return CutStats(status, number, self.frame, elapsed, self.subtitles.entries,
                        number / max(elapsed, 1e-9))  # fmt: skip

    def _write_pictures(self) -> None:
        """The contact sheet and the loss plot, once the video is finished; a full disk is
        logged, and the cut stays finished."""
        sheet, losses = self.thumbnails, self.losses
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
            self.log.add("sheet", networks=sheet.numbers, every=sheet.every, dream_shape=shape)
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
