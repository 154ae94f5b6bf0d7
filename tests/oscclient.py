"""An OSC client for the tests: a listener for the show's state, a sender, and random
packets (malformed, out of range, bit-flipped) for fuzzing."""

import random
import socket
import threading

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message import OscMessage
from pythonosc.osc_message_builder import build_msg
from pythonosc.osc_server import ThreadingOSCUDPServer


class Listener:
    """A test client that receives the show's state."""

    def __init__(self):
        self.messages: list[tuple] = []
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(
            lambda address, *args: self.messages.append((address, *args))
        )
        self.server = ThreadingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def got(self, address: str) -> list[tuple]:
        return [m[1:] for m in list(self.messages) if m[0] == address]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def sender(host: str = "127.0.0.1") -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((host, 0))
    sock.settimeout(5)
    return sock


def send(sock: socket.socket, port: int, address: str, *args) -> None:
    sock.sendto(build_msg(address, list(args)).dgram, ("127.0.0.1", port))


def ping(sock: socket.socket, port: int) -> str:
    send(sock, port, "/dreams/ping")
    data, _ = sock.recvfrom(1024)
    return OscMessage(data).address


FUZZ_ADDRESSES = [
    "/dreams/learn/rate",
    "/dreams/film/seek",
    "/dreams/voice/volume",
    "/dreams/dream/index",
    "/dreams/screen/hud",
    "/dreams/learn/steps_per_frame",
    "/dreams/screen/grain",
    "/dreams/screen/drift",
    "/dreams/screen/hold_s",
    "/dreams/nothing",
    "/dreams",
    "/x",
]


def random_packet(rng: random.Random) -> bytes:
    if rng.random() < 0.5:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
    address = rng.choice(FUZZ_ADDRESSES)
    choices = [
        lambda: rng.randint(-(10**9), 10**9),
        lambda: rng.uniform(-1e9, 1e9),
        lambda: "text" * rng.randint(0, 5),
        lambda: rng.choice([True, False, None, b"\x00\xff", float("nan"), float("inf")]),
    ]
    args = [rng.choice(choices)() for _ in range(rng.randint(0, 3))]
    data = build_msg(address, args).dgram
    if rng.random() < 0.3:  # cut short or bit-flipped
        data = bytearray(data[: rng.randint(0, len(data))])
        if data:
            data[rng.randrange(len(data))] ^= 0xFF
    return bytes(data)
