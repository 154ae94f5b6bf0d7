"""What starts the show with the user's session, as text for each system: a systemd user unit
(Linux), a launchd agent (macOS), a Task Scheduler task (Windows). Each carries MARKER, so that
`dreams service remove` knows for sure the file is one Dreams wrote (installation/gallery/
service.py writes and removes them)."""

import plistlib
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from engine.errors import DreamsError

MARKER = "Written by `dreams service install`; `dreams service remove` takes it away."
LABEL = "art.dreams.show"  # the launchd agent's name
TASK = "Dreams"  # the Task Scheduler task's name
TASK_NS = "http://schemas.microsoft.com/windows/2004/02/mit/task"
WATCHDOG_S = 30  # a frame loop silent this long is a frozen show (it beats every 2 s)


@dataclass(frozen=True)
class Launch:
    """How the show is started: the command (this install's `dreams`, `run`, the options), the
    folder it runs in (the one with config.toml), where its console goes (launchd only) and the
    user whose log-on starts it (Task Scheduler only)."""

    command: list[str]
    folder: Path
    console_log: Path
    user: str

    def __post_init__(self):
        for text in (*self.command, str(self.folder)):
            if re.search(r"[\x00-\x1f\x7f]", text):  # no unit, plist or task keeps it whole
                raise DreamsError(
                    f"{text!r} has a line break or control character; a service cannot start "
                    "with it: give the option or folder without"
                )


def systemd_word(word: str) -> str:
    """One word of ExecStart=, as systemd splits and expands the line: quoted unless plain,
    its specifiers (%) and variables ($) doubled so that they are kept as typed."""
    if re.fullmatch(r"[\w./:=,+@-]+", word):
        return word
    for special, escaped in (("\\", "\\\\"), ('"', '\\"'), ("%", "%%"), ("$", "$$")):
        word = word.replace(special, escaped)
    return f'"{word}"'


def systemd_unit(launch: Launch) -> str:
    command = " ".join(systemd_word(word) for word in launch.command)
    folder = str(launch.folder).replace("%", "%%")
    return f"""# {MARKER}
[Unit]
Description=Dreams: a machine watches a film and learns to see
# with the desktop: started once it is there, stopped when the session ends
PartOf=graphical-session.target
After=graphical-session.target

[Service]
# ready once the first frame is drawn; then a heartbeat every 2 s from the frame loop
Type=notify
ExecStart={command}
WorkingDirectory={folder}
# started again whenever it ends, and when its heartbeat stops (a frozen show)
Restart=always
RestartSec=5
WatchdogSec={WATCHDOG_S}
# a large mind loads for a while; at the end the step in hand and a save are waited for
TimeoutStartSec=300
TimeoutStopSec=150

[Install]
WantedBy=graphical-session.target
"""


def launchd_plist(launch: Launch) -> bytes:
    agent = {
        "Label": LABEL,
        "ProgramArguments": launch.command,
        "WorkingDirectory": str(launch.folder),
        "RunAtLoad": True,  # at log-in
        "KeepAlive": True,  # started again whenever it ends
        "LimitLoadToSessionType": "Aqua",  # only in a graphical log-in, where it has a screen
        "ProcessType": "Interactive",
        "StandardOutPath": str(launch.console_log),
        "StandardErrorPath": str(launch.console_log),
    }
    text = plistlib.dumps(agent).decode()
    head, body = text.split("<plist", 1)  # the marker after the doctype, before the agent
    return f"{head}<!-- {MARKER} -->\n<plist{body}".encode()


def _element(parent: ET.Element, tag: str, text: str | None = None, **attributes) -> ET.Element:
    element = ET.SubElement(parent, f"{{{TASK_NS}}}{tag}", attributes)
    element.text = text
    return element


def task_xml(launch: Launch) -> bytes:
    """The task for `schtasks /Create /XML FILE /TN Dreams`: at the user's log-on, restarted a
    minute after a failure (999 times), never stopped for running long. UTF-16, as Windows
    writes its own."""
    ET.register_namespace("", TASK_NS)
    task = ET.Element(f"{{{TASK_NS}}}Task", {"version": "1.2"})
    info = _element(task, "RegistrationInfo")
    _element(info, "Author", "Dreams")
    _element(info, "Description", f"{MARKER} Starts the Dreams show at log-on.")
    trigger = _element(_element(task, "Triggers"), "LogonTrigger")
    _element(trigger, "Enabled", "true")
    _element(trigger, "UserId", launch.user)
    principal = _element(_element(task, "Principals"), "Principal", id="Author")
    _element(principal, "UserId", launch.user)
    _element(principal, "LogonType", "InteractiveToken")  # on the user's desktop, not hidden
    _element(principal, "RunLevel", "LeastPrivilege")
    settings = _element(task, "Settings")
    restart = _element(settings, "RestartOnFailure")
    _element(restart, "Interval", "PT1M")
    _element(restart, "Count", "999")
    for tag, value in (("MultipleInstancesPolicy", "IgnoreNew"),
                       ("DisallowStartIfOnBatteries", "false"),
                       ("StopIfGoingOnBatteries", "false"), ("StartWhenAvailable", "true"),
                       ("ExecutionTimeLimit", "PT0S")):  # fmt: skip
        _element(settings, tag, value)
    run = _element(_element(task, "Actions", Context="Author"), "Exec")
    _element(run, "Command", launch.command[0])
    _element(run, "Arguments", subprocess.list2cmdline(launch.command[1:]))
    _element(run, "WorkingDirectory", str(launch.folder))
    ET.indent(task)
    body = ET.tostring(task, encoding="unicode")
    text = f'<?xml version="1.0" encoding="UTF-16"?>\n<!-- {MARKER} -->\n{body}\n'
    return text.encode("utf-16")  # with its byte-order mark
