"""`dreams bench --osc` (the live controls), its MIDI half: latency from a MIDI message to the
screen, measured as the OSC latency is (osc.py latency_to_screen): a CC mapped to the HUD, toggled,
each message given to the MIDI part where a port's callback gives it (Midi.hear), so the figure is
the show's own path (the MIDI thread, the command inbox, the main loop), not the USB cable's."""

import tempfile
import threading
import time
from pathlib import Path

import mido

from engine.config import Config
from installation.bench.osc import latency_to_screen
from installation.play.midi import Midi
from installation.show.assemble import open_show

HUD_CC = 1


def run_midi_bench(config: Config, commands: int = 200) -> dict:
    config = config.with_changes("poet", enabled=False).with_changes("osc", enabled=False)
    with tempfile.TemporaryDirectory(prefix="dreams-midi-bench-") as folder:
        mapping = Path(folder) / "midi.toml"
        mapping.write_text(f'[cc.{HUD_CC}]\naddress = "/dreams/screen/hud"\n')
        config = config.with_changes("midi", mapping=str(mapping))
        show = open_show(config, fullscreen=False, networks_limit=0, duration_s=0)
        if show.midi is None:  # no MIDI system here: the same part, with no inputs to open
            show.parts.midi = Midi("", show.parts.commands, mapping)
            show.parts.midi.rescan_s = None  # no system to list inputs from
        midi, result = show.midi, {}

        def client():
            while show.current is None:
                time.sleep(0.05)
            result["latency_ms"] = latency_to_screen(
                show, lambda on: midi.hear(_hud_message(on)), commands
            )
            show.stop()

        thread = threading.Thread(target=client, daemon=True)
        thread.start()
        show.run()
        thread.join()
    median, p99 = result["latency_ms"]
    print(f"midi bench: {commands} messages, latency to the screen median {median:.1f} ms, "
          f"p99 {p99:.1f} ms (screen.fps {config.screen.fps})")  # fmt: skip
    return result


def _hud_message(on: bool) -> mido.Message:
    return mido.Message("control_change", control=HUD_CC, value=127 if on else 0)
