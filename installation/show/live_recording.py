"""Recording the live show: what the screen shows, stamped with the time it was shown, and what
the voice says, placed at the time it was said; its subtitles go in an .srt beside it."""

import logging
import time
from pathlib import Path

import pygame

from engine.config import RecordConfig
from installation.media.canvas import pixels
from installation.media.recorder import Recorder, RecordingSummary, check_output
from installation.media.side_files import SubtitleFile

log = logging.getLogger(__name__)


def new_recording_path(config: RecordConfig) -> Path:
    """A fresh file name in the recordings folder (R key, OSC)."""
    folder = Path(config.folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    return check_output(folder / f"dreams-{time.strftime('%Y%m%d-%H%M%S')}.mp4", "recording")


class LiveRecording:
    def __init__(self, path: Path, config: RecordConfig, narrator=None):
        self.path = path
        self.recorder = Recorder(path, config, fps=None)
        self.subtitles = SubtitleFile(path.with_suffix(".srt"), truncate_at=0)
        self.started = time.monotonic()
        self.narrator = narrator
        if narrator is not None:
            narrator.listeners.append(self.hear)
        log.info("record: recording to %s", path)

    def see(self, surface: pygame.Surface) -> None:
        """The frame just shown; dropped (and counted) when the encoder is behind."""
        self.recorder.add_frame(pixels(surface), time.monotonic() - self.started, wait=False)

    def hear(self, text: str, audio, sample_rate: int, started: float) -> None:
        """A narrator listener: the line as the audience hears it, at its volume."""
        narrator = self.narrator
        gain = 0.0 if narrator.muted else narrator.volume
        at = started - self.started
        self.recorder.add_line(audio, sample_rate, at, gain)
        self.subtitles.add(at, at + len(audio) / sample_rate, text)

    def close(self) -> RecordingSummary:
        if self.narrator is not None:
            self.narrator.listeners.remove(self.hear)
        summary = self.recorder.close()
        self.subtitles.close()
        log.info(
            "record: %s: %.1f s, %d frames (%d dropped while the encoder was behind)%s",
            summary.path,
            summary.seconds,
            summary.frames,
            summary.dropped,
            f"; {summary.error}" if summary.error else "",
        )
        return summary
