"""Audio in (sounddevice): the music moves the dreams. An input device's blocks are analysed on
the "audio in" thread into a few features, each from 0 to 1, that the mapping (audio_map.py)
sends to the OSC addresses as commands, through the same inbox as OSC and MIDI.

loudness  the RMS of each hop in dB, from FLOOR_DB (0) to full scale (1)
onset     1 on a hop where the spectral flux (the rise of the spectrum) peaks above its recent
          average, else 0: the smoothing's release turns it into a pulse
low, mid, high   the energy in each band of BANDS_HZ, in dB as loudness is

No tempo: neither well-kept library that estimates one (librosa, aubio) comes cheaply here (a
JIT compiler and SciPy, or a C build); a beat's onsets drive what a tempo would.

The stream's callback (PortAudio's thread) only copies each block into a fixed ring and wakes
the thread: it never waits, and a thread that falls a ring behind skips ahead (counted).
The voice is kept out by holding still: while the narrator speaks a line (its published "now
speaking" figure) and VOICE_TAIL_S after, nothing is analysed or sent. No input device: one
line in the log, no thread, the show goes on.
"""

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.config import AudioInConfig
from installation.play.audio_map import AudioMappingError, Mapper, load_mapping
from installation.threads import Inbox

log = logging.getLogger(__name__)

HOP = 1024  # samples analysed at a time: 21 ms at 48 kHz
RING_S = 2.0  # seconds of sound the ring holds
FLOOR_DB = -60.0  # a level at or below this is 0
BANDS_HZ = {"low": (20.0, 250.0), "mid": (250.0, 4000.0), "high": (4000.0, 20000.0)}
ONSET_HISTORY = 48  # hops of spectral flux an onset is measured against (about a second)
ONSET_RATIO = 2.0  # an onset's flux is this many times the recent average, at least
ONSET_FLOOR = 0.02  # and this much (full-scale amplitude units): noise is no onset
ONSET_GAP = 2  # hops after an onset before the next (a click seen by two frames is one)
VOICE_TAIL_S = 0.3  # the room's echo of a line, held out after it ends
WAKE_EVERY_S = 0.25  # the thread looks at the show's stop at least this often


def level(mean_square: float) -> float:
    """A power as 0..1: FLOOR_DB and below 0, full scale 1."""
    db = 10.0 * np.log10(mean_square + 1e-20)
    return float(np.clip((db - FLOOR_DB) / -FLOOR_DB, 0.0, 1.0))


class Ring:
    """A fixed ring of mono samples: the callback writes, the audio-in thread takes."""

    def __init__(self, size: int):
        self.samples = np.zeros(size, np.float32)
        self.written = self.read = self.lost = 0  # samples, since the start

    def write(self, block: np.ndarray) -> None:
        """The callback's: copies and returns, never waits."""
        size, count = len(self.samples), len(block)
        block = block[-size:]
        start = (self.written + count - len(block)) % size
        first = min(len(block), size - start)
        self.samples[start : start + first] = block[:first]
        self.samples[: len(block) - first] = block[first:]
        self.written += count  # last: the samples are there before the reader may take them

    def take(self, count: int) -> np.ndarray | None:
        """The next `count` samples once written, else None; a reader a ring behind skips."""
        written, size = self.written, len(self.samples)
        if written - self.read > size - count:
            self.lost += written - self.read - (size - count)
            self.read = written - (size - count)
        if written - self.read < count:
            return None
        taken = self.samples[np.arange(self.read, self.read + count) % size]
        self.read += count
        return taken


class Analyser:
    """Hops of sound to features. Each frame is two hops under a Hann window, one hop apart."""

    def __init__(self, rate: float):
        self.rate = rate
        self.window = np.hanning(2 * HOP).astype(np.float32)
        self.scale = 2.0 / (float(np.sum(self.window**2)) * 2 * HOP)  # bins to mean square
        freqs = np.fft.rfftfreq(2 * HOP, 1.0 / rate)
        self.bands = {name: (freqs >= lo) & (freqs < hi) for name, (lo, hi) in BANDS_HZ.items()}
        self.flux: deque[float] = deque(maxlen=ONSET_HISTORY)
        self.forget()

    def forget(self) -> None:
        """Start afresh (after the voice's line): the next hop is no onset."""
        self.previous = np.zeros(HOP, np.float32)
        self.spectrum: np.ndarray | None = None
        self.since_onset = ONSET_GAP

    def features(self, hop: np.ndarray) -> dict[str, float]:
        frame = np.concatenate((self.previous, hop)) * self.window
        self.previous = hop
        spectrum = np.abs(np.fft.rfft(frame))
        power = spectrum**2 * self.scale
        found = {"loudness": level(float(np.mean(hop.astype(np.float64) ** 2)))}
        found |= {name: level(float(power[mask].sum())) for name, mask in self.bands.items()}
        heard = level(float(power.sum())) > 0  # over the frame: a click late in the last hop
        found["onset"] = float(self._onset(spectrum / np.sum(self.window)) and heard)
        return found

    def _onset(self, amplitudes: np.ndarray) -> bool:
        """Spectral flux: the sum of each bin's rise since the last frame, against its history."""
        previous, self.spectrum = self.spectrum, amplitudes
        if previous is None:
            return False
        flux = float(np.sum(np.maximum(amplitudes - previous, 0.0)))
        average = float(np.mean(self.flux)) if self.flux else 0.0
        self.flux.append(flux)
        self.since_onset += 1
        if self.since_onset <= ONSET_GAP or flux < max(ONSET_RATIO * average, ONSET_FLOOR):
            return False
        self.since_onset = 0
        return True


def voice_speaking(narrator) -> Callable[[], bool]:
    """Whether the narrator's published line (now_speaking) is being heard now, echo included."""

    def speaking() -> bool:
        line = narrator.now_speaking
        return line is not None and line.started <= time.monotonic() < line.ends + VOICE_TAIL_S

    return speaking


def mapping_path(config: AudioInConfig, state_folder: Path) -> Path:
    """audio_in.mapping, or audio.toml in the state folder."""
    return Path(config.mapping).expanduser() if config.mapping else state_folder / "audio.toml"


def open_audio_in(config: AudioInConfig, commands: Inbox, state_folder: Path) -> "AudioIn | None":
    """The audio-in part of the show, or None, said in one line: off, nothing mapped, a mapping
    that cannot be used, or no input device."""
    if not config.enabled:
        return None
    path = mapping_path(config, state_folder)
    try:
        routes = load_mapping(path)
    except AudioMappingError as error:
        log.warning("audio in: no mapping: %s; the show goes on without audio in", error)
        return None
    if not routes:
        log.info("audio in: nothing mapped in %s (README: The music moves the dreams); the show "
                 "goes on without audio in", path)  # fmt: skip
        return None
    try:
        part = AudioIn(commands, Mapper(routes))
        part.stream = open_stream(config.device, part.hear_block)
    except (OSError, ImportError, ValueError) as error:  # PortAudio's errors are said as OSError
        log.info("audio in: no input device here (%s); the show goes on without audio in", error)
        return None
    part.tune(float(part.stream.samplerate))
    log.info("audio in: listening to %s at %.0f Hz (mapping %s)", part.stream.device,
             part.rate, path)  # fmt: skip
    return part


def open_stream(device: str, callback):
    """An InputStream (not started) from the default input or the first whose name contains
    `device`; OSError where there is none."""
    import sounddevice as sd

    chosen = None
    if device:
        inputs = [
            (i, d["name"]) for i, d in enumerate(sd.query_devices()) if d["max_input_channels"]
        ]
        found = [i for i, name in inputs if device in name]
        if not found:
            names = ", ".join(name for _, name in inputs) or "none"
            raise OSError(f"no input whose name contains {device!r} (inputs: {names})")
        chosen = found[0]
    try:
        return sd.InputStream(device=chosen, channels=1, blocksize=HOP, dtype="float32",
                              callback=callback)  # fmt: skip
    except sd.PortAudioError as error:
        raise OSError(str(error)) from None


class AudioIn:
    """The audio-in thread: takes hops from the ring, analyses them, asks the show."""

    def __init__(self, commands: Inbox, mapper: Mapper, rate: float = 48000.0):
        self.commands, self.mapper = commands, mapper
        self.stream = None  # the InputStream; None where blocks are given by hand (tests, bench)
        self.tune(rate)
        self.speaking: Callable[[], bool] = lambda: False  # the voice's line, where it is kept out
        self.heard = threading.Event()
        self.hops = self.held = self.asked = self.overflows = 0
        self.features: dict[str, float] = {}  # the latest, replaced whole: any thread may read
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self.loop, name="audio in", daemon=True)

    def tune(self, rate: float) -> None:
        """The device's sample rate, before the thread starts."""
        self.rate, self.ring, self.analyser = rate, Ring(int(RING_S * rate)), Analyser(rate)

    def hear(self, samples: np.ndarray) -> None:
        """A block of mono samples, as the stream's callback gives them (from any one thread)."""
        self.ring.write(samples)
        self.heard.set()

    def hear_block(self, indata, frames, time_info, status) -> None:
        """The stream's callback, on PortAudio's thread."""
        if status.input_overflow:
            self.overflows += 1
        self.hear(indata[:, 0])

    def loop(self) -> None:
        if self.stream is not None:
            self.stream.start()
        try:
            while not self._stop.is_set():
                self.heard.wait(WAKE_EVERY_S)
                self.heard.clear()
                while (hop := self.ring.take(HOP)) is not None:
                    self.listen(hop, time.monotonic())
        finally:
            if self._stop.is_set():
                self.close()
            elif self.stream is not None:  # a fault: the guard starts the loop again
                self.stream.stop()

    def listen(self, hop: np.ndarray, now: float) -> None:
        """One hop: analysed and mapped, or held while the voice speaks."""
        self.hops += 1
        if self.speaking():
            self.held += 1
            self.analyser.forget()  # the music after the line is no onset of its own
            return
        self.features = self.analyser.features(hop)
        for command in self.mapper.commands(self.features, HOP / self.rate, now):
            self.asked += 1
            self.commands.ask(*command)

    def stop(self) -> None:
        """Ask the thread to close its stream and end (from any thread)."""
        self._stop.set()
        self.heard.set()

    def close(self) -> None:
        if self.stream is not None:
            self.stream.close()
