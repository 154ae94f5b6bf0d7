"""Any machine: a short show, a short cut and a short book in a child process without the POSIX
modules and signals, as on Windows (no fcntl, no resource, no SIGHUP, SIGUSR1...), and where
this project's own code cannot read /proc (there is none on a Mac or Windows)."""

import json
import re

import pytest

from tests.conftest import ROOT, run_dreams
from tests.cutkit import video_frames
from tests.test_write import poet_settings

pytestmark = pytest.mark.slow  # every test here: a show, a cut or a process

# Run first in the child (PYTHONPATH). psutil's Linux backend needs `resource` itself: it is
# loaded before the module is taken away, as on Windows psutil has its own backend.
WINDOWS_LIKE = f"""
import builtins, io, os, signal, sys, sysconfig
import psutil

for name in ("fcntl", "resource", "termios"):
    sys.modules[name] = None  # importing it raises ImportError
for name in ("SIGHUP", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGQUIT", "SIGXFSZ"):
    delattr(signal, name)
for name in ("pathconf", "fork", "getuid", "killpg", "setsid"):
    delattr(os, name)  # Windows has none of these

OURS = tuple(os.path.join({str(ROOT)!r}, part, "") for part in ("engine", "installation", "tools"))
STDLIB = sysconfig.get_paths()["stdlib"]

def ours_asks():
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(STDLIB):
        frame = frame.f_back  # pathlib and the like ask for their caller
    return frame is not None and frame.f_code.co_filename.startswith(OURS)

def no_proc(real):
    def call(path=".", *args, **kwargs):
        name = path if isinstance(path, int) else os.fsdecode(os.fspath(path))
        if str(name).startswith("/proc") and ours_asks():
            raise FileNotFoundError(2, "No such file or directory (as on a Mac)", str(path))
        return real(path, *args, **kwargs)
    return call

builtins.open = io.open = no_proc(io.open)
os.listdir, os.scandir, os.readlink = (no_proc(f) for f in (os.listdir, os.scandir, os.readlink))
"""


def windows_like(tmp_path) -> dict:
    folder = tmp_path / "windows-like"
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(WINDOWS_LIKE)
    return {"PYTHONPATH": str(folder)}


def test_a_show_a_cut_and_a_book_without_the_posix_modules(
    tmp_path, shapes_film, poet_cache, tiny_model_dir
):
    env = windows_like(tmp_path)
    stats = tmp_path / "stats.json"
    show = run_dreams("run", "--windowed", "--networks", "3", "--film", str(shapes_film),
                      "--set", f"state.folder={tmp_path / 'state'}", "--stats", str(stats),
                      env=env)  # fmt: skip
    assert show.returncode == 0 and "Traceback" not in show.stderr, show.stderr
    assert "3 networks created" in show.stderr
    assert json.loads(stats.read_text())["peak_ram_mb"] > 10  # the figure is still there
    assert "network 3 saved" in show.stderr, show.stderr
    assert "cannot be locked here" in show.stderr  # neither flock nor LockFileEx: said, gone on

    cut = tmp_path / "cut.mp4"
    record = run_dreams("record", "--networks", "3", "--out", str(cut), "--size", "160x90",
                        "--fps", "15", "--set", "record.title_s=1", "--set", "record.credits_s=1",
                        "--set", "poet.enabled=false", env=env)  # fmt: skip
    assert record.returncode == 0 and "Traceback" not in record.stderr, record.stderr
    assert len(video_frames(cut)) >= 3  # every frame decodes (a cut this short has no cards)

    book = tmp_path / "book.txt"
    write = run_dreams("write", "--words", "20", "--out", str(book), "--batch", "2",
                       *poet_settings(poet_cache, tiny_model_dir), env=env)  # fmt: skip
    assert write.returncode == 0 and "Traceback" not in write.stderr, write.stderr
    assert re.search(r"^1\. ", book.read_text(), re.MULTILINE)
