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


def importing(files, package: str, indented: bool = True) -> list[str]:
    """Those of `files` with an import of `package` (a regular expression); `indented` False:
    at the top level only (one under TYPE_CHECKING is not run)."""
    margin = r"\s*" if indented else ""
    line = rf"^{margin}(from|import) {package}\b"
    return [str(p.relative_to(ROOT)) for p in files if re.search(line, p.read_text(), re.M)]


def test_the_engine_never_imports_the_installation():
    assert importing(ROOT.glob("engine/**/*.py"), "installation") == []


def test_the_two_minds_never_import_each_other_and_the_shared_pieces_neither():
    """engine/mind/ and engine/poet/ import only the shared pieces beside them (DESIGN.md)."""
    offenders = []
    for room, others in (("mind", "poet"), ("poet", "mind"), ("", "(mind|poet)")):
        files = ROOT.glob(f"engine/{room}/*.py" if room else "engine/*.py")
        offenders += importing(files, rf"engine\.{others}")
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


MAX_CLASS_ATTRIBUTES = 20


def attributes_set(cls: ast.ClassDef) -> set[str]:
    """The distinct `self.x` a class's own methods set (=, +=, x: T =, and a, self.x = ...)."""
    names = set()
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) or not method.args.args:
            continue
        me = method.args.args[0].arg
        for node in ast.walk(method):
            targets = []
            if isinstance(node, ast.Assign):
                targets = node.targets
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            for target in targets:
                for part in ast.walk(target):
                    mine = isinstance(part, ast.Attribute) and isinstance(part.value, ast.Name)
                    if mine and part.value.id == me and isinstance(part.ctx, ast.Store):
                        names.add(part.attr)
    return names


def test_no_class_holds_more_than_twenty_attributes():
    """Small orchestrators with typed parts (DESIGN.md): a class that outgrows twenty
    attributes is split into parts of its own."""
    crowded = []
    for path in [*ROOT.glob("engine/**/*.py"), *ROOT.glob("installation/**/*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ClassDef):
                count = len(attributes_set(node))
                if count > MAX_CLASS_ATTRIBUTES:
                    crowded.append(f"{path.relative_to(ROOT)}: {node.name} sets {count}")
    assert crowded == []


def test_the_attribute_count_sees_every_way_of_setting_one():
    source = """
class Crowded:
    def __init__(self, x):
        self.a, self.b = 1, 2
        self.c: int = 3
        self.d = self.e = 4
        other.f = 5
    def later(this):
        this.g += 1
        this.a = 0
"""
    (crowded,) = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)]
    assert attributes_set(crowded) == {"a", "b", "c", "d", "e", "g"}


def show_chains(text: str) -> list[str]:
    """`show.a.b` and longer: reaching through the show into its parts' parts."""
    chains = []
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            inner = node.value
            if isinstance(inner.value, ast.Name) and inner.value.id == "show":
                chains.append(f"show.{inner.attr}.{node.attr} (line {node.lineno})")
            if (isinstance(inner.value, ast.Attribute) and inner.value.attr == "show"
                    and isinstance(inner.value.value, ast.Name)):  # fmt: skip
                chains.append(f"{inner.value.value.id}.show.{inner.attr}.{node.attr}")
    return chains


def test_the_players_are_given_their_parts_not_the_show():
    """The controls, the keys and the HUD drive the parts they are given; nobody reaches
    through the show into its parts (`show.stage.look.zoom`)."""
    assert show_chains("show.stage.look.zoom = 1\nself.show.stage.hud_on\nshow.current") != []
    assert len(show_chains("self.show.stage.hud_on = 1")) == 1
    reaching = {}
    for name in ("play/controls.py", "show/hud.py", "play/keys.py"):
        reaching[name] = show_chains((ROOT / "installation" / name).read_text())
    assert reaching == {name: [] for name in reaching}


def test_play_never_imports_the_show_to_run():
    """play/ sits below show/: it is given the show's parts, typed under TYPE_CHECKING only."""
    files = ROOT.glob("installation/play/*.py")
    assert importing(files, r"installation\.show", indented=False) == []
