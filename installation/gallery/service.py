"""`dreams service install | remove`: what starts the show with the user's session on this
system (units.py has the texts), written where the system looks for it, and taken away again;
`--print` shows it without writing. A unit that is there is not replaced without --force, and
only a unit Dreams wrote (it carries units.MARKER) is ever removed."""

import argparse
import getpass
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from engine.errors import DreamsError
from engine.files import NotRegular, read_regular, write_atomically
from installation.gallery import units
from installation.gallery.units import LABEL, MARKER, TASK, Launch

SYSTEMS = ("linux", "macos", "windows")
UNIT_MAX_BYTES = 1_000_000  # a unit of ours is a few hundred bytes; more is not ours


def this_system() -> str:
    return {"darwin": "macos", "win32": "windows"}.get(sys.platform, "linux")


def add_service_parser(commands) -> None:
    service = commands.add_parser(
        "service", help="start the show with the user's session, restarted if it dies or hangs"
    )
    actions = service.add_subparsers(dest="action", metavar="ACTION", required=True)
    install = actions.add_parser("install", help="write the unit (options for `run` after --)")
    install.add_argument("--print", action="store_true", help="show it; write nothing")
    install.add_argument("--force", action="store_true", help="replace a unit that is there")
    install.add_argument("options", nargs="*", metavar="-- RUN OPTIONS",
                         help="what `dreams run` is given, e.g. -- --display 1")  # fmt: skip
    remove = actions.add_parser("remove", help="disable and remove the unit Dreams wrote")
    for parser in (install, remove):
        parser.add_argument("--system", choices=SYSTEMS, default=this_system(),
                            help="the unit of this system (default: this one)")  # fmt: skip
        parser.add_argument("-v", "--verbose", action="store_true", help="log debugging detail")


def unit_path(system: str) -> Path:
    """Where each system looks for the user's own units."""
    home = Path.home()
    if system == "linux":
        config = os.environ.get("XDG_CONFIG_HOME") or home / ".config"
        return Path(config) / "systemd" / "user" / "dreams.service"
    if system == "macos":
        return home / "Library" / "LaunchAgents" / f"{LABEL}.plist"
    local = os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local"
    return Path(local) / "Dreams" / "dreams-task.xml"  # for schtasks /Create /XML


def unit_bytes(system: str, launch: Launch) -> bytes:
    if system == "linux":
        return units.systemd_unit(launch).encode()
    return units.launchd_plist(launch) if system == "macos" else units.task_xml(launch)


def as_text(data: bytes) -> str:
    return data.decode("utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8", "replace")


def launch_for(system: str, options: list[str]) -> Launch:
    """This install's `dreams` with `run` and the options, checked now as `dreams run` would
    check them (a mistake is said here, not at the next boot), in the current folder."""
    from installation.cli import _load, build_parser
    from installation.show.keeper import state_folder

    parser = build_parser()
    args, unknown = parser.parse_known_args(["run", *options])  # a bad option: one line, exit 2
    if unknown:
        parser.commands["run"].error(f"unrecognized arguments: {' '.join(unknown)}")
    args.argv = ["run", *options]
    config = _load(args)  # a bad config.toml or --set: one line, exit 2
    scripts = Path(sys.executable).absolute().parent  # the venv's bin (Scripts on Windows)
    program = scripts / ("dreams.exe" if system == "windows" else "dreams")
    if system == this_system() and not program.is_file():
        raise DreamsError(f"no `dreams` command at {program}: install Dreams (bin/setup), then "
                          "run `dreams service install` with it")  # fmt: skip
    user = getpass.getuser()
    if domain := os.environ.get("USERDOMAIN"):
        user = f"{domain}\\{user}"
    log = state_folder(config.state) / "service.log"
    return Launch([str(program), "run", *options], Path.cwd(), log, user)


def install(args: argparse.Namespace) -> int:
    launch = launch_for(args.system, args.options)
    data, path = unit_bytes(args.system, launch), unit_path(args.system)
    if args.print:
        sys.stdout.write(as_text(data))
        return 0
    if os.path.lexists(path):
        if not args.force:
            raise DreamsError(f"{path} is there already; `dreams service install --force` "
                              "replaces it (or `dreams service remove` first)")  # fmt: skip
        if not written_by_dreams(path):  # the user's own: kept aside, never lost
            aside = path.with_name(f"{path.name}.before-dreams-{time.strftime('%Y%m%d-%H%M%S')}")
            path.rename(aside)
            print(f"kept your {path.name} aside as {aside}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
        if args.system == "macos":
            launch.console_log.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DreamsError(f"{path} could not be written: {error.strerror or error}") from None
    print(f"wrote {path}")
    return AFTER_INSTALL[args.system](path, args.force)


def after_linux(path: Path, force: bool) -> int:
    print("to start it now and at every log-in:\n  systemctl --user daemon-reload\n"
          "  systemctl --user enable --now dreams\n"
          "for a gallery, let the machine log in by itself (the desktop's autologin): the show "
          "starts with the graphical session, not at boot without one (`loginctl enable-linger` "
          "gives no screen)")  # fmt: skip
    return 0


def after_macos(path: Path, force: bool) -> int:
    print("to start it now (it starts at every log-in):\n"
          f"  launchctl bootstrap gui/$(id -u) {path}\n"
          "for a gallery, let the Mac log in by itself (automatic log-in)")  # fmt: skip
    return 0


def after_windows(path: Path, force: bool) -> int:
    command = ["schtasks", "/Create", "/XML", str(path), "/TN", TASK, *(["/F"] if force else [])]
    if this_system() != "windows" or shutil.which("schtasks") is None:
        print("to register it on Windows:\n  " + subprocess.list2cmdline(command))
        return 0
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        hint = "" if force else "; --force replaces a task called Dreams"
        raise DreamsError(f"schtasks did not register the task: {said[-1] if said else ''}{hint}")
    print(f"registered the task {TASK}: it starts at your next log-on (schtasks /Run /TN {TASK} "
          "starts it now); let Windows log in by itself for a gallery (netplwiz)")  # fmt: skip
    return 0


AFTER_INSTALL = {"linux": after_linux, "macos": after_macos, "windows": after_windows}


def written_by_dreams(path: Path) -> bool:
    """Known for sure: MARKER on one of the unit's first lines."""
    try:
        text = as_text(read_regular(path, UNIT_MAX_BYTES))
    except (OSError, NotRegular):
        return False
    return any(MARKER in line for line in text.splitlines()[:3])


def remove(args: argparse.Namespace) -> int:
    path = unit_path(args.system)
    if not os.path.lexists(path):
        print(f"no Dreams service here: {path} is not there; nothing removed")
        return 0
    if not written_by_dreams(path):
        raise DreamsError(f"{path} was not written by `dreams service install`; it is left as it "
                          "is (remove it yourself if it is yours to remove)")  # fmt: skip
    stopped = this_system() == args.system and DISABLE[args.system](path)
    try:
        path.unlink()
    except OSError as error:
        raise DreamsError(f"{path} could not be removed: {error.strerror or error}") from None
    print(f"removed {path}")
    if args.system == "linux":
        _drop_enabled_link(path)
        if stopped:
            _ask("systemctl", "--user", "daemon-reload")
    return 0


def _ask(*command: str) -> bool:
    """Run a command of the system's service manager where there is one; False if it failed."""
    if shutil.which(command[0]) is None:
        return False
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"{' '.join(command)}: {error}")
        return False
    if done.returncode != 0:
        said = (done.stderr or done.stdout).strip().splitlines()
        print(f"{' '.join(command)}: {said[-1] if said else f'exit status {done.returncode}'}")
    return done.returncode == 0


def _disable_linux(path: Path) -> bool:
    if not _ask("systemctl", "--user", "disable", "--now", path.name):
        return False
    print("stopped and disabled dreams (systemctl --user disable --now dreams)")
    return True


def _drop_enabled_link(path: Path) -> None:
    """Where systemctl could not disable it (no user manager running), the link its `enable`
    made is removed here: only a link to our own unit."""
    link = path.parent / "graphical-session.target.wants" / path.name
    if link.is_symlink() and Path(os.readlink(link)) == path:
        link.unlink()
        print(f"removed the link {link}")


def _disable_macos(path: Path) -> bool:
    if not _ask("launchctl", "bootout", f"gui/{os.getuid()}", str(path)):
        return False
    print(f"stopped the agent {LABEL}")
    return True


def _disable_windows(path: Path) -> bool:
    """The task called Dreams is deleted only when it is ours (its description has MARKER)."""
    if shutil.which("schtasks") is None:
        return False
    query = ["schtasks", "/Query", "/TN", TASK, "/XML"]
    try:
        found = subprocess.run(query, capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    if found.returncode != 0 or MARKER not in found.stdout:
        print(f"no task {TASK} made by Dreams is registered: none deleted")
        return False
    if not _ask("schtasks", "/Delete", "/TN", TASK, "/F"):
        return False
    print(f"deleted the task {TASK}")
    return True


DISABLE = {"linux": _disable_linux, "macos": _disable_macos, "windows": _disable_windows}


def service_command(args: argparse.Namespace) -> int:
    if not args.verbose:
        logging.disable(logging.INFO)  # its lines are the output: the loading's log is noise
    return install(args) if args.action == "install" else remove(args)
