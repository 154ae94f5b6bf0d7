"""A live feed from another program or machine as the film: NDI (`ndi:NAME`, any part of the name
NDI lists, or `ndi:ip:port` where discovery does not reach), through ndi-python, imported only
when an NDI source is named. Spout (`spout:NAME`) and Syphon (`syphon:NAME`) are refused in one
line: their receivers are not built (they cannot run on the machine this project is tested on).

The reader gives BGR frames, like OpenCV's; engine/mind/film.py prepares them as any camera's."""

import logging
import re
import sys
import time

import numpy as np

from engine.errors import FilmError

log = logging.getLogger(__name__)

FEED_SCHEMES = ("ndi:", "spout:", "syphon:")
OPEN_WAIT_S = 3.0  # for discovery and the first frame: a local sender answers in milliseconds
REOPEN_WAIT_S = 1.0  # a retry must not hold the film thread long
READ_TIMEOUT_MS = 1000  # a sender silent for this long has dropped: the film thread retries
ADDRESS = re.compile(r"(\[[0-9A-Fa-f:]+\]|[A-Za-z0-9.-]+):\d{1,5}")


def is_feed(source: str) -> bool:
    return source.lower().startswith(FEED_SCHEMES)


def open_feed(source: str):
    """(kind, name, reader) for an ndi:, spout: or syphon: source; a FilmError if it cannot be."""
    scheme, _, target = source.partition(":")
    scheme = scheme.lower()
    if not target.strip():
        raise FilmError(f"film source {source!r}: name the {scheme} source, e.g. {scheme}:Dreams")
    if scheme == "ndi":
        return "ndi", source, NdiReader(target.strip())
    system, package = ("win32", "SpoutGL") if scheme == "spout" else ("darwin", "syphon-python")
    where = "Windows" if system == "win32" else "macOS"
    if sys.platform != system:
        raise FilmError(f"{scheme}: needs {where} and {package}; here send the feed over NDI "
                        "and give ndi:NAME")  # fmt: skip
    raise FilmError(f"{scheme}: watching a {scheme} source is not built in this version; send "
                    "the feed over NDI and give ndi:NAME")  # fmt: skip


def _ndi():
    try:
        import NDIlib
    except ImportError:
        raise FilmError("ndi: needs the ndi-python package; pip install ndi-python") from None
    if not NDIlib.initialize():
        raise FilmError("ndi: the NDI runtime does not start on this CPU; give another film")
    return NDIlib


def pick(sources: list, wanted: str):
    """The source named `wanted` (any case), or else the first by name that holds it; None."""
    wanted = wanted.lower()
    exact = [s for s in sources if s.ndi_name.lower() == wanted]
    part = sorted((s for s in sources if wanted in s.ndi_name.lower()), key=lambda s: s.ndi_name)
    return (exact or part or [None])[0]


class NdiReader:
    """An NDI receiver of one source, found by (part of) its name or connected by address."""

    def __init__(self, target: str):
        self._ndi, self._target = _ndi(), target
        self._by_address = ADDRESS.fullmatch(target) is not None
        self._recv, self._first, self._fps = None, None, 0.0
        self._position = 0
        if not self._connect(OPEN_WAIT_S, say=True):
            return
        self._first = self._capture(int(OPEN_WAIT_S * 1000))  # the ratio and the rate

    def _connect(self, wait_s: float, say: bool) -> bool:
        ndi = self._ndi
        settings = ndi.RecvCreateV3()
        settings.color_format = ndi.RECV_COLOR_FORMAT_BGRX_BGRA
        settings.bandwidth = ndi.RECV_BANDWIDTH_HIGHEST
        if self._by_address:
            source = ndi.Source()
            source.url_address = self._target
            self._recv = ndi.recv_create_v3(settings)
            ndi.recv_connect(self._recv, source)
            return True
        finder = ndi.find_create_v2(ndi.FindCreate())
        try:
            source = self._find(finder, wait_s, say)
            if source is None:
                return False
            self._recv = ndi.recv_create_v3(settings)
            ndi.recv_connect(self._recv, source)  # NDI copies the source: the finder may go
            return True
        finally:
            ndi.find_destroy(finder)

    def _find(self, finder, wait_s: float, say: bool):
        """The source `pick` finds among those NDI lists within `wait_s`."""
        wanted, deadline = self._target, time.monotonic() + wait_s
        while True:
            sources = list(self._ndi.find_get_current_sources(finder))
            names = [source.ndi_name for source in sources]
            found = pick(sources, wanted)
            if found is not None:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                break
            self._ndi.find_wait_for_sources(finder, int(min(left, 0.5) * 1000) + 1)
        if say:
            seen = f"NDI lists {', '.join(sorted(names))}" if names else "NDI finds no sources"
            raise FilmError(f"no NDI source named {self._target!r} found ({seen}); give "
                            "ndi:ip:port, e.g. ndi:192.168.1.20:5961")  # fmt: skip
        return None

    def _capture(self, timeout_ms: int) -> np.ndarray | None:
        """The next video frame as BGR, copied out of NDI's buffer; None after `timeout_ms`."""
        ndi, deadline = self._ndi, time.monotonic() + timeout_ms / 1000
        while self._recv is not None:
            left = int((deadline - time.monotonic()) * 1000)
            if left <= 0:
                return None
            kind, video, _, _ = ndi.recv_capture_v2(self._recv, left)
            if kind != ndi.FRAME_TYPE_VIDEO:
                continue  # nothing yet, a status change, audio or metadata (not asked for)
            try:
                frame = np.ascontiguousarray(video.data[:, :, :3])
                rate = video.frame_rate_N / video.frame_rate_D if video.frame_rate_D else 0
            finally:
                ndi.recv_free_video_v2(self._recv, video)
            self._fps = rate if 0 < rate <= 240 else self._fps
            return frame
        return None

    def is_open(self) -> bool:
        return self._first is not None

    def fps(self) -> float:
        return self._fps

    def ratio(self) -> float | None:
        return None if self._first is None else self._first.shape[1] / self._first.shape[0]

    def frame_count(self) -> int:
        return 0  # live

    def position(self) -> int:
        return self._position

    def seek(self, frame: int) -> None:
        pass  # a live feed has no place to go to

    def read(self) -> np.ndarray | None:
        frame, self._first = self._first, None  # the frame that opened the feed comes first
        if frame is None:
            frame = self._capture(READ_TIMEOUT_MS)
        self._position += frame is not None
        return frame

    def reopen(self) -> bool:
        """A new receiver (found again by name: the sender may be back on another port)."""
        self.close()
        return self._connect(REOPEN_WAIT_S, say=False)

    def close(self) -> None:
        if self._recv is not None:
            self._ndi.recv_destroy(self._recv)
            self._recv = None
