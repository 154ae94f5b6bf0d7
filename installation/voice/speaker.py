"""Audio out. A sound speaker plays through sounddevice (PortAudio); when PortAudio or an output
device is missing, or the device goes away, a silent speaker stands in. The narrator keeps time
by the clock either way, so subtitles and the show stay in step with or without sound."""

import logging
import threading

import numpy as np

log = logging.getLogger(__name__)


class SilentSpeaker:
    """Plays nothing; the narrator's clock keeps the time the audio would have taken."""

    name = "silent"

    def __init__(self):
        self.frames_played = 0
        self.gain = 1.0

    def play(self, audio: np.ndarray) -> None:
        self.frames_played += len(audio)

    def stop_line(self) -> None:
        pass

    @property
    def lost(self) -> bool:
        return False

    def close(self) -> None:
        pass


class SoundSpeaker:
    """A PortAudio output stream at the voice's sample rate; a callback feeds it the line."""

    def __init__(self, sample_rate: int, device: str | int | None = None):
        import sounddevice  # raises OSError without PortAudio

        self._lock = threading.Lock()
        self._audio = np.zeros(0, np.float32)
        self._position = 0
        self.frames_played = 0
        self.gain = 1.0  # volume, 0 when muted; read by the callback, so it acts at once
        self._failed = False
        self._stream = sounddevice.OutputStream(
            samplerate=sample_rate,
            channels=1,
            dtype="float32",
            device=device,
            callback=self._feed,
            finished_callback=self._finished,
        )
        self._stream.start()
        self.name = str(sounddevice.query_devices(self._stream.device)["name"])

    def _feed(self, out, frames, time_info, status) -> None:
        with self._lock:
            chunk = self._audio[self._position : self._position + frames]
            self._position += len(chunk)
            self.frames_played += len(chunk)
        out[: len(chunk), 0] = chunk * self.gain
        out[len(chunk) :, 0] = 0.0

    def _finished(self) -> None:
        self._failed = True  # the stream ended by itself: the device went away

    def play(self, audio: np.ndarray) -> None:
        """Start the line; returns at once (the callback plays it)."""
        with self._lock:
            self._audio, self._position = audio, 0

    def stop_line(self) -> None:
        with self._lock:
            self._position = len(self._audio)

    @property
    def lost(self) -> bool:
        return self._failed or not self._stream.active

    def close(self) -> None:
        try:
            self._stream.abort()
            self._stream.close()
        except Exception:  # closing a lost device: nothing left to do
            pass


def open_speaker(sample_rate: int, device: str = ""):
    """The sound speaker, or the silent one when there is no sound to be had (said once), or
    when `device` is "none"."""
    if device == "none":
        return SilentSpeaker()
    try:
        return SoundSpeaker(sample_rate, _device(device))
    except Exception as error:  # no PortAudio, no device, a busy device
        log.warning("voice: no sound (%s); speaking silently, in real time", _first_line(error))
        return SilentSpeaker()


def _device(setting: str) -> str | int | None:
    if not setting:
        return None
    return int(setting) if setting.isdigit() else setting


def _first_line(error: Exception) -> str:
    text = str(error).strip() or type(error).__name__
    return text.splitlines()[0]
