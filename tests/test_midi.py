"""MIDI: the mapping's scaling and firing, learning over real OSC in the running show, a damaged
mapping file, and a machine with no MIDI system. Where a port is needed on a machine without
one, mido's two port functions are replaced by a port whose callback the test calls: the same
entry point rtmidi calls with each message a controller sends."""

import logging
import re
import time

import mido
import pytest

from engine.config import MidiConfig
from installation.play.midi import input_names, open_midi
from installation.play.midi_map import Control, Mapper, MappingError, load_mapping
from installation.play.osc import ADDRESSES
from installation.threads import Inbox, LearnAddress
from tests.oscclient import send, sender
from tests.showkit import open_test_show, run_with, when


def cc(control: int, value: int, channel: int = 0) -> mido.Message:
    return mido.Message("control_change", control=control, value=value, channel=channel)


def note(number: int, velocity: int = 100) -> mido.Message:
    return mido.Message("note_on", note=number, velocity=velocity)


def test_a_control_is_scaled_to_its_address_range():
    mapper = Mapper({Control("cc", 1): "/dreams/screen/zoom",
                     Control("cc", 2): "/dreams/dream/index",
                     Control("cc", 3): "/dreams/learn/steps_per_frame",
                     Control("note", 40): "/dreams/voice/volume"})  # fmt: skip
    assert mapper.command(cc(1, 0)) == ("zoom", 0.0)  # 0 is the range's low end
    assert mapper.command(cc(1, 127)) == ("zoom", 4.0)  # 127 its high end
    assert mapper.command(cc(1, 32)) == pytest.approx(("zoom", 4 * 32 / 127))
    assert mapper.command(cc(2, 64)) == ("dream", 32)  # 63 * 64 / 127 = 31.75, rounded
    assert isinstance(mapper.command(cc(2, 64))[1], int)
    assert mapper.command(cc(3, 0)) == ("steps_per_frame", 1)
    assert mapper.command(cc(3, 127)) == ("steps_per_frame", 100)
    assert mapper.command(note(40, 127)) == ("volume", 2.0)  # a note's velocity
    assert mapper.command(cc(9, 127)) is None  # not mapped


def test_an_address_without_argument_fires_on_a_note_or_a_cc_rising_past_63():
    mapper = Mapper({Control("cc", 64): "/dreams/dream/next", Control("note", 36): "/dreams/reset"})
    fired = [mapper.command(cc(64, value)) for value in (0, 40, 63, 64, 100, 127, 20, 90)]
    assert fired == [None, None, None, ("next_dream", None), None, None, None,
                     ("next_dream", None)]  # fmt: skip
    assert mapper.command(note(36)) == ("reset", None)
    assert mapper.command(note(36, velocity=0)) is None  # a note-on at 0 is a note-off
    assert mapper.command(mido.Message("note_off", note=36)) is None


def test_a_channel_in_the_file_holds_that_channel_only(tmp_path):
    path = tmp_path / "midi.toml"
    path.write_text('[cc.7]\naddress = "/dreams/voice/volume"\nchannel = 2\n')
    mapper = Mapper(load_mapping(path))
    assert mapper.command(cc(7, 127, channel=1)) == ("volume", 2.0)  # mido counts from 0
    assert mapper.command(cc(7, 127, channel=0)) is None


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ('[cc.7]\naddress = "/dreams/nothing"\n', "not an address of the show"),
        ('[cc.7]\naddress = "/dreams/film/source"\n', "takes a string"),
        ('[cc.7]\naddress = "/dreams/state"\n', "no address to answer"),
        ('[cc.7]\naddress = "/dreams/film/seek"\nchannel = 17\n', "not from 1 to 16"),
        ('[cc.200]\naddress = "/dreams/film/seek"\n', "not a number from 0 to 127"),
        ('[pitch.7]\naddress = "/dreams/film/seek"\n', "is not [cc.N] or [note.N]"),
        ("[cc.7\naddress =", "cannot be read"),
        ("# a mapping\n" * 100_000, "over the 1,048,576"),  # read no further than a mapping goes
    ],
)
def test_a_mapping_out_of_the_table_or_damaged_is_refused(tmp_path, text, said):
    path = tmp_path / "midi.toml"
    path.write_text(text)
    with pytest.raises(MappingError, match=re.escape(said)) as caught:
        load_mapping(path)
    assert str(path) in str(caught.value)


def test_every_numeric_address_can_be_mapped_and_no_string_one(tmp_path):
    path = tmp_path / "midi.toml"
    numeric = [a for a, spec in ADDRESSES.items() if spec.kind is not str and a != "/dreams/state"]
    path.write_text("".join(f'[cc.{i}]\naddress = "{a}"\n' for i, a in enumerate(numeric)))
    assert set(load_mapping(path).values()) == set(numeric)


class Port:
    """A MIDI input port as mido gives it: what the controller sends reaches `callback`."""

    opened: list["Port"] = []

    def __init__(self, name, callback):
        self.name, self.callback, self.closed = name, callback, False
        Port.opened.append(self)

    def close(self):
        self.closed = True


@pytest.fixture
def controller(monkeypatch):
    """This machine's MIDI system with one controller plugged in."""
    Port.opened = []
    monkeypatch.setattr(mido, "get_input_names", lambda: ["Knobs 1:0", "Pads 2:0"])
    monkeypatch.setattr(mido, "open_input", lambda name, callback: Port(name, callback))
    return Port.opened


def test_learn_over_osc_binds_the_next_control_moved(tmp_path, shapes_film, controller, caplog):
    caplog.set_level(logging.INFO)
    mapping = tmp_path / "midi.toml"
    show = open_test_show(tmp_path, f"film.source={shapes_film}", f"midi.mapping={mapping}",
                          'midi.port="Knobs"')  # fmt: skip
    sock = sender()

    def actions():
        when(lambda: show.current is not None and controller)
        assert [port.name for port in controller] == ["Knobs 1:0"]  # midi.port chose it
        send(sock, show.osc.port, "/dreams/midi/learn", "/dreams/film/source")
        when(lambda: "/dreams/midi/learn refused" in caplog.text, 10)  # a string: no knob gives it
        send(sock, show.osc.port, "/dreams/midi/learn", "/dreams/screen/zoom")
        when(lambda: show.midi.learning == "/dreams/screen/zoom", 10)
        controller[0].callback(cc(21, 127))  # the knob turned right up
        when(lambda: show.screen.look.zoom == 4.0, 10)
        assert load_mapping(mapping) == {Control("cc", 21): "/dreams/screen/zoom"}
        assert "cc 21 drives /dreams/screen/zoom" in caplog.text
        controller[0].callback(cc(21, 0))  # bound now: no more learning needed
        when(lambda: show.screen.look.zoom == 0.0, 10)

    run_with(show, actions)
    assert controller[0].closed  # the show's end closed the input


def test_a_damaged_mapping_is_one_line_and_kept_aside_by_a_learn(tmp_path, controller, caplog):
    caplog.set_level(logging.INFO)
    mapping = tmp_path / "midi.toml"
    mapping.write_text('[cc.7]\naddress = "/dreams/voice/volume"\n[cc.7\n')
    midi = open_midi(MidiConfig(mapping=str(mapping)), Inbox(), tmp_path)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("midi:")]
    assert len(lines) == 1 and str(mapping) in lines[0] and "cannot be read" in lines[0]
    assert midi.mapper.mapping == {}  # none of it: the show goes on without
    midi.thread.start()
    midi.inbox.send(LearnAddress("/dreams/screen/grain"))
    when(lambda: controller)  # the thread opened the inputs
    controller[0].callback(cc(5, 10))
    when(lambda: midi.learning is None and "cc 5 drives" in caplog.text)
    midi.stop()
    midi.thread.join(2)
    assert not midi.thread.is_alive()
    assert load_mapping(mapping) == {Control("cc", 5): "/dreams/screen/grain"}
    assert "[cc.7\n" in (tmp_path / "midi.toml.damaged").read_text()  # the user's, unharmed


def test_a_controller_plugged_in_mid_show_is_heard_and_one_unplugged_is_closed(
    controller, caplog, tmp_path, monkeypatch
):
    caplog.set_level(logging.INFO)
    monkeypatch.setattr("installation.play.midi.RESCAN_S", 0.1)
    (tmp_path / "midi.toml").write_text('[cc.7]\naddress = "/dreams/screen/grain"\n')
    config = MidiConfig(port="Drums", mapping=str(tmp_path / "midi.toml"))
    commands = Inbox()
    midi = open_midi(config, commands, tmp_path)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("midi:")]
    assert lines == ["midi: no MIDI input whose name contains 'Drums' yet (inputs: Knobs 1:0, "
                     "Pads 2:0); one plugged in will be heard"]  # fmt: skip
    midi.thread.start()
    try:
        time.sleep(0.3)
        assert controller == []  # midi.port: the knobs and pads are not listened to
        monkeypatch.setattr(mido, "get_input_names", lambda: ["Knobs 1:0", "Drums 3:0"])
        when(lambda: controller, 5)
        assert controller[0].name == "Drums 3:0"
        controller[0].callback(cc(7, 127))
        when(lambda: commands.drain() == [("grain", 1.0)], 5)
        monkeypatch.setattr(mido, "get_input_names", lambda: ["Knobs 1:0"])
        when(lambda: controller[0].closed and "midi: Drums 3:0 is gone" in caplog.text, 5)
    finally:
        midi.stop()
        midi.thread.join(2)
    assert not midi.thread.is_alive()


def no_midi_system() -> str | None:
    """Why this machine has no MIDI system, or None where it has one."""
    try:
        input_names()
    except (OSError, ImportError) as error:
        return str(error)
    return None


def test_without_a_midi_system_the_show_says_so_once_and_runs(tmp_path, shapes_film, caplog):
    if no_midi_system() is None:
        pytest.skip("this machine has a MIDI system")
    caplog.set_level(logging.INFO)
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("midi:")]
    assert len(lines) == 1 and "no MIDI system here" in lines[0]
    assert show.midi is None

    def actions():
        when(lambda: show.current is not None and show.current.number >= 3)  # the show goes on
        send(sender(), show.osc.port, "/dreams/midi/learn", "/dreams/screen/zoom")
        when(lambda: "learn /dreams/screen/zoom ignored: this show has no MIDI" in caplog.text)

    run_with(show, actions)


def test_a_virtual_port_drives_the_show(tmp_path, shapes_film):
    try:
        out = mido.open_output("dreams-test-knobs", virtual=True)
    except (OSError, ImportError) as error:
        pytest.skip(f"no MIDI system on this machine ({error})")
    mapping = tmp_path / "midi.toml"
    mapping.write_text('[cc.1]\naddress = "/dreams/screen/grain"\n')
    show = open_test_show(tmp_path, f"film.source={shapes_film}", f"midi.mapping={mapping}",
                          'midi.port="dreams-test-knobs"')  # fmt: skip

    def actions():
        when(lambda: show.current is not None)
        for value in (0, 127):  # until the port is open: the thread opens it as it starts
            when(lambda v=value: out.send(cc(1, v)) or show.screen.look.grain == v / 127, 20)

    try:
        run_with(show, actions)
    finally:
        out.close()
