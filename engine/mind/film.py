"""The film the machine watches: a video file, a folder of images, a camera, a stream URL or a
live feed from another program (NDI: engine/mind/film_ndi.py).

FilmSource.read() gives the next frame prepared for the dreamer: grey (or colour), centre-cropped
to the dreams' shape and resized to their size, as a uint8 array of shape (height, width, C).
Pacing is the caller's job (`fps` says the film's own rate); nothing here sleeps or spawns threads.
"""

import logging
from pathlib import Path

import cv2
import numpy as np

from engine.assets import default_film
from engine.config import FilmConfig
from engine.errors import FilmError, shown
from engine.files import described
from engine.mind.film_ndi import is_feed, open_feed
from engine.mind.shape import as_size

log = logging.getLogger(__name__)

STREAM_SCHEMES = ("rtsp://", "rtsps://", "rtmp://", "http://", "https://", "udp://", "tcp://")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp"}
# Failed reads in a row inside a file before we call it the end and loop.
MAX_BAD_FRAMES_IN_A_ROW = 25
# Open and read timeouts for streams, so a dead URL cannot hang the film thread for minutes.
STREAM_TIMEOUT_MS = 5000


def prepare_frame(image: np.ndarray, size: int | tuple[int, int], color: bool) -> np.ndarray:
    """BGR or grey image -> the centre cropped to the shape of `size` (height, width) and
    resized to it, (height, width, C)."""
    out_h, out_w = as_size(size)
    height, width = image.shape[:2]
    crop_h = min(height, round(width * out_h / out_w))
    crop_w = min(width, round(height * out_w / out_h))
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    crop = image[top : top + crop_h, left : left + crop_w]
    interpolation = cv2.INTER_AREA if crop_h > out_h else cv2.INTER_LINEAR
    crop = cv2.resize(crop, (out_w, out_h), interpolation=interpolation)
    if crop.ndim == 2:
        crop = crop[:, :, None]
    if color:
        if crop.shape[2] == 1:
            crop = np.repeat(crop, 3, axis=2)
        return np.ascontiguousarray(cv2.cvtColor(crop, cv2.COLOR_BGR2RGB))
    if crop.shape[2] == 1:
        return np.ascontiguousarray(crop)
    return cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY)[:, :, None]


class _CaptureReader:
    """OpenCV (FFmpeg) capture of a file, camera index or URL."""

    def __init__(self, target: str | int, timeout: bool):
        self._target, self._timeout = target, timeout
        self._capture = self._open()

    def _open(self) -> cv2.VideoCapture:
        if self._timeout:
            params = [
                cv2.CAP_PROP_OPEN_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
                cv2.CAP_PROP_READ_TIMEOUT_MSEC,
                STREAM_TIMEOUT_MS,
            ]
            return cv2.VideoCapture(self._target, cv2.CAP_ANY, params)
        return cv2.VideoCapture(self._target)

    def is_open(self) -> bool:
        return self._capture.isOpened()

    def fps(self) -> float:
        fps = self._capture.get(cv2.CAP_PROP_FPS)
        return fps if 0 < fps <= 240 else 0.0

    def ratio(self) -> float | None:
        """Width over height of the frames, as the capture reports them (None: unknown)."""
        width = self._capture.get(cv2.CAP_PROP_FRAME_WIDTH)
        height = self._capture.get(cv2.CAP_PROP_FRAME_HEIGHT)
        return width / height if width > 0 and height > 0 else None

    def frame_count(self) -> int:
        count = self._capture.get(cv2.CAP_PROP_FRAME_COUNT)
        return int(count) if count > 0 else 0

    def position(self) -> int:
        return int(self._capture.get(cv2.CAP_PROP_POS_FRAMES))

    def seek(self, frame: int) -> None:
        self._capture.set(cv2.CAP_PROP_POS_FRAMES, frame)

    def read(self) -> np.ndarray | None:
        ok, frame = self._capture.read()
        return frame if ok and frame is not None and frame.size else None

    def reopen(self) -> bool:
        self._capture.release()
        self._capture = self._open()
        return self._capture.isOpened()

    def close(self) -> None:
        self._capture.release()


class _FolderReader:
    """The image files of a folder, in name order, as a film."""

    def __init__(self, folder: Path):
        self._files = sorted(
            p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES and p.is_file()
        )
        self._next = 0

    def is_open(self) -> bool:
        return bool(self._files)

    def ratio(self) -> float | None:
        return None  # known from the first image that decodes

    def frame_count(self) -> int:
        return len(self._files)

    def position(self) -> int:
        return self._next

    def seek(self, frame: int) -> None:
        self._next = frame

    def read(self) -> np.ndarray | None:
        if self._next >= len(self._files):
            return None
        path = self._files[self._next]
        self._next += 1
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            log.warning("film: skipping unreadable image %s", path.name)
        return image

    def reopen(self) -> bool:
        self._next = 0
        return True

    def close(self) -> None:
        pass


class FilmSource:
    """Frames of a film at its own rate, looping at the end; counts what it skipped."""

    def __init__(
        self,
        source: str,
        size: int | tuple[int, int],
        color: bool = False,
        loop: bool = True,
        folder_fps: float = 12.0,
    ):
        self.size, self.color, self.loop = as_size(size), color, loop  # (height, width)
        self.frames_read = self.frames_skipped = self.loops = 0
        self._unfit_said = False  # a frame too small for the dreams' shape was logged
        self.is_default = not source
        self.kind, self.name, self._reader = _open_reader(source)
        if not self._reader.is_open():  # closed: an NDI receiver left open would spin for ever
            self._reader.close()
            raise FilmError(_cannot_open_message(self.kind, self.name))
        self.is_live = self.kind in ("camera", "stream", "ndi")
        self.ratio = self._reader.ratio()  # width over height; the first frame's, below
        self.fps = folder_fps if self.kind == "folder" else (self._reader.fps() or 25.0)
        self.frame_count = self._reader.frame_count()
        if not self.is_live and self.frame_count and not self._has_a_frame():
            raise FilmError(f"film {self.name} cannot be decoded; give a video OpenCV/FFmpeg reads")

    @classmethod
    def from_config(
        cls, config: FilmConfig, size: int | tuple[int, int], source: str | None = None
    ):
        """The film that `[film]` names (or `source` instead), as the dreamer wants it."""
        source = config.source if source is None else source
        return cls(source, size, config.color, config.loop, config.folder_fps)

    def _has_a_frame(self) -> bool:
        """True when at least one of the first frames decodes; leaves the film at its start."""
        for _ in range(MAX_BAD_FRAMES_IN_A_ROW):
            image = self._reader.read()
            if image is not None:
                self.ratio = image.shape[1] / image.shape[0]
                self._reader.reopen()
                return True
            if self._reader.position() >= self.frame_count:
                break
        return False

    @property
    def position(self) -> int:
        return self._reader.position()

    def read(self) -> np.ndarray | None:
        """The next prepared frame; None when a live source dropped, a film without loop ended,
        or nothing decodes any more (the file was deleted or truncated)."""
        bad_in_a_row = 0
        rewound = False
        while True:
            frame = self._prepared(self._reader.read())
            if frame is not None:
                self.frames_read += 1
                return frame
            if self.is_live:
                return None
            bad_in_a_row += 1
            if not self._at_end() and bad_in_a_row < MAX_BAD_FRAMES_IN_A_ROW:
                self.frames_skipped += 1
                continue
            # the end, or so many bad frames in a row that it might as well be
            if not self.loop or rewound or not self._reader.reopen():
                return None
            self.loops += 1
            rewound, bad_in_a_row = True, 0

    def _prepared(self, image: np.ndarray | None) -> np.ndarray | None:
        """The image prepared for the dreamer, or None where there is none or it cannot be
        (a 1 x 1 image has no crop of a wide film's shape): skipped and counted, said once."""
        if image is None:
            return None
        try:
            return prepare_frame(image, self.size, self.color)
        except (cv2.error, ValueError):
            if not self._unfit_said:
                self._unfit_said = True
                height, width = image.shape[:2]
                log.warning(
                    "film: skipping a %d x %d pixel frame, too small to make a %d x %d dream; "
                    "the others go on (each such frame counted as skipped)",
                    *(width, height, self.size[1], self.size[0]),
                )
            return None

    def _at_end(self) -> bool:
        return not self.frame_count or self._reader.position() >= self.frame_count - 1

    def seek(self, fraction: float) -> None:
        """Go to this point (0 to 1) of a file or folder; a live source has no such point."""
        if not self.is_live and self.frame_count:
            self._reader.seek(min(int(fraction * self.frame_count), self.frame_count - 1))

    def go_to(self, frame: int) -> None:
        """Go to frame `frame` of a file or folder (where a resumed recording left it)."""
        if not self.is_live and self.frame_count:
            self._reader.seek(frame % self.frame_count)

    def reconnect(self) -> bool:
        """Try once to open a dropped camera, stream or feed again."""
        ok = self._reader.reopen()
        log.info("film: reconnecting to %s %s", self.name, "succeeded" if ok else "failed")
        return ok

    def close(self) -> None:
        self._reader.close()


def is_path(source: str) -> bool:
    """Whether a film source names a file or a folder: not the bundled clip (""), a camera, a
    stream or a feed (ndi:, spout:, syphon:)."""
    return bool(source) and not (
        source.startswith("camera:") or source.lower().startswith(STREAM_SCHEMES) or is_feed(source)
    )


def _open_reader(source: str):
    if not source:
        path = default_film()
        return "file", path.name, _CaptureReader(str(path), timeout=False)
    if source.startswith("camera:"):
        index = source.removeprefix("camera:")
        if not index.isdigit():
            raise FilmError(f"film source {source!r}: write a camera as camera:N, e.g. camera:0")
        return "camera", source, _CaptureReader(int(index), timeout=False)
    if source.lower().startswith(STREAM_SCHEMES):
        return "stream", source, _CaptureReader(source, timeout=True)
    if is_feed(source):
        return open_feed(source)
    path = Path(source).expanduser()
    try:
        if path.is_dir():
            return "folder", str(path), _FolderReader(path)
        if path.is_file():
            return "file", str(path), _CaptureReader(str(path), timeout=False)
        if path.exists():  # a device or a pipe: there, but never a film
            kind = described(path.stat().st_mode)
            raise FilmError(
                f"film {shown(source)} is {kind}, not a video file or a folder; give a video "
                "file, a folder of images, camera:N or an rtsp/http URL"
            )
    except OSError as error:  # a name too long, a loop of links: the user's to mend, in a line
        raise FilmError(
            f"film {shown(source)} cannot be looked at ({error.strerror}); give another"
        ) from None
    raise FilmError(
        f"film not found: {source}; give a video file, a folder of images, camera:N or an "
        "rtsp/http URL (or leave film.source empty for the bundled clip)"
    )


def _cannot_open_message(kind: str, name: str) -> str:
    if kind == "folder":
        return f"film folder {name} holds no images ({', '.join(sorted(IMAGE_SUFFIXES))})"
    if kind == "camera":
        return f"camera {name} cannot be opened; check that it is connected and not in use"
    if kind == "stream":
        return f"stream {name} cannot be opened; check the URL and the network"
    if kind == "ndi":
        return (f"NDI source {name} sends no frames; check that it is sending (an address is "
                "ndi:ip:port, e.g. ndi:127.0.0.1:5961)")  # fmt: skip
    return f"film {name} cannot be opened; give a video file that OpenCV/FFmpeg can decode"
