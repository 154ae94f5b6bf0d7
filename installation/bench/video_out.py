"""`dreams bench --video-out`: the live show's frame rate and networks per second with NDI video
out on (a receiver connected and taking every frame, in this process, as a VJ's machine would
be across the network) against the same show with it off, one after the other in one run."""

import os
import socket
import threading
import time

import psutil

from engine.config import Config
from installation.show.assemble import open_show

SETTLE_S = 2.0  # after the first network: the first steps and the receiver's connection


def listening_ports() -> set[int]:
    """The TCP ports this process listens on (empty where the system will not say)."""
    try:
        connections = psutil.Process().net_connections(kind="tcp")
    except (psutil.Error, OSError):
        return set()
    return {c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN}


NDI_MESSAGING_PORT = 5960  # NDI's own server, opened with a process's first source


def source_port(opened: set[int]) -> int | None:
    """The port an NDI source listens on, among those its opening opened: the lowest above
    NDI's messaging port (sources take 5961 and up; a process that has received NDI may also
    open a listener on a passing high port, which is not the source)."""
    ports = [port for port in opened if port > NDI_MESSAGING_PORT]
    return min(ports) if ports else None


class Receiver:
    """An NDI receiver on its own thread, taking (and freeing) every frame it is sent: by URL
    where this process's ports can be read (the source's own: source_port), else by name."""

    def __init__(self, name: str, ports: set[int]):
        import NDIlib as ndi

        ndi.initialize()
        self.ndi, self.frames, self.stop = ndi, 0, threading.Event()
        settings = ndi.RecvCreateV3()
        settings.color_format = ndi.RECV_COLOR_FORMAT_RGBX_RGBA
        self.receiver = ndi.recv_create_v3(settings)
        source = ndi.Source()
        if source_port(ports):
            source.url_address = f"127.0.0.1:{source_port(ports)}"
        else:
            source.ndi_name = f"{socket.gethostname().upper()} ({name})"
        ndi.recv_connect(self.receiver, source)
        self.thread = threading.Thread(target=self._take, name="ndi receiver", daemon=True)
        self.thread.start()

    def _take(self) -> None:
        ndi = self.ndi
        while not self.stop.is_set():
            kind, video, _, _ = ndi.recv_capture_v2(self.receiver, 100)
            if kind == ndi.FRAME_TYPE_VIDEO:
                self.frames += 1
                ndi.recv_free_video_v2(self.receiver, video)

    def close(self) -> None:
        self.stop.set()
        self.thread.join()
        self.ndi.recv_destroy(self.receiver)


def _measure(config: Config, seconds: float) -> dict:
    before = listening_ports()
    show = open_show(config, fullscreen=False, networks_limit=0, duration_s=0)
    receiver = None
    if config.video_out.enabled:
        receiver = Receiver(config.video_out.name, listening_ports() - before)
    row: dict = {"video_out": config.video_out.enabled, "received_per_s": 0.0, "dropped": 0}

    def watch():
        while show.current is None and not show.stop_requested.is_set():
            time.sleep(0.05)
        time.sleep(SETTLE_S)
        figures = show.dreaming.figures  # the trainer's, published
        frames, number, started = show.frames_drawn, figures.latest().number, time.perf_counter()
        got = receiver.frames if receiver else 0
        time.sleep(seconds)
        elapsed = time.perf_counter() - started
        row["frames_per_s"] = (show.frames_drawn - frames) / elapsed
        row["networks_per_s"] = (figures.latest().number - number) / elapsed
        if receiver is not None:
            row["received_per_s"] = (receiver.frames - got) / elapsed
        show.stop()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    show.run()
    thread.join()
    if receiver is not None:
        receiver.close()
        row["dropped"] = show.video_out.dropped
    return row


def run_video_out_bench(config: Config, seconds: float, rounds: int = 2) -> dict:
    """Off, on, off, on...: `rounds` of each, `seconds` a turn, so that a neighbour's load on a
    shared machine falls on both sides."""
    # the dreams and the screen alone: the poet's pace varies
    config = config.with_changes("poet", enabled=False).with_changes("osc", port=0)
    config = config.with_changes("state", enabled=False)
    config = config.with_changes("video_out", name=f"Dreams bench {os.getpid()}")
    turns: dict[bool, list[dict]] = {False: [], True: []}
    for _ in range(rounds):
        for enabled in (False, True):
            turn = config.with_changes("video_out", enabled=enabled)
            turns[enabled].append(_measure(turn, seconds))
    off, on = (_mean(turns[enabled]) for enabled in (False, True))
    window = f"{config.screen.window_width}x{config.screen.window_height}"
    result = {"seconds": seconds, "rounds": rounds, "window": window,
              "screen_fps": config.screen.fps, "off": off, "on": on, "turns": turns}  # fmt: skip
    print(
        f"video out bench ({window} window, screen.fps {config.screen.fps}, {rounds} x "
        f"{seconds:g} s each way): frames/s off {off['frames_per_s']:.1f}, NDI on "
        f"{on['frames_per_s']:.1f} ({on['frames_per_s'] / off['frames_per_s']:.2f} x); "
        f"networks/s off {off['networks_per_s']:.2f}, on {on['networks_per_s']:.2f} "
        f"({on['networks_per_s'] / max(off['networks_per_s'], 1e-9):.2f} x); received "
        f"{on['received_per_s']:.1f} frames/s, {on['dropped']:.0f} dropped a turn",
        flush=True,
    )
    return result


def _mean(rows: list[dict]) -> dict:
    return {key: sum(row[key] for row in rows) / len(rows) for key in rows[0] if key != "video_out"}
