"""Dreams that drift (screen.drift): between two births the picture moves by itself, the network
on screen stays the one born; at 0 the dreams are today's, exactly."""

import threading
import time

import numpy as np
import pytest
import torch

from engine.config import load_config
from engine.mind.build import Waking, build_mind
from engine.mind.drift import Drift, DriftPath
from installation.play.morph import Morph
from installation.play.presets import PresetError, Presets
from installation.show.dreaming import Dreaming
from tests.oscclient import send, sender
from tests.showkit import open_test_show, run_with, when


def pictures_by_network(show, seconds: float) -> dict[int, list[np.ndarray]]:
    """What the screen showed for `seconds`, network by network (the first picture of each
    left out: read beside the frame that brought it, it may still be the one before)."""
    seen: dict[int, list[np.ndarray]] = {}
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        number, picture = show.current.number, show.screen.stage.picture
        if picture is not None and show.current.number == number:
            seen.setdefault(number, []).append(np.array(picture, dtype=np.int16))
        time.sleep(0.02)
    return {number: shots[1:] for number, shots in seen.items() if len(shots) > 2}


def moved(shots: list[np.ndarray]) -> float:
    return float(np.abs(shots[-1] - shots[0]).mean())


@pytest.mark.slow
def test_the_drift_moves_the_picture_between_births_and_leaves_the_network_alone(
    tmp_path, shapes_film
):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "screen.zoom=0")
    port, sock = show.osc.port, sender()
    still, drifting = {}, {}

    def actions():
        when(lambda: show.current is not None and show.current.number >= 2)
        still.update(pictures_by_network(show, 1.0))
        send(sock, port, "/dreams/screen/drift", 30.0)
        when(lambda: show.dreaming.drift.speed == 30.0, timeout=10)
        drifting.update(pictures_by_network(show, 1.5))
        send(sock, port, "/dreams/screen/drift", 31.0)  # beyond its range: refused
        send(sock, port, "/dreams/screen/grain", 0.0)  # a message after it, to know it was read
        time.sleep(0.3)

    summary = run_with(show, actions)
    assert still and drifting
    assert max(moved(shots) for shots in still.values()) == 0  # fixed dreams: a still picture
    assert max(moved(shots) for shots in drifting.values()) > 0.5  # the same network moves
    assert show.dreaming.drift.speed == 30.0 and show.controls.asked["drift"] == 30.0
    # each network is seen once, as it was born (the last one may be left untaken at the end)
    assert summary.networks_created - 1 <= summary.networks_shown <= summary.networks_created


def dreaming_at(shapes_film, drift: float) -> tuple[Dreaming, threading.Event]:
    config = load_config(None, [f"film.source={shapes_film}", f"screen.drift={drift}",
                                "dream.width=8", "dream.batch_size=4"])  # fmt: skip
    mind = build_mind(config)
    mind.watch(16)
    stop = threading.Event()
    return Dreaming(mind, stop, Waking()), stop


def networks_from(dreaming: Dreaming, stop: threading.Event, count: int, pace_s=0.005) -> list:
    """`count` networks as a screen takes them, one every `pace_s` at most."""
    dreaming.thread.start()
    networks = []
    try:
        while len(networks) < count:
            network = dreaming.slot.take()
            if network is not None:
                networks.append(network)
            time.sleep(pace_s)
    finally:
        stop.set()
        dreaming.thread.join(5)
    return networks


def test_drift_0_dreams_todays_dreams_exactly_and_nothing_more(shapes_film):
    dreaming, stop = dreaming_at(shapes_film, 0)
    plain, _ = dreaming_at(shapes_film, 0)  # the same mind, stepped as before the drift
    shown = networks_from(dreaming, stop, 4, pace_s=0.25)  # time enough for pictures between
    for network in shown:
        assert network.later == ()  # no picture between births, no extra generator pass
        assert np.array_equal(network.images, plain.trainer.step().images)


def test_drifting_networks_carry_pictures_further_along_their_loop(shapes_film):
    dreaming, stop = dreaming_at(shapes_film, 30)
    shown = networks_from(dreaming, stop, 6, pace_s=0.25)  # a birth every quarter second
    assert [n.number for n in shown] == [1, 2, 3, 4, 5, 6]
    later = [n for n in shown if n.later]
    assert later, "no network showed a drifted picture"
    network = later[-1]
    assert network.images_at(network.born_at) is network.images  # born as it is
    when_last, last = network.later[-1]
    assert not np.array_equal(network.images_at(when_last), network.images)
    assert network.images_at(when_last) is last


def test_a_preset_holds_the_drift(tmp_path):
    presets = Presets(tmp_path)
    settings = dict.fromkeys(("dissolve_s", "hold_s", "zoom", "grain", "hud", "subtitles",
                              "volume", "mute", "steps_per_frame", "dream"), 1)  # fmt: skip
    presets.save("drifting", {**settings, "learning_rate": 1e-4, "drift": 7.5})
    assert presets.load("drifting")["drift"] == 7.5
    (tmp_path / "wild.toml").write_text("drift = 99.0\n")
    try:
        presets.load("wild")
        raise AssertionError("a drift beyond its range was loaded")
    except PresetError as error:
        assert "drift" in str(error)


def test_the_loop_starts_at_the_fixed_dream_closes_and_comes_round_at_its_speed():
    latents = torch.randn(5, 16, generator=torch.Generator().manual_seed(0))
    path = DriftPath(latents, seed=3)
    assert torch.equal(path.at(0.0), latents)  # the first place: the dream's own latent
    assert torch.allclose(path.at(1 - 1e-6), latents, atol=1e-4)  # closed: no jump going round
    assert not torch.allclose(path.at(0.5), latents)
    drift = Drift(path, speed=2.0)  # 2 loops a minute: round every 30 s
    for second in range(16):  # a birth a second
        drift.between(float(second))
    assert drift.position == pytest.approx(0.5)
    assert torch.equal(drift.at_birth(), path.at(0.5))  # the next network is born there
    for second in range(16, 31):
        drift.between(float(second))
    assert min(drift.position, 1 - drift.position) < 1e-9  # round again
    drift.between(31.0)
    drift.speed, place = 0.0, drift.position  # turned back to 0: the dreams stop where they are
    assert drift.at_birth() is None and drift.between(32.0) == [] and drift.position == place


def test_the_pictures_between_births_keep_to_twelve_a_second_and_a_quarter_of_the_time():
    drift = Drift(DriftPath(torch.randn(2, 16), seed=0), speed=30.0)
    drift.between(0.0)
    assert len(drift.between(1.0)) == 1  # one, to measure the render
    drift.render_s = 0.001  # quick: twelve a second
    assert len(drift.between(1.5)) == 6
    drift.render_s = 0.05  # slow: a quarter of the second, five pictures
    assert len(drift.between(2.5)) == 5


def test_a_presets_load_glides_the_drift():
    morph = Morph()
    morph.begin(0.0, 2.0, {"drift": 0.0}, {"drift": 20.0})
    assert dict(morph.step(1.0)) == {"drift": pytest.approx(10.0)}  # half-way in time and drift
    assert dict(morph.step(2.0)) == {"drift": 20.0}
