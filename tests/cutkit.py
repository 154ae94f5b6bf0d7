"""Reading a recorded film back with PyAV (never trusting the writer), and its side files."""

import json
from pathlib import Path

import av
import numpy as np
from av.video.frame import PictureType


def streams(path: Path) -> list[tuple[str, str]]:
    with av.open(str(path)) as container:
        return [(s.type, s.codec_context.name) for s in container.streams]


def video_format(path: Path) -> tuple[str, int, list[int], set[str]]:
    """The picture's pixel format, the sound's sample rate, the frames that are keyframes and
    the kinds of frame (I, P, B) in the file: what a player or an editor meets."""
    with av.open(str(path)) as container:
        video, rate = container.streams.video[0], container.streams.audio[0].sample_rate
        frames = list(container.decode(video=0))
        pix_fmt = video.codec_context.pix_fmt
    keys = [index for index, frame in enumerate(frames) if frame.key_frame]
    return pix_fmt, rate, keys, {PictureType(frame.pict_type).name for frame in frames}


def video_frames(path: Path) -> list[np.ndarray]:
    with av.open(str(path)) as container:
        return [frame.to_ndarray(format="gray") for frame in container.decode(video=0)]


def times_that_play(path: Path) -> list[float]:
    """The times of the frames a player shows before the first that does not decode (a file
    cut short by a pulled plug or a full disk may end in half a packet)."""
    times = []
    with av.open(str(path)) as container:
        try:
            for frame in container.decode(video=0):
                times.append(float(frame.time))
        except av.FFmpegError:
            pass
    return times


def frames_that_play(path: Path) -> int:
    return len(times_that_play(path))


def video_times(path: Path) -> list[float]:
    with av.open(str(path)) as container:
        return [float(frame.time) for frame in container.decode(video=0)]


def sound(path: Path) -> tuple[np.ndarray, int]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        parts = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
        return np.concatenate(parts), stream.rate


def subtitles(path: Path) -> list[tuple[float, float, str]]:
    """(start, end, text) of each entry of an .srt file."""

    def seconds(stamp: str) -> float:
        clock, millis = stamp.strip().split(",")
        hours, minutes, secs = (int(x) for x in clock.split(":"))
        return hours * 3600 + minutes * 60 + secs + int(millis) / 1000

    entries = []
    for block in Path(path).read_text(encoding="utf-8").strip().split("\n\n"):
        rows = block.splitlines()
        if len(rows) >= 3:
            start, _, end = rows[1].partition(" --> ")
            entries.append((seconds(start), seconds(end), " ".join(rows[2:])))
    return entries


def events(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines()]
