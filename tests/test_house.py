"""The house keeps its plan (DESIGN.md): small files and functions a newcomer can read in one
sitting, the mind never reaching into the body, and rooms by use that the README lists."""

import ast
import re

from tests.conftest import ROOT

MAX_FILE_LINES, MAX_FUNCTION_LINES = 400, 60
CODE = [*ROOT.glob("engine/**/*.py"), *ROOT.glob("installation/**/*.py"), *ROOT.glob("tools/*.py")]


def test_files_and_functions_stay_small():
    too_long = []
    for path in CODE:
        text = path.read_text()
        if text.count("\n") > MAX_FILE_LINES:
            too_long.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))} lines")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = node.end_lineno - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    too_long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}: {length}")
    assert too_long == []


def test_the_engine_never_imports_the_installation():
    offenders = [
        str(path.relative_to(ROOT))
        for path in ROOT.glob("engine/**/*.py")
        if re.search(r"^\s*(from|import) installation\b", path.read_text(), re.M)
    ]
    assert offenders == []


def test_the_two_minds_never_import_each_other_and_the_shared_pieces_neither():
    """engine/mind/ and engine/poet/ import only the shared pieces beside them (DESIGN.md)."""
    offenders = []
    for room, others in (("mind", "poet"), ("poet", "mind"), ("", "(mind|poet)")):
        files = ROOT.glob(f"engine/{room}/*.py" if room else "engine/*.py")
        for path in files:
            if re.search(rf"^\s*(from|import) engine\.{others}\b", path.read_text(), re.M):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_readme_lists_every_room_and_module():
    readme = (ROOT / "README.md").read_text()
    top = sorted(p.name for p in (ROOT / "installation").iterdir() if p.suffix == ".py")
    top_level = ["__init__.py", "cli.py", "console.py", "endings.py", "paths.py", "rate.py",
                 "threads.py", "values.py"]  # fmt: skip
    assert top == top_level  # the rest: in rooms
    rooms = [p for p in (ROOT / "installation").iterdir() if (p / "__init__.py").exists()]
    rooms += [p for p in (ROOT / "engine").iterdir() if (p / "__init__.py").exists()]
    missing = [f"{room.name}/" for room in rooms if f"{room.name}/" not in readme]
    layout = readme[readme.index("\n## Layout") :]
    layout = layout[: layout.index("\n## ", 1)]  # by its file name there: "drift" is everywhere
    for path in [*ROOT.glob("installation/*/*.py"), *ROOT.glob("engine/**/*.py")]:
        if path.name != "__init__.py" and path.name not in layout:
            missing.append(str(path.relative_to(ROOT)))
    assert missing == []
