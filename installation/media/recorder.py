"""The recorder: H.264 video and AAC audio in one mp4 (PyAV), encoded on its own thread behind a
bounded queue.

The mp4 is fragmented (a cut: a fragment a second, each starting on a keyframe; live: a
fragment a frame, a keyframe a second), so a crash or a pulled plug leaves a file that plays up
to its last fragment. A cut (`dreams record`) has a fixed frame rate and never drops a frame; a
live recording stamps each frame with the real time it was shown and drops frames (counted)
rather than let the encoder fall behind: a frame waits only while the file is within LIVE_LAG_S
of the screen, x264 looks no frames ahead, and the file is synced to the disk each second. A
kill costs a live recording LIVE_LAG_S and a frame or two of encoding, a pulled plug up to a
second more, and its end is quick (RELIABILITY.md).

Sound is a timeline: each spoken line is placed at its start time, silence fills the rest, and
the audio is encoded up to each video frame's time.
"""

import logging
import os
import queue
import threading
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from engine.config import RecordConfig
from engine.errors import DreamsError

log = logging.getLogger(__name__)

SAMPLE_RATE = 48000  # of the soundtrack; lines are resampled to it
LIVE_TIME_BASE = Fraction(1, 1000)  # a live recording's frames are stamped in milliseconds
FRAGMENTED = "frag_keyframe+empty_moov+default_base_moof+negative_cts_offsets"
LIVE_FRAGMENTED = FRAGMENTED.replace("frag_keyframe", "frag_every_frame")  # on disk at once
AUDIO_CHUNK = 1024  # samples per AAC frame
MINUTE_OF_VIDEO_MB = 100  # a minute of 1080p at crf 20 is some 30-60 MB: room asked before
LIVE_LAG_S = 0.5  # a live frame is dropped when the file is this far behind it, and work waits
LIVE_FRAGMENT_S = 1.0  # a live recording's keyframes, so fragments, come this often
LIVE_X264 = "rc-lookahead=0:sync-lookahead=0"  # x264 holds no frames back: a frame given is written
LIVE_TUNE = {"tune": "zerolatency"}  # slice threads, not frame threads: a frame out per frame in
FINISHING_S = 1.0  # a close with more work waiting than this says "finishing the recording..."


class RecordError(DreamsError):
    pass


@dataclass
class RecordingSummary:
    path: Path
    frames: int
    dropped: int
    seconds: float  # the length of the video
    error: str | None  # why recording stopped early (a full disk), or None


class Recorder:
    def __init__(
        self,
        path: Path,
        config: RecordConfig,
        fps: int | None = None,
        keyframe_every: int | None = None,
        start_at: int = 0,
    ):
        """fps: the cut's fixed frame rate, or None for a live recording stamped in real time.
        keyframe_every: frames between keyframes (default: a second's worth). start_at: the
        frame index the encoder starts from (after frames copied over by a resume)."""
        self.path = Path(path)
        self.fps = fps
        self.frames = self.dropped = 0
        self.safe_frames = start_at  # frames already in the file's finished fragments
        self._fragment_start = start_at  # the first frame of the fragment being muxed
        self.error: str | None = None
        self._last_pts = start_at - 1
        self._last_time = start_at / fps if fps else 0.0
        self._lines: list[tuple[int, np.ndarray]] = []  # (start sample, samples), not yet encoded
        self._frame_s = 0.1  # the encoder's recent seconds a frame (at first: a slow one)
        self._written_s = 0.0  # a live recording's time of the newest frame in the file
        self._next_key_s = 0.0  # a live recording's next forced keyframe
        self._audio_done = round(self._last_time * SAMPLE_RATE)
        self._lock = threading.Lock()
        self._queue: queue.Queue = queue.Queue(maxsize=config.queue_frames)
        keyint = keyframe_every or (fps or 10000)  # live: keyframes by the clock, below
        self.container = av.open(
            str(self.path),
            "w",
            format="mp4",
            options={"movflags": FRAGMENTED if fps else LIVE_FRAGMENTED, "flush_packets": "1"},
        )
        try:
            self.video = self.container.add_stream("libx264", rate=fps or 60)
            self.video.width, self.video.height = config.width, config.height
            self.video.pix_fmt = "yuv420p"
            if fps is None:
                self.video.codec_context.time_base = LIVE_TIME_BASE
            self.video.options = {
                "crf": str(config.crf),
                "preset": config.preset,
                # keyframes at fixed frames: the same cut gives the same stream, and a resume can
                # cut the old file at a keyframe
                "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:bframes=0"
                + ("" if fps else ":" + LIVE_X264),
            } | ({} if fps else LIVE_TUNE)
            self.audio = self.container.add_stream("aac", rate=SAMPLE_RATE, layout="mono")
            self.audio.bit_rate = config.audio_kbps * 1000
        except BaseException:
            self.container.close()
            raise
        self.thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self.thread.start()

    # ---- from the show (any thread) -------------------------------------------------------

    def add_frame(self, rgb: np.ndarray, seconds: float | None = None, wait: bool = True) -> bool:
        """Queue a frame (RGB uint8, any size: fitted to the recording's). A cut's frames follow
        each other at its frame rate; a live frame gives its time in seconds since the
        recording began. wait=False (live) drops the frame (False returned) when the encoder
        is behind: the file more than LIVE_LAG_S behind this frame, or that much work waiting;
        an idle encoder always takes it."""
        if self.error is not None:
            return False
        if not wait and self._behind(seconds):
            self.dropped += 1
            return False
        try:
            self._queue.put(("frame", rgb, seconds), block=wait)
            return True
        except queue.Full:
            self.dropped += 1
            return False

    def _behind(self, seconds: float) -> bool:
        waiting = self._queue.unfinished_tasks  # queued, and the frame being encoded
        return waiting > 0 and max(seconds - self._written_s, waiting * self._frame_s) > LIVE_LAG_S

    def add_line(self, samples: np.ndarray, sample_rate: int, seconds: float, gain=1.0) -> None:
        """Place a spoken line on the soundtrack, starting `seconds` into the recording."""
        audio = resample(samples, sample_rate) * gain
        with self._lock:
            self._lines.append((round(seconds * SAMPLE_RATE), audio))

    def close(self) -> RecordingSummary:
        """Encode what is queued, pad the sound to the picture's end, and finish the file."""
        waiting = self._queue.qsize() * self._frame_s
        if waiting > FINISHING_S:
            log.info("record: finishing the recording... (%.0f s of encoding)", waiting)
        self._queue.put(("stop", None, None))
        self.thread.join()
        return RecordingSummary(self.path, self.frames, self.dropped, self._last_time, self.error)

    # ---- the thread ---------------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                kind, rgb, seconds = self._queue.get()
                if kind == "stop":
                    break
                if self.error is None:
                    began = time.monotonic()
                    self._encode_frame(rgb, seconds)
                    self._frame_s = 0.8 * self._frame_s + 0.2 * (time.monotonic() - began)
                self._queue.task_done()  # the frame is in the file: no longer work waiting
            if self.error is None:
                self._encode_audio_until(self._last_time)
                self._mux(self.video.encode(None))
                self._mux(self.audio.encode(None))
        except (OSError, av.FFmpegError) as error:
            self._fail(error)
        finally:
            try:
                self.container.close()
            except (OSError, av.FFmpegError) as error:
                self._fail(error)

    def _fail(self, error: Exception) -> None:
        if self.error is None:
            self.error = f"recording {self.path} stopped: {error}"
            log.error("recorder: %s; the file plays up to the last second written", self.error)
        while True:  # let no producer wait on a full queue
            try:
                self._queue.get_nowait()
            except queue.Empty:
                return

    def _encode_frame(self, rgb: np.ndarray, seconds: float | None) -> None:
        frame = av.VideoFrame.from_ndarray(
            fit(rgb, self.video.width, self.video.height), format="rgb24"
        )
        if self.fps is None:  # live: the real time, in milliseconds, never twice the same
            pts = max(round(seconds / LIVE_TIME_BASE), self._last_pts + 1)
            frame.time_base = LIVE_TIME_BASE
            self._last_time = pts * LIVE_TIME_BASE
            if self._last_time >= self._next_key_s:  # a new fragment: the one before is whole
                frame.pict_type = av.video.frame.PictureType.I
                self._next_key_s = float(self._last_time) + LIVE_FRAGMENT_S
        else:
            pts = self._last_pts + 1
            self._last_time = (pts + 1) / self.fps  # the end of this frame
        frame.pts = self._last_pts = pts
        self._mux(self.video.encode(frame))
        self.frames += 1
        self._encode_audio_until(self._last_time)

    def _encode_audio_until(self, seconds: float) -> None:
        """Encode the soundtrack up to `seconds`: the lines placed there, silence between."""
        end = round(seconds * SAMPLE_RATE) // AUDIO_CHUNK * AUDIO_CHUNK
        if end <= self._audio_done:
            return
        start = self._audio_done
        chunk = np.zeros(end - start, np.float32)
        with self._lock:
            keep = []
            for at, samples in self._lines:
                low, high = max(at, start), min(at + len(samples), end)
                if low < high:
                    chunk[low - start : high - start] += samples[low - at : high - at]
                if at + len(samples) > end:
                    keep.append((at, samples))
            self._lines = keep
        frame = av.AudioFrame.from_ndarray(chunk.reshape(1, -1), format="fltp", layout="mono")
        frame.sample_rate, frame.pts = SAMPLE_RATE, start
        frame.time_base = Fraction(1, SAMPLE_RATE)
        self._mux(self.audio.encode(frame))
        self._audio_done = end

    def _mux(self, packets) -> None:
        for packet in packets:
            # a keyframe closes the fragment before it, whose frames are then written out; a
            # write that failed (a full disk) may only be told at a later mux, so the frames
            # count as safe one fragment later
            keyframe = packet.stream is self.video and packet.is_keyframe
            frame = packet.pts
            if packet.stream is self.video and not self.fps:
                self._written_s = float(frame * packet.time_base)
            self.container.mux(packet)
            if keyframe and self.fps:
                self.safe_frames, self._fragment_start = self._fragment_start, frame
            elif keyframe and frame > 0:  # live: the fragment before is written; keep it
                self.sync()

    def sync(self) -> None:
        """Make what the file holds survive a power cut (fsync)."""
        # Windows's fsync (FlushFileBuffers) refuses a descriptor that may not write
        descriptor = os.open(self.path, os.O_RDWR if os.name == "nt" else os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def resample(samples: np.ndarray, sample_rate: int) -> np.ndarray:
    """Mono float samples at the soundtrack's rate."""
    samples = np.ascontiguousarray(samples, dtype=np.float32)
    if sample_rate == SAMPLE_RATE or len(samples) == 0:
        return samples
    resampler = av.AudioResampler(format="flt", layout="mono", rate=SAMPLE_RATE)
    frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="flt", layout="mono")
    frame.sample_rate = sample_rate
    parts = [
        f.to_ndarray().reshape(-1) for f in (*resampler.resample(frame), *resampler.resample(None))
    ]
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def fit(rgb: np.ndarray, width: int, height: int) -> np.ndarray:
    """The image scaled to fit width x height, centred on black (the same size: as it is)."""
    h, w = rgb.shape[:2]
    if (w, h) == (width, height):
        return np.ascontiguousarray(rgb)
    scale = min(width / w, height / h)
    new_w, new_h = max(1, round(w * scale)), max(1, round(h * scale))
    canvas = np.zeros((height, width, 3), np.uint8)
    top, left = (height - new_h) // 2, (width - new_w) // 2
    canvas[top : top + new_h, left : left + new_w] = cv2.resize(
        rgb, (new_w, new_h), interpolation=cv2.INTER_AREA
    )
    return canvas
