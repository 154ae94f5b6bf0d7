"""OSC over real loopback sockets, against the running show."""

import logging
import queue
import random
import re
import socket
import threading
import time
from dataclasses import replace

import numpy as np
import pytest

from engine.config import OscConfig, load_config
from engine.mind.memory import FrameMemory
from engine.mind.trainer import Trainer
from installation.play.controls import Controls, Owners
from installation.play.osc import ADDRESSES, OscSender, OscServer, _Gate
from installation.threads import Inbox, Listen, Reset, SetLearningRate, SetStepsPerFrame
from tests.conftest import ROOT, run_dreams
from tests.oscclient import Listener, ping, random_packet, send, sender
from tests.showkit import open_test_show, run_with, tiny_poet, when
from tests.soundkit import ends, line_sent, next_heard, null_sound
from tests.test_dreamer import same_weights


@pytest.mark.slow
def test_commands_change_the_show_and_state_comes_back(tmp_path, shapes_film):
    listener = Listener()
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", f"osc.targets=127.0.0.1:{listener.port}"
    )
    port, sock = show.osc.port, sender()

    def actions():
        when(lambda: show.current is not None and show.current.number >= 30)
        send(sock, port, "/dreams/learn/pause")
        when(lambda: ("paused",) in listener.got("/dreams/event"))
        time.sleep(0.3)
        paused_at = show.trainer.number
        time.sleep(1.0)
        assert show.trainer.number == paused_at  # pause stops the counter
        assert ping(sock, port) == "/dreams/pong"
        send(sock, port, "/dreams/screen/grain", 0.2)
        send(sock, port, "/dreams/learn/rate", 0.0005)
        send(sock, port, "/dreams/reset")
        when(lambda: Reset() in show.dreaming.applied)
        # still paused: the mind is the blank one of the seed a reset picks, the seed + the count
        blank = blank_trainer(show, show.trainer.config.seed + paused_at)
        assert same_weights(show.trainer.generator, blank.generator)
        assert same_weights(show.trainer.discriminator, blank.discriminator)
        send(sock, port, "/dreams/learn/resume")
        when(lambda: show.current.number >= paused_at + 2)
        assert abs(show.screen.look.grain - 0.2) < 1e-6  # OSC floats are 32-bit
        assert abs(show.trainer.g_optimizer.param_groups[0]["lr"] - 0.0005) < 1e-9
        numbers = [n for (n,) in listener.got("/dreams/network")]
        assert numbers and numbers == sorted(numbers) and numbers[-1] > paused_at
        assert ("reset",) in listener.got("/dreams/event")
        assert listener.got("/dreams/losses") and listener.got("/dreams/rate")

    try:
        run_with(show, actions)
    finally:
        listener.close()


def blank_trainer(show, seed: int) -> Trainer:
    """A fresh trainer of the show's shape and settings, from this seed, on the show's device."""
    trainer = show.trainer
    memory = FrameMemory(1, trainer.size, trainer.channels, trainer.device)
    return Trainer(replace(trainer.config, seed=seed), memory)


def test_a_burst_of_5000_arrives_whole(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    port, sock = show.osc.port, sender()

    def actions():
        when(lambda: show.current is not None)
        for i in range(5000):
            send(sock, port, "/dreams/screen/zoom", (i % 100) / 100)
        when(lambda: show.osc.received == 5000, timeout=30)
        when(lambda: show.controls.applied == 5000, timeout=30)
        assert show.osc.gate.dropped == 0 and show.osc.commands_dropped == 0

    run_with(show, actions)


def test_a_flood_is_cut_to_the_rate_after_the_burst():
    """A sender that never stops gets `osc.burst` messages at once, then `max_messages_per_s`:
    the show's inbox is not drowned, whatever the sender's speed."""
    gate = _Gate(OscConfig(max_messages_per_s=500.0, burst=100), open_to_all=True)
    admitted, started = 0, time.monotonic()
    while (elapsed := time.monotonic() - started) < 1.0:
        admitted += gate.admits("127.0.0.1")
    allowed = 100 + 500 * elapsed
    assert 0.95 * allowed - 2 <= admitted <= allowed + 1
    assert gate.dropped > 5 * admitted  # a flood: most of it cut, and counted


def test_a_packet_over_8_kb_arrives_whole():
    """socketserver reads 8,192 bytes of a datagram: a longer one was cut short by the OS and
    dropped without a word. Every UDP datagram now arrives whole, and is checked as any other
    (a 9,000-character film source is then refused by the film's check, which says why)."""
    commands = Inbox()
    server = OscServer(OscConfig(port=0), commands)
    server.start()
    try:
        sock = sender()
        for length in (9_000, 60_000):
            send(sock, server.port, "/dreams/film/source", "x" * length)
        assert ping(sock, server.port) == "/dreams/pong"  # answered after the two were read
        assert [(name, len(value)) for name, value in commands.drain()] == [
            ("film", 9_000),
            ("film", 60_000),
        ]
    finally:
        server.stop()


def test_a_flood_over_the_socket_is_cut_and_counted_in_the_summary(tmp_path, shapes_film, caplog):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "osc.max_messages_per_s=20",
                          "osc.burst=10", "state.summary_every_s=1")  # fmt: skip
    port, sock = show.osc.port, sender()

    def actions():
        when(lambda: show.current is not None)
        for _ in range(500):  # in well under a second: far above 20 a second
            send(sock, port, "/dreams/screen/zoom", 0.5)
        when(lambda: show.osc.received + show.osc.messages_dropped == 500, timeout=30)
        assert show.osc.received <= 10 + 20 * 3  # the burst, then the rate (the sending's time)
        time.sleep(1.2)  # the next summary line

    with caplog.at_level(logging.INFO):
        run_with(show, actions)
    (last, *_) = [r.message for r in reversed(caplog.records) if r.message.startswith("summary:")]
    assert int(last.split("osc messages dropped ")[1].split()[0]) >= 430
    assert "speed channels-last" in last  # the trainer's rung, as dreams doctor foretold
    figures = re.match(r"summary: ([\d.]+) networks/s · memory (\d+) MB · 0 rebirths ", last)
    assert figures and float(figures[1]) > 0 and int(figures[2]) > 100, last  # learning, in MB
    assert re.search(r"lines spoken 0 · saves \d+ \(0 failed\) · threads \d+ \(0 faults\)$", last)


@pytest.mark.slow
def test_requests_at_full_rate_reach_the_trainer_in_order_on_its_own_thread(tmp_path, shapes_film):
    """The main thread never touches the trainer: a burst of rates and steps per frame, sent
    while it steps, is applied by the trainer's own thread, every one, in the order sent."""
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    port, sock = show.osc.port, sender()
    setters, set_rate = set(), show.trainer.set_learning_rate

    def watched(rate):
        setters.add(threading.current_thread().name)
        set_rate(rate)

    show.trainer.set_learning_rate = watched
    sent = []
    for i in range(400):
        rate = float(np.float32(1e-4 + i * 1e-7))  # as a 32-bit OSC float arrives
        sent += [("learning_rate", rate), ("steps_per_frame", 1 + i % 3)]

    def actions():
        when(lambda: show.current is not None)
        before = show.trainer.number
        for request, value in sent:
            send(sock, port, ADDRESS_OF[request], value)
        when(lambda: len(show.dreaming.applied) >= len(sent), timeout=60)
        when(lambda: show.trainer.number > before + 5)  # it went on learning meanwhile
        applied = [SetLearningRate(float(np.float32(m.rate))) if isinstance(m, SetLearningRate)
                   else m for m in show.dreaming.applied]  # fmt: skip
        message = {"learning_rate": SetLearningRate, "steps_per_frame": SetStepsPerFrame}
        assert applied == [message[request](value) for request, value in sent]
        assert setters == {"trainer"}
        assert show.trainer.g_optimizer.param_groups[0]["lr"] == pytest.approx(sent[-2][1])

    run_with(show, actions)


ADDRESS_OF = {
    "learning_rate": "/dreams/learn/rate",
    "steps_per_frame": "/dreams/learn/steps_per_frame",
}


def live_settings(show) -> dict[str, list[float]]:
    """Where each setting OSC may change lives in the running show, by its command's name."""
    trainer, look, screen = show.trainer, show.screen.look, show.screen
    rates = [g["lr"] for o in (trainer.g_optimizer, trainer.d_optimizer) for g in o.param_groups]
    settings = {
        "learning_rate": [trainer.learning_rate, *rates],
        "steps_per_frame": [show.dreaming.steps_per_frame],
        "dissolve_s": [look.dissolve_s],
        "hold_s": [look.hold_s],
        "zoom": [look.zoom],
        "grain": [look.grain],
        "drift": [show.dreaming.drift.speed],
        "hud": [int(screen.hud_on)],
        "subtitles": [int(screen.subtitles_on)],
    }
    if show.narrator is not None:
        settings |= {"volume": [show.narrator.volume], "mute": [int(show.narrator.muted)]}
    return settings


ONE_OFF = {"dream", "seek"}  # a jump, not a setting that stays


@pytest.mark.slow
def test_malformed_packets_never_take_the_show_down(tmp_path, shapes_film):
    """After 4000 random packets (garbage, and values far out of range) every setting is still
    inside the range OSC's table gives it, and the show goes on making networks."""
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    port, sock = show.osc.port, sender()
    rng = random.Random(7)
    ranged = {spec.command: spec for spec in ADDRESSES.values() if spec.kind in (int, float)}

    def actions():
        when(lambda: show.current is not None)
        for _ in range(4000):
            sock.sendto(random_packet(rng), ("127.0.0.1", port))
        assert ping(sock, port) == "/dreams/pong"  # the server has handled every packet
        send(sock, port, "/dreams/learn/pause")  # applied by the trainer after all before it
        when(lambda: show.dreaming.paused)
        settings = live_settings(show)
        assert set(ranged) - ONE_OFF == set(settings) | {"volume", "mute"}  # none unwatched
        for command, values in settings.items():
            spec = ranged[command]
            assert all(spec.low <= value <= spec.high for value in values), (command, values)
        send(sock, port, "/dreams/learn/resume")
        number, frames = show.trainer.number, show.frames_drawn
        dreams = show.current.images
        when(lambda: show.current.number > number + 3)  # the mind still learns
        assert not np.array_equal(show.current.images, dreams)
        when(lambda: show.frames_drawn > frames + 10)  # still drawing

    run_with(show, actions)


def test_beyond_loopback_only_the_allowed_are_heard(tmp_path, shapes_film):
    show = open_test_show(
        tmp_path, f"film.source={shapes_film}", "osc.host=0.0.0.0", "osc.allow=127.0.0.2/31"
    )
    port = show.osc.port
    stranger, friend = sender("127.0.0.1"), sender("127.0.0.2")

    def actions():
        when(lambda: show.current is not None)
        send(stranger, port, "/dreams/learn/pause")
        when(lambda: show.osc.gate.refused >= 1)
        time.sleep(0.2)
        assert not show.dreaming.paused  # the stranger changed nothing
        send(friend, port, "/dreams/learn/pause")
        when(lambda: show.dreaming.paused)

    run_with(show, actions)


@pytest.mark.slow
def test_a_busy_port_and_a_bad_target_are_clear_errors():
    busy = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    busy.bind(("127.0.0.1", 0))
    port = busy.getsockname()[1]
    try:
        result = run_dreams("run", "--windowed", "--set", f"osc.port={port}")
    finally:
        busy.close()
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"127.0.0.1:{port}" in result.stderr and "osc.port" in result.stderr
    result = run_dreams("run", "--windowed", "--set", "osc.port=0", "--set", "osc.targets=lights:1")
    assert result.returncode == 2 and "ip:port" in result.stderr


@pytest.fixture
def sound_card(tmp_path):
    """ALSA's null sink as the show's sound card: what the real speaker sends it is kept."""
    with null_sound(tmp_path) as card:
        yield card


@pytest.mark.slow
def test_voice_film_and_dream_commands(
    tmp_path, shapes_film, poet_cache, tiny_model_dir, sound_card
):
    listener = Listener()
    other = tmp_path / "frames"
    other.mkdir()
    import cv2

    from tests.synthetic import shapes_frame

    for index in range(3):
        cv2.imwrite(str(other / f"{index}.png"), shapes_frame(index))
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        f"osc.targets=127.0.0.1:{listener.port}",
        *tiny_poet(poet_cache, tiny_model_dir),
        "voice.line_pause_s=0.2",
        "voice.device=",  # the default device: the null sink, through PortAudio
    )
    port, sock = show.osc.port, sender()

    def actions():
        when(lambda: show.current is not None and show.narrator.speaker is not None)
        heard = queue.Queue()
        show.narrator.inbox.send(Listen(heard))
        send(sock, port, "/dreams/voice/volume", 0.25)
        line = next_heard(heard, 0.25)  # the first line begun at the new volume
        sound_card.wait_past(ends(line) + 0.2)
        sent = line_sent(sound_card, line, ends(line) + 0.2)
        assert np.abs(sent).max() == pytest.approx(0.25 * np.abs(line.audio).max(), rel=0.02)
        assert np.allclose(sent, 0.25 * line.audio, atol=1e-6)  # the card got a quarter of it
        send(sock, port, "/dreams/voice/mute", 1)
        line = next_heard(heard, 0.0)  # the first line begun muted
        sound_card.wait_past(ends(line) + 0.2)
        taken = sound_card.written(line.started, ends(line) + 0.2)
        assert len(taken) >= len(line.audio)  # the card was fed for the whole line,
        assert np.abs(taken).max() == 0.0  # and with silence
        when(lambda: listener.got("/dreams/voice/line"), timeout=60)
        when(lambda: listener.got("/dreams/voice/end"), timeout=60)
        send(sock, port, "/dreams/dream/index", 5)
        when(lambda: show.screen.stage.dream_offset != 0 or show.screen.stage.compositor.schedule(
            show.screen.stage.dream_clock, 8, show.screen.stage.dream_offset)[1] == 5)  # fmt: skip
        a, b, alpha, *_ = show.screen.stage.compositor.schedule(
            show.screen.stage.dream_clock, 8, show.screen.stage.dream_offset
        )
        assert b == 5  # dissolving into dream 5
        send(sock, port, "/dreams/film/seek", 0.5)
        when(lambda: 45 <= show.film.position <= 60)
        send(sock, port, "/dreams/film/source", str(other))
        when(lambda: show.film.kind == "folder")

    try:
        run_with(show, actions)
    finally:
        listener.close()


def test_the_readme_table_lists_every_address_with_its_range():
    readme = (ROOT / "README.md").read_text()
    rows = dict(re.findall(r"^\| `(/dreams/[^`]+)` \| [^|]+ \| ([^|]*) \|", readme, re.M))
    missing = [address for address in ADDRESSES if address not in rows]
    assert missing == []
    for address, spec in ADDRESSES.items():
        if spec.kind in (int, float):
            assert rows[address].strip() == f"{spec.low:g} to {spec.high:g}", address


def test_a_flood_of_resets_or_refused_films_is_said_once_a_second(caplog):
    """A hundred /dreams/reset in a second are a hundred resets, and one line of the log (the
    next says how many went unsaid); so are a hundred film sources too long to be one."""
    asked = Inbox()
    owners = Owners(trainer=asked, film=asked)
    controls = Controls(load_config(None, []), Inbox(), OscSender(""), owners, None, None)
    with caplog.at_level(logging.INFO):
        for _ in range(100):
            controls.apply("reset")
            controls.apply("film", "x" * 9_000)
    assert len(asked.drain()) == 100  # every reset asked, no impossible film
    lines = [record.getMessage() for record in caplog.records]
    assert lines.count("show: reset") == 1
    assert sum("not switching" in line and "9,000 characters" in line for line in lines) == 1
