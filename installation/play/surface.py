"""`dreams surface`: a TouchOSC layout (.tosc) generated from the OSC address table (osc.py
ADDRESSES), so that the surface and the show never disagree: a fader for each number (the
table's range), a toggle for each 0/1 setting, a button for each address without an argument,
a page per group (dream, screen, voice, film, presets) and a sync button, always in view, that
asks the show for every current value (/dreams/state), so the controls follow.

The file is written with py2tosc (no dependencies; it writes the editor's own XML, CDATA and
all, zlib-compressed, and validates what it writes), atomically, and never over a file that is
there already: it is refused with one line (exit 2), as a bad folder is.
"""

import zlib
from dataclasses import dataclass
from pathlib import Path

import py2tosc
from py2tosc import ui

from engine.errors import DreamsError, shown
from engine.files import write_atomically
from installation.paths import PathError, check_output
from installation.play.osc import ADDRESSES, Spec

SIZE = (1024, 768)  # an iPad on its side; TouchOSC scales the layout to other screens
BAR = 64  # the bar above the pages: the title and the sync button
SYNC = "/dreams/state"
PRESETS = 9  # presets "1" to "9", as keys 1..9 and Shift+1..9 use them
PAGES = (  # a page for each group of addresses, by their beginnings
    ("dream", ("/dreams/learn/", "/dreams/dream/", "/dreams/reset")),
    ("screen", ("/dreams/screen/", "/dreams/screenshot", "/dreams/sheet")),
    ("voice", ("/dreams/voice/",)),
    ("film", ("/dreams/film/", "/dreams/record/")),
)
MORE = "more"  # a page for an address of none of these groups
COLOURS = {"fader": "#e9a23b", "toggle": "#3aa6a0", "button": "#5b7fbf", "preset": "#9a6fc0",
           "sync": "#5fb36b", "title": "#d8d8d8"}  # fmt: skip


@dataclass(frozen=True)
class Widget:
    """One control of the surface, as the table (or the presets) says."""

    kind: str  # "fader", "toggle", "button", "preset" or "sync"
    address: str
    label: str
    low: float = 0.0
    high: float = 1.0
    integer: bool = False
    argument: str | None = None  # a fixed string sent with it (a preset's name)


def widget_for(address: str, spec: Spec) -> Widget | None:
    """The control for an address, or None where none can give its argument (a string)."""
    group, _, rest = address.removeprefix("/dreams/").partition("/")
    words = rest if rest and group == page_of(address) else f"{group} {rest}".strip()
    label = words.replace("/", " ").replace("_", " ")
    if spec.kind is str:
        return None
    if spec.kind is None:
        return Widget("button", address, label)
    integer = spec.kind is int
    if integer and (spec.low, spec.high) == (0, 1):
        return Widget("toggle", address, label, 0, 1, integer=True)
    return Widget("fader", address, f"{label}  {spec.low:g} to {spec.high:g}", spec.low,
                  spec.high, integer)  # fmt: skip


def page_of(address: str) -> str:
    for name, beginnings in PAGES:
        if address.startswith(beginnings):
            return name
    return MORE


def pages() -> list[tuple[str, list[Widget]]]:
    """The surface's pages, each with its controls, in order; the sync button is on none (it
    is above them all)."""
    grouped: dict[str, list[Widget]] = {name: [] for name, _ in PAGES}
    for address, spec in ADDRESSES.items():
        widget = widget_for(address, spec)
        if widget is not None and address != SYNC:
            grouped.setdefault(page_of(address), []).append(widget)
    grouped["presets"] = [
        Widget("preset", f"/dreams/preset/{verb}", f"{verb} {n}", argument=str(n))
        for verb in ("load", "save")
        for n in range(1, PRESETS + 1)
    ]
    return [(name, widgets) for name, widgets in grouped.items() if widgets]


def _control(widget: Widget) -> py2tosc.Control:
    """The TouchOSC control: what it sends, and (faders, toggles) what it follows."""
    colour = COLOURS[widget.kind]
    if widget.kind in ("button", "preset", "sync"):
        args = [] if widget.argument is None else [ui.const(widget.argument)]
        message = ui.osc(widget.address, args=args, on="RISE", receive=False)
        control = py2tosc.button(name=widget.label, color=colour, messages=[message])
    else:
        conversion = "INTEGER" if widget.integer else "FLOAT"
        value = ui.value("x", conversion=conversion, scale=(widget.low, widget.high))
        message = ui.osc(widget.address, args=[value])  # receives: /dreams/state moves it
        if widget.kind == "toggle":
            control = py2tosc.button(name=widget.label, color=colour, messages=[message],
                                     button_type=py2tosc.ButtonType.TOGGLE_RELEASE)  # fmt: skip
        else:
            control = py2tosc.fader(name=widget.label, color=colour, messages=[message])
    return ui.labelled(control, widget.label, size=16, inset=0.05)


def _page(name: str, widgets: list[Widget]) -> py2tosc.Control:
    faders = [_control(w) for w in widgets if w.kind == "fader"]
    others = [_control(w) for w in widgets if w.kind != "fader"]
    if name == "presets":
        return ui.tiles(*others, columns=PRESETS, rows=2, gap=8, pad=8, name=name)
    parts, sizes = [], []
    if faders:
        parts.append(ui.tiles(*faders, columns=max(4, len(faders)), rows=1, gap=8))
        sizes.append(3)
    if others:
        parts.append(ui.tiles(*others, columns=4, rows=1 + (len(others) - 1) // 4, gap=8))
        sizes.append(1)
    return ui.column(*parts, sizes=sizes, gap=8, pad=8, name=name)


def layout() -> py2tosc.Document:
    """The whole surface, sized (SIZE): the bar (title, sync) above the pager of pages."""
    title = py2tosc.label(name="Dreams", color=COLOURS["title"], text_size=24,
                          values=[py2tosc.Value("text", default="Dreams")])  # fmt: skip
    sync_button = _control(Widget("sync", SYNC, "sync"))
    pager = ui.pager(*(_page(name, widgets) for name, widgets in pages()), name="pages")
    bar = ui.row(title, sync_button, sizes=(5, 1), gap=8, pad=8, name="bar")
    root = ui.column(bar, pager, sizes=(BAR, SIZE[1] - BAR), frame=(0, 0, *SIZE), name="dreams")
    document = py2tosc.Document(root=root)
    document.resolve()
    return document


def tosc(document: py2tosc.Document) -> bytes:
    """The .tosc file's bytes: the XML, zlib-compressed."""
    return zlib.compress(py2tosc.dumps(document).encode())


def check_new(path: Path, what: str) -> Path:
    """A file to make that is not there yet: what is there is never written over."""
    path = check_output(path, what)
    if path.exists():
        raise PathError(f"{what} {shown(path)} exists; give another name, or remove it first")
    return path


def write_surface(out: Path, picture: Path | None = None) -> int:
    """`dreams surface`: the layout to `out`, and its picture to `picture` if asked."""
    out = check_new(out, "--out")
    if picture is not None:
        picture = check_new(picture, "--picture")
        if picture.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise DreamsError(f"--picture {picture}: give a .png or .jpg name")
    document = layout()
    issues = py2tosc.validate(document)
    if issues:  # ours to mend, never the user's: said plainly all the same
        raise DreamsError(f"the surface is not a valid TouchOSC layout: {issues[0]}")
    write_atomically(out, tosc(document))
    print(f"dreams surface: {out} ({sum(len(w) for _, w in pages()) + 1} controls)")
    if picture is not None:
        from installation.play.surface_picture import draw

        draw(document, picture)
        print(f"dreams surface: {picture}")
    return 0
