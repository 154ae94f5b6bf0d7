"""The live show's recording switched on and off (key R, OSC, `--record`): what is seen and
heard, to a file of record.folder or one named; each recording ended is summed up for the end."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import av
import pygame

from engine.config import RecordConfig
from engine.errors import DreamsError
from installation.media.recorder import RecordingSummary
from installation.show.live_recording import LiveRecording, new_recording_path
from installation.voice.narrator import Narrator

log = logging.getLogger("installation.show.show")  # the show's own lines, as before


class RecordingControl:
    def __init__(self, config: RecordConfig, narrator: Narrator | None,
                 event: Callable[[str], None]):  # fmt: skip
        """`event`: says what happened to OSC's targets and the log (Controls.event)."""
        self.config, self.narrator, self.event = config, narrator, event
        self.recording: LiveRecording | None = None
        self.recordings: list[RecordingSummary] = []

    @property
    def on(self) -> bool:
        return self.recording is not None

    def start(self, path: Path | None = None) -> None:
        """Record what is seen and heard, to `path` or a new file in record.folder."""
        if self.recording is not None:
            return
        try:
            path = path or new_recording_path(self.config)
            self.recording = LiveRecording(path, self.config, self.narrator)
        except (DreamsError, OSError, av.FFmpegError) as error:
            log.error("record: not recording: %s", error)
            return
        self.event("recording")

    def stop(self) -> None:
        if self.recording is None:
            return
        recording, self.recording = self.recording, None
        self.recordings.append(recording.close())
        self.event("recording stopped")

    def see(self, surface: pygame.Surface) -> None:
        """The frame just drawn, into the recording if one runs."""
        if self.recording is not None:
            self.recording.see(surface)
