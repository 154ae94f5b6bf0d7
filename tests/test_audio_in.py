"""Audio in: the analysis on generated signals (fed where the stream's callback would feed them:
there is no sound card here), the mapping's range, smoothing and rate, a bad mapping file and a
machine with no input device, each one line, and the sound moving the running show."""

import logging
import math
import threading
import time
import types

import numpy as np
import pytest

from engine.config import AudioInConfig
from installation.play.audio_in import (
    HOP,
    RING_S,
    VOICE_TAIL_S,
    Analyser,
    AudioIn,
    Ring,
    open_audio_in,
    voice_speaking,
)
from installation.play.audio_map import MOST_PER_S, Mapper, Route, load_mapping
from installation.threads import Inbox
from installation.voice.narrator import Narration, SpokenLine
from tests.showkit import open_test_show, run_with, tiny_poet, when

RATE = 48000


def hops(signal: np.ndarray):
    return [signal[i : i + HOP] for i in range(0, len(signal) - HOP + 1, HOP)]


def sine(hz: float, seconds: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * RATE)) / RATE
    return (amplitude * np.sin(2 * np.pi * hz * t)).astype(np.float32)


def test_a_click_track_gives_onsets_at_its_clicks():
    clicks = list(range(700, 4 * RATE, 11111))  # at every place in a hop, early and late
    track = np.zeros(4 * RATE, np.float32)
    track[clicks] = 1.0
    analyser = Analyser(RATE)
    onsets = [n for n, hop in enumerate(hops(track)) if analyser.features(hop)["onset"]]
    assert len(onsets) == len(clicks)
    for click, onset in zip(clicks, onsets, strict=True):
        assert onset - click // HOP in (0, 1)  # the click's hop, or the next: within a block


@pytest.mark.parametrize("hz, band", [(100, "low"), (1000, "mid"), (6000, "high")])
def test_a_sines_energy_lands_in_its_band(hz, band):
    analyser = Analyser(RATE)
    features = [analyser.features(hop) for hop in hops(sine(hz, 0.5))][-1]
    assert features[band] > 0.8  # -9 dB of a half-scale sine, on a 60 dB scale
    assert all(features[other] < 0.05 for other in ("low", "mid", "high") if other != band)
    assert features["loudness"] > 0.8


def test_silence_gives_nothing():
    analyser = Analyser(RATE)
    for hop in hops(np.zeros(RATE, np.float32)):
        assert analyser.features(hop) == dict(loudness=0, low=0, mid=0, high=0, onset=0)


def test_a_step_in_loudness_reaches_63_percent_after_one_time_constant_within_its_range():
    route = Route("loudness", "/dreams/screen/zoom", low=1.0, high=3.0, attack_s=0.5,
                  release_s=0.5)  # fmt: skip
    mapper, sent, dt = Mapper([route]), [], HOP / RATE
    for n in range(round(0.5 / dt)):  # one time constant of a step from 0 to 1
        sent += mapper.commands({"loudness": 1.0}, dt, now=n)  # a second apart: none held back
    assert sent[-1][0] == "zoom"
    assert sent[-1][1] == pytest.approx(1.0 + 2.0 * (1 - math.exp(-1)), abs=0.05)
    for n in range(round(5 / dt)):
        sent += mapper.commands({"loudness": 1.0}, dt, now=1000 + n)
    values = [value for _, value in sent]
    assert values == sorted(values) and 1.0 <= values[0] and values[-1] <= 3.0
    assert values[-1] == pytest.approx(3.0, abs=0.01)


def test_the_curve_bends_the_feature_before_its_range():
    dt = HOP / RATE
    curved = Mapper([Route("loudness", "/dreams/screen/zoom", 1.0, 3.0, curve=2.0)])
    assert curved.commands({"loudness": 0.5}, dt, now=0) == [("zoom", pytest.approx(1.5))]
    linear = Mapper([Route("loudness", "/dreams/screen/zoom", 1.0, 3.0)])
    assert linear.commands({"loudness": 0.5}, dt, now=0) == [("zoom", pytest.approx(2.0))]


def test_an_address_without_argument_fires_once_each_time_the_feature_rises_past_a_half():
    mapper, dt = Mapper([Route("onset", "/dreams/dream/next", 0.0, 1.0)]), HOP / RATE
    levels = [0.45] * 20 + [1.0] * 40 + [0.0] * 20 + [1.0] * 40  # a second between changes
    fired = [mapper.commands({"onset": level}, dt, now=n) for n, level in enumerate(levels)]
    assert [n for n, asked in enumerate(fired) if asked] == [20, 80]
    assert fired[20] == [("next_dream", None)]


def test_a_mapping_sends_at_most_30_a_second_and_only_on_change():
    mapper, dt = Mapper([Route("loudness", "/dreams/screen/grain", 0.0, 1.0)]), HOP / RATE
    changing = [mapper.commands({"loudness": (n % 7) / 7}, dt, now=n * dt) for n in range(470)]
    assert 20 * 10 < sum(map(len, changing)) <= MOST_PER_S * 10 + 1  # 10 s: every other hop
    still = [mapper.commands({"loudness": 0.5}, dt, now=100 + n * dt) for n in range(470)]
    assert sum(map(len, still)) == 1  # once to its place, then nothing


def test_the_voice_speaking_holds_the_mappings_still():
    commands = Inbox()
    part = AudioIn(commands, Mapper([Route("loudness", "/dreams/screen/grain", 0.0, 1.0)]))
    part.speaking = lambda: True
    for hop in hops(sine(1000, 0.5)):
        part.listen(hop, now=0.0)
    assert commands.drain() == [] and part.held == part.hops > 0


def test_the_voice_is_heard_from_its_line_until_the_rooms_echo_ends():
    narrator = types.SimpleNamespace(now_speaking=None)  # what the narrator publishes
    speaking = voice_speaking(narrator)
    assert not speaking()
    silence = np.zeros(4410, np.float32)  # a tenth of a second at 44100 Hz: only its time counts
    narrator.now_speaking = SpokenLine("Into the dark.", time.monotonic(), 0.2, silence, 44100, 1.0)
    assert speaking()
    time.sleep(0.25)  # the line has ended; its echo in the room has not
    assert speaking()
    time.sleep(VOICE_TAIL_S)
    assert not speaking()


def test_the_ring_is_bounded_and_a_late_reader_skips_ahead():
    ring = Ring(int(RING_S * RATE))
    for _ in range(10):  # five rings' worth, never read: the callback never waits
        ring.write(sine(1000, 1.0))
    assert ring.take(HOP) is not None and ring.lost > 0
    assert ring.written - ring.read <= len(ring.samples)


@pytest.mark.parametrize("text, said", [
    ("[[map]]\nfeature = 'loudness'\naddress = '/dreams/nowhere'\n", "not an address"),
    ("[[map]]\nfeature = 'tempo'\naddress = '/dreams/screen/zoom'\n", "feature = 'tempo'"),
    ("[[map]]\nfeature = 'low'\naddress = '/dreams/film/source'\n", "takes a string"),
    ("[[map]]\nfeature = 'low'\naddress = '/dreams/screen/zoom'\nrange = [0, 9]\n", "within 0"),
    ("[[map]]\nfeature = 'low'\naddress = '/dreams/screen/zoom'\nsmoothing_s = -1\n", "smoothing"),
    ("[[map]\n", "cannot be read"),
])  # fmt: skip
def test_a_mapping_that_is_not_valid_is_one_line(tmp_path, caplog, text, said):
    path = tmp_path / "audio.toml"
    path.write_text(text)
    config = AudioInConfig(enabled=True, mapping=str(path))
    assert open_audio_in(config, Inbox(), tmp_path) is None
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("audio in:")]
    assert len(lines) == 1 and said in lines[0] and str(path) in lines[0]


@pytest.mark.parametrize("device", ["", "no such microphone"])  # the default input, or a name
def test_no_input_device_is_one_line_and_no_thread(tmp_path, caplog, device):
    caplog.set_level(logging.INFO)
    (tmp_path / "audio.toml").write_text(
        '[[map]]\nfeature = "low"\naddress = "/dreams/screen/zoom"\n'
    )
    assert load_mapping(tmp_path / "audio.toml")  # the mapping is good: the device is missing
    if device == "" and _has_an_input():
        pytest.skip("this machine has an input device")
    config = AudioInConfig(enabled=True, device=device)
    assert open_audio_in(config, Inbox(), tmp_path) is None
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("audio in:")]
    assert len(lines) == 1 and "no input device" in lines[0]
    assert "audio in" not in [thread.name for thread in threading.enumerate()]


def _has_an_input() -> bool:
    try:
        import sounddevice

        return any(d["max_input_channels"] for d in sounddevice.query_devices())
    except (OSError, ImportError):
        return False


def play(part: AudioIn, signal: np.ndarray) -> None:
    """The signal given as a sound card's callback gives it: a block each block's duration."""
    for block in hops(signal):
        part.hear(block)
        time.sleep(HOP / RATE)


@pytest.mark.slow
def test_the_music_moves_the_zoom_of_the_running_show(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    route = Route("mid", "/dreams/screen/zoom", 0.5, 2.5, attack_s=0.05, release_s=0.05)
    show.parts.audio_in = AudioIn(show.parts.commands, Mapper([route]), RATE)  # as open_show does
    zoom = lambda: show.screen.look.zoom  # noqa: E731

    def actions():
        when(lambda: show.current is not None)
        play(show.audio_in, sine(1000, 0.5, 1.0))  # half a second of a tone, then silence
        when(lambda: zoom() > 2.3, 10)
        play(show.audio_in, np.zeros(RATE // 2, np.float32))
        when(lambda: zoom() < 0.7, 10)
        assert 0.5 <= zoom() <= 2.5

    run_with(show, actions)


@pytest.mark.parametrize("mute", [True, False])
def test_the_shows_own_voice_holds_audio_in_still_unless_told_not_to(
    tmp_path, shapes_film, poet_cache, tiny_model_dir, monkeypatch, mute
):
    """audio_in.mute_while_speaking: the show's narrator, speaking a line, holds the mappings
    still; set false (a line in from a mixer without the voice), the music is heard throughout."""
    opened = []

    def open_here(config, commands, folder):  # the input device this machine lacks
        opened.append(AudioIn(commands, Mapper([Route("mid", "/dreams/screen/grain", 0, 1)]), RATE))
        return opened[0]

    monkeypatch.setattr("installation.show.assemble.open_audio_in", open_here)
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", *tiny_poet(poet_cache, tiny_model_dir),
        "audio_in.enabled=true", f"audio_in.mute_while_speaking={str(mute).lower()}",
    )  # fmt: skip
    assert show.audio_in is opened[0]
    line = SpokenLine("Into the dark.", time.monotonic(), 5.0, np.zeros(1), 44100, 1.0)
    show.narrator.said.put(Narration(line))  # as the narrator publishes a line it speaks
    heard = show.audio_in.speaking()
    show.narrator.said.put(Narration())  # the narrator's own again
    run_with(show, lambda: when(lambda: show.narrator.speaker is not None))  # its voice loaded
    assert heard is mute
