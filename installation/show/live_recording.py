"""Recording the live show: what the screen shows, stamped with the time it was shown, and what
the voice says, placed at the time it was said; its subtitles go in an .srt beside it. The
narrator hands each line heard through a bounded queue; the main thread places it, so only the
main thread touches the recording."""

import logging
import queue
import time
from pathlib import Path

import pygame

from engine.config import RecordConfig
from installation.media.canvas import pixels
from installation.media.recorder import MINUTE_OF_VIDEO_MB, Recorder, RecordingSummary
from installation.media.side_files import SubtitleFile
from installation.paths import check_output
from installation.threads import Listen, Unlisten

log = logging.getLogger(__name__)

HEARD_WAITING = 16  # lines heard and not yet placed; a frame places them, so a few suffice


def new_recording_path(config: RecordConfig) -> Path:
    """A fresh file name in the recordings folder (R key, OSC): never one whose film or
    subtitles are there already (two recordings started in one second)."""
    folder = Path(config.folder).expanduser()
    folder.mkdir(parents=True, exist_ok=True)
    stem, number = f"dreams-{time.strftime('%Y%m%d-%H%M%S')}", 1
    path = folder / f"{stem}.mp4"
    while path.exists() or path.with_suffix(".srt").exists():
        number += 1
        path = folder / f"{stem}-{number}.mp4"
    return check_output(path, "recording", need_mb=MINUTE_OF_VIDEO_MB)


class LiveRecording:
    def __init__(self, path: Path, config: RecordConfig, narrator=None):
        self.path = path
        self.recorder = Recorder(path, config, fps=None)
        self.subtitles = SubtitleFile(path.with_suffix(".srt"), truncate_at=0)
        self.started = time.monotonic()  # again at the first frame: the file's time 0
        self.seen = False
        self.narrator = narrator
        self.heard: queue.Queue = queue.Queue(maxsize=HEARD_WAITING)
        if narrator is not None:
            narrator.inbox.send(Listen(self.heard))
        log.info("record: recording to %s", path)

    def see(self, surface: pygame.Surface) -> None:
        """The frame just shown (dropped, and counted, when the encoder is behind), and the
        lines heard since the last one."""
        if not self.seen:  # the film starts with its first frame, the sound with it
            self.started, self.seen = time.monotonic(), True
        self.recorder.add_frame(pixels(surface), time.monotonic() - self.started, wait=False)
        self._place_heard()

    def _place_heard(self) -> None:
        """Each line as the audience heard it, at its time and volume."""
        while True:
            try:
                heard = self.heard.get_nowait()
            except queue.Empty:
                return
            at = heard.started - self.started  # before the first frame: its end is heard
            self.recorder.add_line(heard.audio, heard.sample_rate, at, heard.gain)
            end = at + len(heard.audio) / heard.sample_rate
            if end > 0:
                self.subtitles.add(max(at, 0.0), end, heard.text)

    def close(self) -> RecordingSummary:
        if self.narrator is not None:
            self.narrator.inbox.send(Unlisten(self.heard))
        self._place_heard()
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
