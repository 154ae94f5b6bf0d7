"""Where video out sends the picture: NDI (every system, over the network), Syphon (macOS) or
Spout (Windows), each behind the same two calls: `send(frame)` with an RGBX (height, width, 4)
uint8 array, and `close()`. `open_backend` opens the configured kind or says, in one line naming
`video_out.kind`, why this system cannot and what to do."""

import sys

import numpy as np

from engine.errors import DreamsError

GL_RGBA = 0x1908  # OpenGL's constant, for Spout (no PyOpenGL needed for one number)


class VideoOutError(DreamsError):
    pass


def _cannot(kind: str, why: str, instead: str) -> VideoOutError:
    return VideoOutError(f'video_out.kind = "{kind}": {why}; {instead}')


def open_backend(kind: str, name: str, fps: int):
    """The sender of `kind` ("ndi", "syphon", "spout"), published under `name`."""
    if kind == "ndi":
        return NdiSender(name, fps)
    if kind == "syphon":
        return SyphonSender(name)
    if kind == "spout":
        return SpoutSender(name)
    raise _cannot(kind, "no such kind", 'choose "ndi", "syphon" or "spout"')


class NdiSender:
    """An NDI source (ndi-python, which ships the NDI runtime). It listens on every interface;
    receivers find it by name, or connect to this machine's address and its port (5961 for
    the first source of a machine) where discovery (mDNS) does not reach."""

    def __init__(self, name: str, fps: int):
        try:
            import NDIlib as ndi
        except ImportError as error:
            raise _cannot("ndi", f"ndi-python does not import ({error})",
                          'install it with `.venv/bin/pip install ndi-python`, or turn '
                          "video_out.enabled off") from None  # fmt: skip
        if not ndi.initialize():
            raise _cannot("ndi", "the NDI runtime does not start on this CPU",
                          "turn video_out.enabled off")  # fmt: skip
        settings = ndi.SendCreate()
        settings.ndi_name = name
        settings.clock_video = False  # the show's main loop keeps the time
        self._ndi, self._sender = ndi, ndi.send_create(settings)
        if self._sender is None:
            raise _cannot("ndi", f'no NDI source named "{name}" could be made',
                          "choose another video_out.name")  # fmt: skip
        self._frame = ndi.VideoFrameV2()
        self._frame.FourCC = ndi.FOURCC_VIDEO_TYPE_RGBX
        self._frame.frame_rate_N, self._frame.frame_rate_D = fps, 1
        self._pending = None  # the frame NDI may still be reading (asynchronous sending)

    def send(self, frame: np.ndarray) -> None:
        """Queued to NDI's own thread, which compresses it; this frame's memory is kept until
        the next one is given (the NDI SDK's rule for asynchronous sending)."""
        self._frame.data = frame
        self._frame.xres, self._frame.yres = frame.shape[1], frame.shape[0]
        self._frame.line_stride_in_bytes = frame.strides[0]
        self._ndi.send_send_video_async_v2(self._sender, self._frame)
        self._pending = frame

    def close(self) -> None:
        if self._sender is not None:
            self._ndi.send_destroy(self._sender)  # waits for the frame in flight
            self._sender, self._pending = None, None


class SyphonSender:
    """A Syphon server (macOS, syphon-python over Metal); not tried on a Mac by this project."""

    def __init__(self, name: str):
        if sys.platform != "darwin":
            raise _cannot("syphon", "Syphon is macOS's only",
                          'use "ndi" here (Spout on Windows)')  # fmt: skip
        try:
            import syphon
            from syphon.utils.numpy import copy_image_to_mtl_texture
            from syphon.utils.raw import create_mtl_texture
        except ImportError as error:
            raise _cannot(
                "syphon",
                f"syphon-python does not import ({error})",
                "install it with `.venv/bin/pip install syphon-python`",
            ) from None
        self._copy, self._create = copy_image_to_mtl_texture, create_mtl_texture
        self._server = syphon.SyphonMetalServer(name)
        self._texture, self._size = None, None

    def send(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        if self._size != (width, height):
            self._texture = self._create(self._server.device, width, height)
            self._size = (width, height)
        self._copy(frame, self._texture)
        self._server.publish_frame_texture(self._texture)

    def close(self) -> None:
        self._server.stop()


class SpoutSender:
    """A Spout sender (Windows, SpoutGL); not tried on Windows by this project."""

    def __init__(self, name: str):
        if sys.platform != "win32":
            raise _cannot("spout", "Spout is Windows's only",
                          'use "ndi" here (Syphon on macOS)')  # fmt: skip
        try:
            import SpoutGL
        except ImportError as error:
            raise _cannot(
                "spout",
                f"SpoutGL does not import ({error})",
                "install it with `.venv\\Scripts\\pip install SpoutGL`",
            ) from None
        self._sender = SpoutGL.SpoutSender()
        self._sender.setSenderName(name)

    def send(self, frame: np.ndarray) -> None:
        height, width = frame.shape[:2]
        if not self._sender.sendImage(frame, width, height, GL_RGBA, False, 0):
            raise OSError("Spout did not take the frame")

    def close(self) -> None:
        self._sender.releaseSender()
