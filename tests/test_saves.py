"""The live show's saves: numbered, atomic, the newest few kept, damage passed over."""

import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from engine.mind.saves import SavesFolder, default_state_folder
from engine.mind.sealed import load_sealed


def test_saves_are_numbered_and_the_newest_few_kept(tmp_path):
    folder = SavesFolder(tmp_path / "state", keep=2)
    for number in range(1, 5):
        folder.save({"number": number})
    assert [p.name for p in folder.saves()] == ["mind-000004.state", "mind-000003.state"]
    state, path = folder.newest_good()
    assert state["number"] == 4 and path.name == "mind-000004.state"


def test_a_damaged_or_truncated_save_is_passed_over(tmp_path):
    folder = SavesFolder(tmp_path, keep=5)
    for number in range(1, 4):
        folder.save({"number": number})
    newest, middle, _ = folder.saves()
    data = bytearray(newest.read_bytes())
    data[-5] ^= 0xFF  # one flipped byte
    newest.write_bytes(data)
    middle.write_bytes(middle.read_bytes()[:100])  # cut off, as by a power cut
    state, path = folder.newest_good()
    assert state["number"] == 1 and path.name == "mind-000001.state"
    assert [p.name for p in folder.saves()] == ["mind-000001.state"]  # the damaged set aside


def test_a_save_that_does_not_fit_is_passed_over(tmp_path):
    from engine.mind.sealed import SealedFileError

    folder = SavesFolder(tmp_path, keep=5)
    folder.save({"resolution": 64})
    folder.save({"resolution": 128})

    def fits(state):
        if state["resolution"] != 64:
            raise SealedFileError("made at another resolution")

    assert folder.newest_good(fits)[0]["resolution"] == 64


def test_a_fresh_mind_sets_the_saves_aside(tmp_path):
    folder = SavesFolder(tmp_path, keep=3)
    folder.save({"number": 7})
    aside = folder.set_aside()
    assert folder.saves() == [] and folder.newest_good() is None
    assert load_sealed(aside / "mind-000001.state") == {"number": 7}
    folder.save({"number": 1})
    assert folder.saves()[0].name == "mind-000001.state"


@pytest.mark.slow
def test_a_save_on_a_full_disk_leaves_the_earlier_saves(tmp_path):
    """A file size limit (RLIMIT_FSIZE) stands in for a full disk: the write really fails."""
    folder = SavesFolder(tmp_path, keep=3)
    folder.save({"number": 1})
    script = (
        "import resource, sys\n"
        "from pathlib import Path\n"
        "from engine.mind.saves import SavesFolder\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (10_000, 10_000))\n"
        "try:\n"
        f"    SavesFolder(Path({str(tmp_path)!r}), keep=1).save({{'big': b'x' * 100_000}})\n"
        "except OSError as error:\n"
        "    print(error.strerror)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "File too large", done.stderr
    assert sorted(os.listdir(tmp_path)) == ["mind-000001.state"]  # no partial file left
    assert folder.newest_good()[0] == {"number": 1}


def test_the_default_folder_is_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_state_folder() == tmp_path / "dreams"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no pipes or /dev/zero here")
def test_a_save_that_is_not_a_file_is_passed_over_unread(tmp_path):
    """A pipe would hang the show before it opens, /dev/zero would be read until memory runs
    out: each is set aside unread, and the save before them wakes."""
    folder = SavesFolder(tmp_path, keep=5)
    folder.save({"number": 1})
    os.mkfifo(tmp_path / "mind-000002.state")
    (tmp_path / "mind-000003.state").symlink_to("/dev/zero")
    found = []
    looking = threading.Thread(target=lambda: found.append(folder.newest_good()), daemon=True)
    looking.start()
    looking.join(10)
    assert found and found[0][0] == {"number": 1}
    assert [p.name for p in folder.saves()] == ["mind-000001.state"]


def test_only_a_regular_file_within_its_bound_is_read(tmp_path):
    from engine.files import NotRegular, read_regular

    path = tmp_path / "preset.toml"
    path.write_bytes(b"x" * 100)
    assert read_regular(path, 100) == b"x" * 100
    with pytest.raises(NotRegular, match="100 bytes, over the 99"):
        read_regular(path, 99)
    with pytest.raises(NotRegular, match="is a folder, not a regular file"):
        read_regular(tmp_path, 100)


def test_a_state_folder_that_is_a_file_is_said_to_be_one(tmp_path):
    from engine.config import load_config
    from engine.mind.sealed import SealedFileError
    from installation.show.keeper import Keeper

    notes = tmp_path / "notes.txt"
    notes.write_text("mine\n")
    for folder, said in ((notes, f"{notes} is a file; give a folder"),
                         (notes / "state", f"{notes / 'state'}: {notes} is a file")):  # fmt: skip
        with pytest.raises(SealedFileError, match=re.escape(said)):
            Keeper(load_config(None, [f"state.folder={folder}"]).state)
    assert notes.read_text() == "mine\n"


def test_a_folder_that_cannot_take_its_place_leaves_the_one_there(tmp_path, monkeypatch):
    from engine.files import replace_folder

    out, partial = tmp_path / "adapter", tmp_path / ".adapter.partial"
    out.mkdir(), partial.mkdir()
    (out / "kept").write_text("the lesson kept an hour ago")
    (partial / "kept").write_text("the lesson now")
    real_rename = Path.rename

    def held_open(self, target):  # Windows: a scanner holds a file of the new folder
        if self == partial:
            raise PermissionError("access denied")
        return real_rename(self, target)

    monkeypatch.setattr(Path, "rename", held_open)
    with pytest.raises(PermissionError):
        replace_folder(partial, out)
    assert (out / "kept").read_text() == "the lesson kept an hour ago"
    monkeypatch.undo()
    replace_folder(partial, out)
    assert (out / "kept").read_text() == "the lesson now"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["adapter"]
