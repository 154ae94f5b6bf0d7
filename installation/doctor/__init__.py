"""`dreams doctor`: what this machine has and lacks for the show, one line a check, each ok, a
warning (the show runs, with less) or failed (it cannot run until that is fixed), with what to do.

It loads no model and opens no window, and the heavy imports (torch, pygame) happen inside the
checks: a broken torch is a failed line, not a traceback. machine.py holds the checks of the
machine (Python, torch and the GPU, screen, sound, MIDI, video out, the OSC port), files.py those
of the files (the assets, the poet's cache, the state folder).
"""

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from engine.config import Config
from engine.errors import DreamsError
from installation.doctor import files, machine
from installation.doctor.line import FAILED, Line, failed, ok

CHECKS = (  # (the check's name, its function of the config), printed in this order after
    # Python and the config
    ("torch", machine.torch_and_gpu),  # torch, the GPU (the CPU-only trap), the speed ladder
    ("display", machine.display),
    ("sound", machine.sound),
    ("midi", machine.midi),
    ("video out", machine.video_out),
    ("osc port", machine.osc_port),
    ("poet's model", files.poet_model),
    ("corpus", files.corpus),
    ("voice", files.voice),
    ("font", files.font),
    ("film", files.film),
    ("poet's cache", files.poet_cache),
    ("state folder", files.state_folder),
)


def examine(load: Callable[[], Config], config_file: Path | None, as_json: bool) -> int:
    """Every check, printed as lines (or JSON); 0 when the show can run, 1 when one failed."""
    config, config_line = _config(load, config_file)
    lines = [*_checked("python", machine.python, config), config_line]
    for name, check in CHECKS:
        lines += _checked(name, check, config)
    if as_json:
        print(json.dumps([asdict(line) for line in lines], indent=2))
    else:
        print("\n".join(line.shown() for line in lines))
        print(_verdict(lines))
    return 1 if any(line.status == FAILED for line in lines) else 0


def _config(load: Callable[[], Config], config_file: Path | None) -> tuple[Config, Line]:
    """The config as the show would load it (its file, --set), or the defaults when it fails:
    the other checks still run."""
    if config_file is None and Path("config.toml").is_file():
        config_file = Path("config.toml")
    source = str(config_file) if config_file else "no config.toml: every setting its default"
    try:
        return load(), ok("config", f"{source}: valid")
    except DreamsError as error:
        line = failed("config", str(error), "fix it; the checks below use the defaults meanwhile")
        return Config(), line


def _checked(name: str, check, config: Config) -> list[Line]:
    """The check's lines; a check that fails itself (a broken install) is one failed line."""
    try:
        found = check(config)
    except Exception as error:  # any fault of a check is what the user must hear
        reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
        return [failed(name, f"cannot be checked ({type(error).__name__}: {reason})", REINSTALL)]
    return found if isinstance(found, list) else [found]


REINSTALL = "set up again (bin/setup), or run `dreams doctor -v` and report it"


def _verdict(lines: list[Line]) -> str:
    count = {status: sum(line.status == status for line in lines) for status in Line.STATUSES}
    said = f"{count['warning']} warning(s)"
    if count[FAILED]:
        return f"dreams doctor: {count[FAILED]} check(s) failed, {said}: the show cannot run yet"
    return f"dreams doctor: the show can run ({said})"
