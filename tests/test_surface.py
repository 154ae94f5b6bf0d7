"""`dreams surface`: the TouchOSC layout, read back from the file as TouchOSC reads it (zlib, then
XML), holds one control for every address of the table that a control can send, with its range;
what is there already is never written over; a bad folder is one line."""

import xml.etree.ElementTree as ET
import zlib

from PIL import Image

from installation.play.osc import ADDRESSES
from tests.conftest import run_dreams


def sent(path) -> dict[str, list[dict]]:
    """Each OSC address the layout sends, with each control that sends it: its type, its
    arguments (constant text, or a value's conversion and scale) and whether it follows."""
    root = ET.fromstring(zlib.decompress(path.read_bytes()))
    found: dict[str, list[dict]] = {}
    for node in root.iter("node"):
        messages = node.find("messages")
        for osc in messages.findall("osc") if messages is not None else []:
            address = "".join(p.findtext("value") for p in osc.find("path").findall("partial"))
            arguments = [
                (p.findtext("type"), p.findtext("conversion"), p.findtext("value"),
                 float(p.findtext("scaleMin")), float(p.findtext("scaleMax")))
                for p in osc.find("arguments").findall("partial")
            ]  # fmt: skip
            found.setdefault(address, []).append(
                {"type": node.get("type"), "arguments": arguments,
                 "receives": osc.findtext("receive") == "1"}
            )  # fmt: skip
    return found


def test_every_address_a_control_can_send_has_exactly_one_with_its_range(tmp_path):
    out, picture = tmp_path / "dreams.tosc", tmp_path / "surface.png"
    result = run_dreams("surface", "--out", str(out), "--picture", str(picture))
    assert result.returncode == 0, result.stderr
    controls = sent(out)
    for address, spec in ADDRESSES.items():
        if spec.kind is str:
            continue  # strings: no control can give one (the presets are below)
        (control,) = controls.pop(address)  # exactly one
        if spec.kind is None:  # a button, sending the address alone
            assert control["type"] == "BUTTON" and control["arguments"] == []
            continue
        conversion = "INTEGER" if spec.kind is int else "FLOAT"
        assert control["arguments"] == [("VALUE", conversion, "x", spec.low, spec.high)]
        assert control["type"] == ("BUTTON" if (spec.kind, spec.low, spec.high) == (int, 0, 1)
                                   else "FADER")  # fmt: skip
        assert control["receives"]  # /dreams/state's answer moves it
    for verb in ("load", "save"):  # buttons sending the presets "1" to "9", one each
        presets = controls.pop(f"/dreams/preset/{verb}")
        names = sorted(c["arguments"][0][2] for c in presets)
        assert names == [str(n) for n in range(1, 10)]
        assert all(c["arguments"][0][:2] == ("CONSTANT", "STRING") for c in presets)
    assert controls == {}  # nothing else is sent
    with Image.open(picture) as image:
        assert image.width > image.height and len(image.getcolors(10_000) or []) > 10


def test_a_file_there_already_is_not_written_over(tmp_path):
    out = tmp_path / "mine.tosc"
    out.write_bytes(b"a layout drawn by hand")
    result = run_dreams("surface", "--out", str(out))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"dreams: error: --out {out} exists; give another name, or remove it first"
    ]
    assert out.read_bytes() == b"a layout drawn by hand"


def test_a_folder_that_is_not_there_is_one_line(tmp_path):
    result = run_dreams("surface", "--out", str(tmp_path / "nowhere" / "dreams.tosc"))
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert "--out" in line and "nowhere" in line and "does not exist" in line
    assert not (tmp_path / "nowhere").exists()
