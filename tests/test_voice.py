"""The voice: the real bundled Piper voice, the speakers, and the narrator's timing."""

import queue
import threading
import time

import numpy as np
import pytest

from engine.config import VoiceConfig
from engine.poet.writer import PoemLine
from engine.voice import Voice, VoiceError, number_words, speakable, voice_path
from installation.media.subtitles import Subtitles
from installation.threads import Listen, RetrySound, SetMuted, SetVolume, Skip
from installation.voice.narrator import SKIP_PAUSE_S, Narrator
from installation.voice.speaker import SoundSpeaker
from tests.conftest import run_dreams
from tests.soundkit import ends, line_sent, null_sound

LINE = "The curfew tolls the knell of parting day,"


def poem_line(text: str, last_of_stanza=False, last_of_poem=False) -> PoemLine:
    return PoemLine(text, "Title", False, last_of_stanza, last_of_poem)


def test_the_bundled_voice_speaks_a_line_at_a_requiems_pace():
    voice = Voice()
    audio = voice.speak(LINE)
    assert audio.dtype == np.float32 and voice.sample_rate == 22050
    assert np.sqrt(np.mean(audio**2)) > 0.02  # a voice, not silence
    seconds_a_word = len(audio) / voice.sample_rate / len(LINE.split())
    assert 0.2 <= seconds_a_word <= 1.2
    faster = Voice(length_scale=1.0).speak(LINE)
    assert len(faster) < len(audio)  # the default pace is slower than conversation


def test_text_is_made_speakable():
    assert speakable("O'er the wave--’tis night; call'd… [soul]") == (
        "over the wave, it is night; called, soul"
    )
    assert speakable("In 1854 and 1904, 12 men") == (
        "In eighteen fifty four and nineteen oh four, twelve men"
    )
    assert number_words(2026) == "two thousand twenty six"


@pytest.mark.slow
def test_a_missing_voice_is_a_clear_error(tmp_path):
    with pytest.raises(VoiceError, match="no Piper voice"):
        voice_path(str(tmp_path / "nobody.onnx"))
    lonely = tmp_path / "voice.onnx"
    lonely.write_bytes(b"onnx")
    with pytest.raises(VoiceError, match=r"\.onnx\.json is missing"):
        voice_path(str(lonely))
    result = run_dreams("run", "--windowed", "--set", f"voice.model={tmp_path / 'nobody.onnx'}")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "no Piper voice" in result.stderr


def start_narrator(lines: queue.Queue, **settings) -> tuple[Narrator, threading.Event]:
    stop = threading.Event()
    narrator = Narrator(VoiceConfig(device="none", **settings), lines, stop)
    narrator.thread.start()
    deadline = time.monotonic() + 30
    while narrator.speaker is None:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    return narrator, stop


@pytest.mark.slow
def test_the_silent_speaker_keeps_real_time():
    lines = queue.Queue()
    for text in (LINE, "And leaves the world to darkness and to me.", "Now fades the glimmering"):
        lines.put(poem_line(text))
    narrator, stop = start_narrator(lines, line_pause_s=0.5)
    spoken = []
    try:
        deadline = time.monotonic() + 60
        while len(spoken) < 3:
            assert time.monotonic() < deadline
            speaking = narrator.now_speaking
            if speaking is not None and (not spoken or speaking != spoken[-1]):
                spoken.append(speaking)
            time.sleep(0.005)
    finally:
        stop.set()
        narrator.thread.join(3)
    for before, after in zip(spoken, spoken[1:], strict=False):
        expected = before.duration_s + 0.5
        assert abs((after.started - before.started) - expected) < 0.05 * expected
    assert narrator.speaker is not None and narrator.lines_spoken == 3
    assert narrator.longest_wait_s < 0.05  # every line was ready in time: no silence beyond


@pytest.mark.slow
def test_a_late_line_is_counted_as_silence_beyond_the_pauses():
    lines = queue.Queue()
    lines.put(poem_line(LINE))
    narrator, stop = start_narrator(lines, line_pause_s=0.2)
    try:
        while narrator.now_speaking is None:
            time.sleep(0.01)
        time.sleep(narrator.now_speaking.duration_s + 0.2 + 1.0)  # the poet is a second late
        lines.put(poem_line("And leaves the world to darkness and to me."))
        while narrator.lines_spoken < 2:
            time.sleep(0.01)
    finally:
        stop.set()
        narrator.thread.join(3)
    assert 0.9 < narrator.longest_wait_s < 2.0


def test_the_narrator_waits_for_a_slow_poet_without_spinning():
    narrator, stop = start_narrator(queue.Queue())
    try:
        cpu = time.process_time()
        time.sleep(1.0)
        assert time.process_time() - cpu < 0.2
        assert narrator.now_speaking is None and narrator.thread.is_alive()
    finally:
        stop.set()
        narrator.thread.join(3)
    assert not narrator.thread.is_alive()


@pytest.mark.slow
def test_skip_cuts_the_line_short():
    """Skipped half way, the line ends there (its subtitle with it) and the next begins after
    a breath, not after the rest of the line and its 5 s pause."""
    lines = queue.Queue()
    lines.put(poem_line(LINE))
    lines.put(poem_line("And leaves the world to darkness and to me."))
    narrator, stop = start_narrator(lines, line_pause_s=5.0)
    try:
        while narrator.now_speaking is None:
            time.sleep(0.005)
        first = narrator.now_speaking
        time.sleep(first.duration_s / 2)  # the next line is ready by now (it takes ~0.5 s)
        asked = time.monotonic()
        narrator.inbox.send(Skip())
        while narrator.now_speaking is first:
            time.sleep(0.005)
        cut = narrator.now_speaking  # the line as cut, until the next begins
        while narrator.now_speaking.text == LINE:
            assert time.monotonic() < asked + 10
            time.sleep(0.005)
        following = narrator.now_speaking
    finally:
        stop.set()
        narrator.thread.join(3)
    # it stops when skipped, and the next follows after a breath: a listener hears half a
    # second either way as the skip (the bounds leave a busy machine its slack)
    assert cut.text == LINE and asked <= cut.ends < asked + 0.5
    assert following.started - cut.ends == pytest.approx(SKIP_PAUSE_S, abs=0.25)


@pytest.mark.slow
def test_the_real_speaker_sends_each_line_at_its_volume_and_silence_when_muted(tmp_path):
    """Through PortAudio to a sound card (ALSA's null sink): the samples that reach it are the
    line's audio at volume 1, a quarter of it at volume 0.25, and silence, as long, muted."""
    lines, heard, stop = queue.Queue(), queue.Queue(), threading.Event()
    sent = {}
    with null_sound(tmp_path) as card:
        narrator = Narrator(VoiceConfig(length_scale=1.0, line_pause_s=0.3), lines, stop)
        narrator.inbox.send(Listen(heard))
        narrator.thread.start()
        try:
            for volume, muted in ((1.0, False), (0.25, False), (0.25, True)):
                narrator.inbox.send(SetVolume(volume))
                narrator.inbox.send(SetMuted(muted))
                lines.put(poem_line("Now fades the glimmering landscape on the sight,"))
                line = heard.get(timeout=60)
                card.wait_past(ends(line) + 0.2)
                taken = card.written(line.started, ends(line) + 0.2)
                sent[volume, muted] = line.audio, line_sent(card, line, ends(line) + 0.2), taken
            assert isinstance(narrator.speaker, SoundSpeaker) and not narrator.speaker.lost
        finally:
            stop.set()
            narrator.thread.join(3)
    audio, full, _ = sent[1.0, False]
    assert np.sqrt(np.mean(audio**2)) > 0.02  # a voice
    assert np.array_equal(full, audio)  # every sample, as it was spoken
    audio, quarter, _ = sent[0.25, False]
    assert np.abs(quarter).max() == pytest.approx(0.25 * np.abs(full).max(), rel=0.02)
    assert np.allclose(quarter, 0.25 * audio, atol=1e-6)
    audio, _, taken = sent[0.25, True]
    assert len(taken) >= len(audio)  # the card was fed for the whole line,
    assert np.abs(taken).max() == 0.0  # and with silence


@pytest.mark.slow
def test_asking_for_sound_again_opens_a_new_speaker():
    lines = queue.Queue()
    narrator, stop = start_narrator(lines, line_pause_s=0.1)
    try:
        first = narrator.speaker
        narrator.inbox.send(RetrySound())
        lines.put(poem_line(LINE))
        deadline = time.monotonic() + 30
        while narrator.lines_spoken < 1:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        assert narrator.speaker is not first  # opened anew ("none" here: silent again)
    finally:
        stop.set()
        narrator.thread.join(3)


def test_without_a_voice_each_line_is_a_subtitle_for_line_s():
    """voice.enabled = false: each line on screen for poet.line_s, faded in and out, then the
    next; a poem's last line leaves as long again of quiet before the next poem."""
    last = "And leaves the world to darkness and to me."
    lines = [poem_line(LINE), poem_line(last, last_of_poem=True), poem_line("Now fades the")]
    subtitles = Subtitles(4.0)
    take = lambda: lines.pop(0) if lines else None  # noqa: E731
    assert subtitles.at(0.0, take) == (LINE, 0.0)  # fading in
    assert subtitles.at(2.0, take) == (LINE, 1.0)
    assert subtitles.at(3.9, take)[0] == LINE
    assert subtitles.at(4.0, take)[0] == last  # line_s on: the next line
    assert subtitles.at(10.0, take) == (None, 0.0)  # the poem's end: quiet
    assert subtitles.at(12.0, take)[0] == "Now fades the"
