"""`dreams bench --osc` (the live controls), its audio-in half: latency from a sound to the screen,
measured as the OSC and MIDI latencies are (osc.py latency_to_screen): loudness mapped to the HUD
with no smoothing, a tone and silence in turn, given to the audio-in part where a stream's
callback gives it (AudioIn.hear), a block every block's duration as a sound card does. So the
figure is the show's own path (the wait for the block to end, the analysis, the audio-in thread,
the command inbox, the main loop), not the sound card's own buffering."""

import threading
import time

import numpy as np

from engine.config import Config
from installation.bench.osc import latency_to_screen
from installation.play.audio_in import HOP, AudioIn
from installation.play.audio_map import Mapper, Route
from installation.show.assemble import open_show

RATE = 48000  # a sound card's usual rate


def run_audio_in_bench(config: Config, commands: int = 200) -> dict:
    quiet = {"enabled": False}
    config = config.with_changes("poet", **quiet).with_changes("osc", **quiet)
    config = config.with_changes("audio_in", **quiet)
    show = open_show(config, fullscreen=False, networks_limit=0, duration_s=0)
    hud = Route("loudness", "/dreams/screen/hud", 0.0, 1.0)  # a tone's 0.95 is 1, silence 0
    show.parts.audio_in = part = AudioIn(show.parts.commands, Mapper([hud]), RATE)
    tone = (0.9 * np.sin(2 * np.pi * 440 * np.arange(HOP) / RATE)).astype(np.float32)
    silence, loud, done, result = np.zeros(HOP, np.float32), [False], threading.Event(), {}

    def sound_card():
        due = time.perf_counter()
        while not done.is_set():
            due += HOP / RATE
            time.sleep(max(0.0, due - time.perf_counter()))
            part.hear(tone if loud[0] else silence)

    def client():
        while show.current is None:
            time.sleep(0.05)
        result["latency_ms"] = latency_to_screen(show, lambda on: loud.__setitem__(0, on), commands)
        done.set()
        show.stop()

    threads = [threading.Thread(target=t, daemon=True) for t in (sound_card, client)]
    for thread in threads:
        thread.start()
    show.run()
    done.set()
    for thread in threads:
        thread.join()
    median, p99 = result["latency_ms"]
    print(f"audio in bench: {commands} sounds, latency to the screen median {median:.1f} ms, "
          f"p99 {p99:.1f} ms (blocks of {HOP} at {RATE} Hz; "
          f"screen.fps {config.screen.fps})")  # fmt: skip
    return result
