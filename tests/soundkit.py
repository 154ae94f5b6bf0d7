"""A sound card for tests: PortAudio on ALSA's null sink, in this process, with every block of
samples the real speaker hands it kept, so that a test hears what the audience would."""

import contextlib
import os
import threading
import time

import numpy as np

ALSA = "ALSA_CONFIG_PATH"
NULL_SINK = '</usr/share/alsa/alsa.conf>\npcm.!default { type plug slave.pcm "null" }\n'


class SoundCard:
    """What reached the card: (time.monotonic() when written, samples) for each block."""

    def __init__(self):
        self.blocks: list[tuple[float, np.ndarray]] = []
        self._lock = threading.Lock()

    def keep(self, samples: np.ndarray) -> None:
        with self._lock:
            self.blocks.append((time.monotonic(), samples.copy()))

    def written(self, start: float, end: float) -> np.ndarray:
        """The samples written from `start` to `end`, in order."""
        with self._lock:
            parts = [samples for at, samples in self.blocks if start <= at < end]
        return np.concatenate(parts) if parts else np.zeros(0, np.float32)

    def wait_past(self, t: float, timeout: float = 30.0) -> None:
        """Until the card has taken a block after time `t`."""
        deadline = time.monotonic() + timeout
        while not (self.blocks and self.blocks[-1][0] > t):
            assert time.monotonic() < deadline, "the sound card took nothing more"
            time.sleep(0.01)


def line_sent(card: SoundCard, heard, until: float) -> np.ndarray:
    """What the card took of a heard line (narrator.SpokenLine), from its start to `until`, aligned
    with the line's audio (first sound on first sound): as long as the audio, zeros where none."""
    taken, audio = card.written(heard.started, until), heard.audio
    sound = np.flatnonzero(taken)
    offset = sound[0] - np.flatnonzero(audio)[0] if len(sound) else 0
    sent = taken[max(offset, 0) : max(offset, 0) + len(audio)]
    return np.pad(sent, (0, len(audio) - len(sent)))


@contextlib.contextmanager
def null_sound(folder):
    """The default sound device is ALSA's null sink while inside: PortAudio lists the devices
    anew on the way in and out. The card is paced in real time, like a real one (the null sink
    would take samples as fast as the speaker can write them)."""
    import sounddevice

    config = folder / "asound.conf"
    config.write_text(NULL_SINK)
    card, real_stream, before = SoundCard(), sounddevice.OutputStream, os.environ.get(ALSA)

    class CardStream(real_stream):
        def __init__(self, *args, callback, samplerate, **kwargs):
            start, taken = time.monotonic(), [0]

            def feed(out, frames, time_info, status):
                callback(out, frames, time_info, status)  # the speaker writes the block
                card.keep(out[:, 0])
                taken[0] += frames
                time.sleep(max(start + taken[0] / samplerate - time.monotonic(), 0.0))

            super().__init__(*args, callback=feed, samplerate=samplerate, **kwargs)

    os.environ[ALSA] = str(config)
    sounddevice._terminate()  # PortAudio lists its devices only as it starts
    sounddevice._initialize()
    sounddevice.OutputStream = CardStream
    try:
        yield card
    finally:
        sounddevice.OutputStream = real_stream
        if before is None:
            os.environ.pop(ALSA, None)
        else:
            os.environ[ALSA] = before
        sounddevice._terminate()
        sounddevice._initialize()


def next_heard(heard, gain: float, timeout: float = 60.0):
    """The next line a narrator's listener hears that began at `gain` (0 when muted)."""
    deadline = time.monotonic() + timeout
    while True:
        line = heard.get(timeout=max(deadline - time.monotonic(), 0.01))
        if line.gain == gain:
            return line


def ends(heard) -> float:
    """When a heard line's audio ends (time.monotonic())."""
    return heard.started + len(heard.audio) / heard.sample_rate
