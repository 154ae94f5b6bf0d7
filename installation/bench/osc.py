"""`dreams bench --osc`: OSC latency to the screen, and the frame rate under a flood."""

import socket
import threading
import time

import numpy as np
from pythonosc.osc_message_builder import build_msg

from engine.config import Config
from installation.show.assemble import open_show


def run_osc_bench(config: Config, seconds: float, commands: int = 200) -> dict:
    """Latency from an OSC command to the first frame flipped with its effect, and the frame
    rate while a client floods at 10,000 messages a second, against the same show unflooded."""
    config = config.with_changes("poet", enabled=False).with_changes("osc", port=0)
    show = open_show(config, fullscreen=False, networks_limit=0, duration_s=0)
    target = ("127.0.0.1", show.osc.port)
    result: dict = {}

    def fps_over(span: float) -> float:
        frames, started = show.frames_drawn, time.perf_counter()
        time.sleep(span)
        return (show.frames_drawn - frames) / (time.perf_counter() - started)

    def client():
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        while show.current is None:
            time.sleep(0.05)
        result["latency_ms"] = latency_to_screen(
            show, lambda on: sock.sendto(build_msg("/dreams/screen/hud", [int(on)]).dgram, target),
            commands,
        )  # fmt: skip
        result["fps_calm"] = fps_over(seconds)
        stop = threading.Event()

        def flood():
            message = build_msg("/dreams/screen/grain", [0.05]).dgram
            due = time.perf_counter()
            while not stop.is_set():
                for _ in range(100):
                    sock.sendto(message, target)
                due += 0.01  # 100 every 10 ms: 10,000 a second
                time.sleep(max(0.0, due - time.perf_counter()))

        flooder = threading.Thread(target=flood, daemon=True)
        flooder.start()
        sent_before = show.osc.received + show.osc.gate.dropped
        result["fps_flood"] = fps_over(seconds)
        stop.set()
        flooder.join()
        result["flood_per_s"] = (show.osc.received + show.osc.gate.dropped - sent_before) / seconds
        show.stop()

    thread = threading.Thread(target=client, daemon=True)
    thread.start()
    show.run()
    thread.join()
    _report(result, commands, config.screen.fps)
    return result


def latency_to_screen(show, set_hud, commands: int) -> np.ndarray:
    """Median and p99 in ms from `set_hud(on)` (a command: the HUD off, on, off...) to the first
    frame flipped with its effect, each visible on the next frame; from another thread than the
    show's, once it shows networks."""
    latencies = []
    for i in range(commands):
        wanted = i % 2 == 1
        sent = time.monotonic()  # the clock of show.last_frame
        set_hud(wanted)
        while not (show.last_frame[1] == wanted and show.last_frame[0] >= sent):
            time.sleep(0.0002)
        latencies.append(show.last_frame[0] - sent)
        time.sleep(0.03)
    return np.percentile(latencies, [50, 99]) * 1000


def _report(result: dict, commands: int, fps: int | str) -> None:
    median, p99 = result["latency_ms"]
    print(f"osc bench: {commands} commands, latency to the screen median {median:.1f} ms, "
          f"p99 {p99:.1f} ms (screen.fps {fps})")  # fmt: skip
    print(f"frames/s calm {result['fps_calm']:.1f}, under a flood of "
          f"{result['flood_per_s']:,.0f} messages/s {result['fps_flood']:.1f} "
          f"({result['fps_flood'] / result['fps_calm']:.2f} x calm)")  # fmt: skip
