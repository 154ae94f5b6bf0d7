"""The gallery's service: `dreams service install | remove` writes (and takes away) what starts
the show with the user's session on Linux (systemd), macOS (launchd) and Windows (Task
Scheduler), each read back here; and the show's heartbeat, which systemd's watchdog restarts a
frozen show by, received on a notify socket of our own."""

import logging
import os
import plistlib
import re
import shlex
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from installation.gallery.heartbeat import Heartbeat
from tests.conftest import ROOT, run_dreams

needs_unix = pytest.mark.skipif(not hasattr(socket, "AF_UNIX"), reason="no AF_UNIX here")


def listening(address: str) -> socket.socket:
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    listener.bind(address)
    listener.setblocking(False)
    return listener


def received(listener: socket.socket) -> list[str]:
    messages = []
    while True:
        try:
            messages.append(listener.recv(4096).decode())
        except BlockingIOError:
            return messages


@pytest.mark.slow
@needs_unix
def test_a_show_run_by_systemd_says_ready_beats_and_stopping(shapes_film, tmp_path):
    address = tmp_path / "notify"
    with listening(str(address)) as listener:
        env = {"NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "30000000"}
        result = run_dreams("run", "--windowed", "--film", str(shapes_film), "--duration", "7",
                            env=env)  # fmt: skip
        assert result.returncode == 0, result.stderr
        messages = received(listener)
    assert messages[0].startswith("READY=1")
    assert messages[-1].startswith("STOPPING=1")
    beats = messages[1:-1]
    assert set(beats) == {"WATCHDOG=1"} and 3 <= len(beats) <= 5  # one every 2 s, not a flood
    assert "heartbeat" not in result.stderr


@pytest.mark.skipif(not os.path.exists("/proc/net/unix"), reason="abstract sockets are Linux's")
def test_an_abstract_notify_socket_and_the_beats_rate_limited():
    name = f"dreams-test-{os.getpid()}"
    now = [100.0]
    with listening("\0" + name) as listener:
        heartbeat = Heartbeat({"NOTIFY_SOCKET": "@" + name}, clock=lambda: now[0])
        for _ in range(50):  # frames at 50 fps for 3.5 s
            heartbeat.beat()
            now[0] += 0.07
        heartbeat.stopping()
        messages = received(listener)
    assert [m.split("\n")[0] for m in messages] == ["READY=1", *["WATCHDOG=1"] * 2, "STOPPING=1"]


@needs_unix
def test_a_notify_socket_that_is_gone_is_one_log_line(tmp_path, caplog):
    heartbeat = Heartbeat(
        {"NOTIFY_SOCKET": str(tmp_path / "nobody")}, clock=iter(range(99)).__next__
    )
    with caplog.at_level(logging.WARNING):
        for _ in range(10):
            heartbeat.beat()
        heartbeat.stopping()
    assert len(caplog.records) == 1 and "heartbeat" in caplog.text


def test_without_notify_socket_nothing_is_sent():
    heartbeat = Heartbeat({})
    heartbeat.beat()
    heartbeat.stopping()
    assert heartbeat.socket is None


def service(tmp_path, *args):
    """`dreams service ...` as a child, its home (and every folder a unit goes) in tmp_path."""
    env = {"HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
           "XDG_DATA_HOME": str(tmp_path / "data"),
           "LOCALAPPDATA": str(tmp_path / "local")}  # fmt: skip
    return run_dreams("service", *args, env=env)


DREAMS_SCRIPT = str(Path(sys.executable).absolute().parent / "dreams")
ODD_FILM = 'film.source="a film at 100% $HOME.mp4"'  # spaces, a specifier, a variable, quotes


def exec_start_words(line: str) -> list[str]:
    """ExecStart= split as systemd splits it (for what we write: quotes and \\); %% and $$ are
    the characters, a single % or $ is systemd's own (a specifier, a variable), not as typed."""
    kept = lambda m: m[1] if m[2] == m[1] else "<systemd's>"  # noqa: E731
    return [re.sub(r"([%$])(.?)", kept, word) for word in shlex.split(line)]


@pytest.mark.slow
def test_the_linux_unit_is_verified_by_systemd_and_not_overwritten(tmp_path):
    result = service(tmp_path, "install", "--system", "linux", "--", "--display", "1", "--set",
                     ODD_FILM)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "systemctl --user enable --now dreams" in result.stdout
    assert "daemon-reload" in result.stdout and "autologin" in result.stdout
    unit = tmp_path / "config" / "systemd" / "user" / "dreams.service"
    lines = unit.read_text().splitlines()
    for expected in ("Type=notify", "Restart=always", "WatchdogSec=30", f"WorkingDirectory={ROOT}",
                     "PartOf=graphical-session.target", "After=graphical-session.target",
                     "WantedBy=graphical-session.target"):  # fmt: skip
        assert expected in lines
    (exec_start,) = [line.removeprefix("ExecStart=") for line in lines if "ExecStart=" in line]
    assert exec_start_words(exec_start) == [DREAMS_SCRIPT, "run", "--display", "1", "--set",
                                            ODD_FILM]  # fmt: skip
    if shutil.which("systemd-analyze"):  # verify needs a runtime folder for --user, not systemd
        runtime = tmp_path / "runtime"
        runtime.mkdir(mode=0o700)
        env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), "HOME": str(tmp_path)}
        verify = subprocess.run(["systemd-analyze", "verify", "--user", str(unit)], env=env,
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert (verify.returncode, verify.stdout + verify.stderr) == (0, "")  # no warning either
    written = unit.read_bytes()
    again = service(tmp_path, "install", "--system", "linux")
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert again.stderr.count("\n") == 1 and str(unit) in again.stderr and "--force" in again.stderr
    assert unit.read_bytes() == written
    assert service(tmp_path, "install", "--system", "linux", "--force").returncode == 0
    assert "--display" not in unit.read_text()


def test_the_macos_agent_reads_back(tmp_path):
    result = service(tmp_path, "install", "--system", "macos", "--", "--display", "1")
    assert result.returncode == 0, result.stderr
    with open(tmp_path / "Library" / "LaunchAgents" / "art.dreams.show.plist", "rb") as file:
        agent = plistlib.load(file)
    assert agent["ProgramArguments"] == [DREAMS_SCRIPT, "run", "--display", "1"]
    assert agent["KeepAlive"] is True and agent["RunAtLoad"] is True
    assert agent["WorkingDirectory"] == str(ROOT)
    log = Path(agent["StandardOutPath"])
    assert log == Path(agent["StandardErrorPath"]) and log.parent.is_dir()
    assert "launchctl bootstrap" in result.stdout


def test_the_windows_task_reads_back(tmp_path):
    result = service(tmp_path, "install", "--system", "windows", "--", "--film", "a film.mp4")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "local" / "Dreams" / "dreams-task.xml"
    assert path.read_bytes()[:2] == b"\xff\xfe"  # UTF-16, as schtasks reads it
    task = ElementTree.parse(path).getroot()
    ns = {"t": "http://schemas.microsoft.com/windows/2004/02/mit/task"}
    assert task.find("t:Triggers/t:LogonTrigger", ns) is not None
    assert task.findtext("t:Settings/t:RestartOnFailure/t:Interval", namespaces=ns) == "PT1M"
    assert task.findtext("t:Settings/t:RestartOnFailure/t:Count", namespaces=ns) == "999"
    assert task.findtext("t:Settings/t:ExecutionTimeLimit", namespaces=ns) == "PT0S"
    assert task.findtext("t:Actions/t:Exec/t:Command", namespaces=ns).endswith("dreams.exe")
    assert task.findtext("t:Actions/t:Exec/t:Arguments", namespaces=ns) == 'run --film "a film.mp4"'
    assert task.findtext("t:Actions/t:Exec/t:WorkingDirectory", namespaces=ns) == str(ROOT)
    assert f"schtasks /Create /XML {path} /TN Dreams" in result.stdout


def test_print_shows_the_unit_and_writes_nothing(tmp_path):
    result = service(tmp_path, "install", "--system", "linux", "--print")
    assert result.returncode == 0 and "Type=notify" in result.stdout
    assert not (tmp_path / "config").exists()


def test_a_bad_run_option_is_refused_at_install(tmp_path):
    result = service(tmp_path, "install", "--system", "linux", "--", "--display", "one")
    assert (
        result.returncode == 2 and result.stderr.count("\n") == 1 and "--display" in result.stderr
    )
    assert not (tmp_path / "config").exists()


def test_remove_takes_away_only_what_dreams_wrote(tmp_path):
    units = tmp_path / "config" / "systemd" / "user"
    units.mkdir(parents=True)
    theirs = units / "dreams.service"
    theirs.write_text("[Service]\nExecStart=/usr/bin/their-own-show\n")
    refused = service(tmp_path, "remove", "--system", "linux")
    assert (
        refused.returncode == 2
        and refused.stderr.count("\n") == 1
        and str(theirs) in refused.stderr
    )
    assert "their-own-show" in theirs.read_text()
    assert service(tmp_path, "install", "--system", "linux", "--force").returncode == 0
    (aside,) = units.glob("dreams.service.before-dreams-*")  # --force kept theirs aside
    assert "their-own-show" in aside.read_text()
    wants = units / "graphical-session.target.wants"
    wants.mkdir()
    (wants / "dreams.service").symlink_to(theirs)  # what `systemctl --user enable` makes
    removed = service(tmp_path, "remove", "--system", "linux")
    assert removed.returncode == 0, removed.stderr
    assert not theirs.exists() and not os.path.lexists(wants / "dreams.service")
    assert "their-own-show" in aside.read_text()
    assert "nothing removed" in service(tmp_path, "remove", "--system", "linux").stdout
