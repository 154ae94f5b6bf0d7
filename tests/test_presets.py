"""Presets over real OSC in the running show: saved, recalled with a glide, refused when the name
or the file is bad; and /dreams/state answering whoever asks with every value."""

import logging
import os
import time

import pygame
import pytest
from pythonosc.osc_message import OscMessage

from installation.play.morph import Morph
from installation.play.osc import ADDRESSES
from installation.play.presets import SETTINGS, PresetError, Presets
from tests.oscclient import send, sender
from tests.showkit import open_test_show, press, run_with, when


def show_with_presets(tmp_path, film, *settings):
    """A show whose presets live in tmp_path/presets."""
    state = ["state.enabled=true", f"state.folder={tmp_path}"]
    return open_test_show(tmp_path, f"film.source={film}", *state, *settings)


@pytest.mark.slow
def test_a_preset_saved_over_osc_comes_back_with_a_glide(tmp_path, shapes_film):
    show = show_with_presets(tmp_path, shapes_film, "preset.morph_s=1.5")
    port, sock = show.osc.port, sender()
    look, controls = show.screen.look, show.controls
    seen_zoom, seen_rate = [], []

    def actions():
        when(lambda: show.current is not None)
        send(sock, port, "/dreams/screen/zoom", 2.0)
        send(sock, port, "/dreams/learn/rate", 0.001)
        send(sock, port, "/dreams/screen/hud", 1)
        send(sock, port, "/dreams/screen/grain", 0.7)
        send(sock, port, "/dreams/preset/save", "night-2")
        saved = tmp_path / "presets" / "night-2.toml"
        when(lambda: saved.exists())
        # OSC floats are 32-bit: the file says what the performer sent, not 0.699999988079071
        assert {"grain = 0.7", "learning_rate = 0.001"} <= set(saved.read_text().splitlines())
        send(sock, port, "/dreams/screen/zoom", 0.5)
        send(sock, port, "/dreams/learn/rate", 0.00001)
        send(sock, port, "/dreams/screen/hud", 0)
        when(lambda: look.zoom == 0.5 and not show.screen.hud_on)
        send(sock, port, "/dreams/preset/load", "night-2")
        when(lambda: show.screen.hud_on)  # a switch changes at once
        while look.zoom != 2.0 or controls.morph.gliding:
            seen_zoom.append(look.zoom)
            seen_rate.append(controls.asked["learning_rate"])
            time.sleep(0.02)
            assert len(seen_zoom) < 1000, "the glide never ended"
        when(lambda: abs(show.trainer.g_optimizer.param_groups[0]["lr"] - 0.001) < 1e-9)

    run_with(show, actions)
    between = [z for z in seen_zoom if 0.55 < z < 1.95]
    assert len(between) >= 10  # glided over many frames, not jumped
    assert between == sorted(between)  # and only upwards
    assert any(2e-5 < rate < 5e-4 for rate in seen_rate)  # the rate glided through the decades


def test_the_state_answers_the_sender_with_every_value(tmp_path, shapes_film):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "screen.grain=0.25")
    port, sock = show.osc.port, sender()
    answers = {}

    def actions():
        when(lambda: show.current is not None)
        send(sock, port, "/dreams/screen/zoom", 1.25)
        when(lambda: show.screen.look.zoom == 1.25)
        send(sock, port, "/dreams/state")
        while "/dreams/record/recording" not in answers:
            message = OscMessage(sock.recvfrom(4096)[0])
            answers[message.address] = message.params

    run_with(show, actions)
    settable = {address for address, spec in ADDRESSES.items() if spec.command in SETTINGS}
    assert settable <= set(answers)
    assert answers["/dreams/screen/zoom"] == [1.25]
    assert abs(answers["/dreams/screen/grain"][0] - 0.25) < 1e-6
    assert answers["/dreams/screen/hud"] == [0] and answers["/dreams/learn/paused"] == [0]
    assert answers["/dreams/film/source"] == [show.film.name]


def test_bad_names_and_damaged_files_load_nothing_and_say_so_once(tmp_path, caplog):
    presets = Presets(tmp_path / "presets")
    for name in ("../up", "a b", "", "x" * 65, "née"):
        try:
            presets.save(name, dict.fromkeys(SETTINGS, 1))
            raise AssertionError(f"{name!r} was accepted")
        except PresetError as error:
            assert "letters, digits" in str(error)
    assert not (tmp_path / "presets").exists() and not (tmp_path / "up.toml").exists()
    damaged = tmp_path / "presets" / "7.toml"
    damaged.parent.mkdir()
    for text in ("zoom = [", "zoom = 99.0", "colour = 1", "zoom = 'far'"):
        damaged.write_text(text)
        try:
            presets.load("7")
            raise AssertionError(f"{text!r} loaded")
        except PresetError as error:
            assert "damaged and loads nothing" in str(error)
        assert presets.load("7") is None  # said once: the same file again is quiet


def test_keys_save_and_load_presets_one_to_nine(tmp_path, shapes_film, caplog):
    show = show_with_presets(tmp_path, shapes_film, "preset.morph_s=0", "screen.grain=0.3")
    (tmp_path / "presets").mkdir()
    (tmp_path / "presets" / "4.toml").write_text("grain = 0.5\nzoom = [\n")

    def actions():
        when(lambda: show.current is not None)
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_3,
                                             mod=pygame.KMOD_LSHIFT, unicode="#"))  # fmt: skip
        when(lambda: (tmp_path / "presets" / "3.toml").exists())
        show.controls.commands.ask("grain", 0.9)
        when(lambda: show.screen.look.grain == 0.9)
        press(pygame.K_3)
        when(lambda: show.screen.look.grain == 0.3)  # morph_s = 0: at once
        press(pygame.K_4)
        press(pygame.K_4)
        time.sleep(0.3)

    with caplog.at_level(logging.WARNING):
        run_with(show, actions)
    assert show.screen.look.grain == 0.3  # the damaged preset changed nothing
    assert sum("damaged and loads nothing" in r.message for r in caplog.records) == 1


def test_a_glide_eases_and_a_fader_moved_meanwhile_takes_over():
    morph = Morph()
    start = {"zoom": 0.0, "steps_per_frame": 1, "grain": 0.5}
    morph.begin(0.0, 2.0, start, {"zoom": 1.0, "steps_per_frame": 9, "grain": 0.5})
    assert morph.gliding == ["zoom", "steps_per_frame"]  # an unchanged setting does not glide
    middle = dict(morph.step(1.0))
    assert abs(middle["zoom"] - 0.5) < 1e-9 and middle["steps_per_frame"] == 5
    assert dict(morph.step(0.2))["zoom"] < 0.05  # eased: slow at the start
    morph.drop("zoom")
    assert dict(morph.step(2.5)) == {"steps_per_frame": 9} and morph.gliding == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no pipes or /dev/zero here")
def test_a_preset_that_is_not_a_file_is_refused_unread(tmp_path):
    """A pipe would hang the main loop, /dev/zero would be read until memory runs out."""
    presets = Presets(tmp_path)
    os.mkfifo(tmp_path / "1.toml")
    (tmp_path / "2.toml").symlink_to("/dev/zero")
    (tmp_path / "3.toml").write_text("zoom = 1.0\n" * 10_000)
    for name, why in (("1", "a pipe"), ("2", "a device"), ("3", "110,000 bytes")):
        with pytest.raises(PresetError, match=f"{why}.*loads nothing"):
            presets.load(name)
