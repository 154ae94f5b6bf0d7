"""The narrator: a thread that takes the poet's lines, synthesises the next while the current one
plays, and publishes what is being spoken (text, start, length) for the subtitles, with its
count of lines, as a Narration in a latest-value slot, and each line
heard (with its audio) to whoever listens through a bounded queue (a live recording). Time is kept
by the clock, not by the sound card. Other threads ask for a volume, a mute, a skip or a listener
through its inbox; it applies them between lines and while it waits. Resting (the gallery is
closed), it finishes the line it speaks and begins no other until asked to go on."""

import logging
import queue
import threading
import time
from dataclasses import dataclass, replace

import numpy as np

from engine.config import VoiceConfig
from engine.poet.writer import PoemLine
from engine.voice import Voice
from installation.threads import (
    Inbox,
    LatestSlot,
    Listen,
    RetrySound,
    SetMuted,
    SetResting,
    SetVolume,
    Skip,
    Unlisten,
)
from installation.voice.speaker import SilentSpeaker, open_speaker

log = logging.getLogger(__name__)

SKIP_PAUSE_S = 0.3  # the breath after a line that was cut short
LEAD_WAIT_S = 40.0  # at most this long the voice waits for its lead once a line is ready


@dataclass(frozen=True)
class SpokenLine:
    """A line of verse as the voice speaks it (a PoemLine once voiced): its audio, when and how
    long it is heard, at what gain. The show's narrator publishes it (subtitles, OSC, the status
    page) and hands it to listeners (a live recording); a cut places it on its timeline."""

    text: str
    started: float  # when the voice begins: time.monotonic() in the show, picture time in a cut
    duration_s: float  # how long it is heard (less than the audio's length once skipped)
    audio: np.ndarray
    sample_rate: int
    gain: float  # the volume it began at (0 when muted)

    @property
    def ends(self) -> float:
        return self.started + self.duration_s

    def same_line(self, other: "SpokenLine | None") -> bool:
        """The same line spoken at the same moment (a skip publishes it again, shorter)."""
        return other is not None and (other.text, other.started) == (self.text, self.started)


@dataclass(frozen=True)
class Narration:
    """The narrator's figures: the line it speaks (None before the first), the lines spoken,
    and the longest silence beyond the configured pauses (the poet fell behind)."""

    speaking: SpokenLine | None = None
    lines_spoken: int = 0
    longest_wait_s: float = 0.0


class Narrator:
    def __init__(self, config: VoiceConfig, lines: queue.Queue, stop: threading.Event, lead=1):
        self.config, self._lines, self._stop = config, lines, stop
        self.lead = lead  # lines written ahead before the first is spoken
        self.lead_wait_s = LEAD_WAIT_S
        self.said = LatestSlot(Narration())  # put here only, read by any thread
        self.inbox = Inbox()  # SetVolume, SetMuted, Skip, RetrySound, Listen, Unlisten, SetResting
        self.listeners_dropped = 0  # lines a full listener's queue could not take
        self._listeners: list[queue.Queue] = []
        self.lines_spoken = 0
        self.longest_wait_s = 0.0  # silence beyond the configured pauses: the poet fell behind
        self.volume, self.muted = config.volume, False
        self.resting = False  # written here only (doors.py asks for it with SetResting)
        self.speaker = None
        self._free_at = 0.0  # when the next line may begin
        self._retry_sound = False
        self.thread = threading.Thread(target=self.loop, name="narrator", daemon=True)

    @property
    def now_speaking(self) -> SpokenLine | None:
        """The line being spoken (or the last), as published: for any thread."""
        return self.said.latest().speaking

    def _publish(self, speaking: SpokenLine | None) -> None:
        self.said.put(Narration(speaking, self.lines_spoken, self.longest_wait_s))

    # ---- requests, applied on the narrator's thread ----------------------------------------

    def _apply_requests(self) -> None:
        for request in self.inbox.drain():
            match request:  # the messages of installation/threads.py that the narrator takes
                case SetVolume(volume):
                    self.volume = min(max(volume, 0.0), 2.0)
                case SetMuted(muted):
                    self.muted = bool(muted)
                case Skip():
                    self._skip()
                case RetrySound():
                    self._retry_sound = True  # the device is opened again before the next line
                case Listen(heard):
                    self._listeners.append(heard)
                case Unlisten(heard) if heard in self._listeners:
                    self._listeners.remove(heard)
                case SetResting(resting):
                    self.resting = bool(resting)
        self._apply_gain()

    def _skip(self) -> None:
        """Cut the line being spoken short and go on to the next."""
        now = time.monotonic()
        speaking = self.now_speaking
        if speaking is not None and now < speaking.ends:
            self._publish(replace(speaking, duration_s=now - speaking.started))
        if self.speaker is not None:
            self.speaker.stop_line()
        self._free_at = min(self._free_at, now + SKIP_PAUSE_S)

    def _apply_gain(self) -> None:
        if self.speaker is not None:
            self.speaker.gain = 0.0 if self.muted else self.volume

    # ---- the thread ---------------------------------------------------------------------------

    def loop(self) -> None:
        config = self.config
        voice = Voice(config.model, config.length_scale, config.noise_scale, config.noise_w)
        self.speaker = open_speaker(voice.sample_rate, config.device)
        self._apply_gain()
        log.info("voice: %s on %s", voice.name, self.speaker.name)
        try:
            self._wait_for_lead()
            while not self._stop.is_set():
                line = self._next_line()
                if line is None:
                    continue
                audio = voice.speak(line.text)  # while the line before is still playing
                if not self._wait_until_free():
                    return
                started = time.monotonic()
                if self.lines_spoken:  # how long after its time this line began
                    self.longest_wait_s = max(self.longest_wait_s, started - self._free_at)
                self._say(line, audio, voice.sample_rate, started)
        finally:
            self.speaker.close()

    def _wait_for_lead(self) -> None:
        """The voice begins once the poet is `lead` lines ahead (or its queue is full), so that
        a poet who writes about as fast as the voice reads never leaves it waiting mid-poem; but
        no later than `lead_wait_s` after it started, once a line is ready: a slow poet (a busy
        CPU: 20 s a line) is heard within a minute of the start, and waits between lines."""
        began = time.monotonic()
        while (
            not self._stop.is_set() and self._lines.qsize() < self.lead and not self._lines.full()
        ):
            if self._lines.qsize() and time.monotonic() - began >= self.lead_wait_s:
                return
            self._apply_requests()
            self._stop.wait(0.1)

    def _next_line(self) -> PoemLine | None:
        self._apply_requests()
        try:
            return self._lines.get(timeout=0.05)  # blocks: a slow poet costs little CPU here
        except queue.Empty:
            return None

    def _wait_until_free(self) -> bool:
        """Wait out the line being spoken and its pause; False once the show stops."""
        while not self._stop.is_set():
            self._apply_requests()
            delay = self._free_at - time.monotonic()
            if delay <= 0 and not self.resting:  # resting, the next line waits for the opening
                return True
            self.inbox.arrived.wait(min(max(delay, 0.05), 0.2))
        return False

    def _say(self, line: PoemLine, audio: np.ndarray, sample_rate: int, started: float) -> None:
        if self._retry_sound:
            self._retry_sound = False
            self.speaker.close()
            self.speaker = open_speaker(sample_rate, self.config.device)
            self._apply_gain()
            log.info("voice: now on %s", self.speaker.name)
        if self.speaker.lost:
            log.warning("voice: the sound device is gone; speaking silently, in real time")
            self.speaker.close()
            self.speaker = SilentSpeaker()
            self._apply_gain()
        duration = len(audio) / sample_rate
        if not self.lines_spoken:  # the wait for the poet is over (BENCHMARKS.md times it)
            log.info("voice: the first line is spoken: %s", line.text)
        self.speaker.play(audio)
        gain = 0.0 if self.muted else self.volume
        spoken = SpokenLine(line.text, started, duration, audio, sample_rate, gain)
        self._free_at = started + duration + pause_after(self.config, line)
        self.lines_spoken += 1
        self._publish(spoken)
        for listener in self._listeners:
            try:
                listener.put_nowait(spoken)
            except queue.Full:
                self.listeners_dropped += 1


def pause_after(config: VoiceConfig, line: PoemLine) -> float:
    """The silence after a line: longer after a stanza, longest after a poem."""
    if line.last_of_poem:
        return config.poem_pause_s
    if line.last_of_stanza:
        return config.stanza_pause_s
    return config.line_pause_s
