"""A picture of the TouchOSC surface (`dreams surface --picture PATH`), drawn from the same
resolved layout that the .tosc file holds: every page beside the others, each under the bar."""

from pathlib import Path

import py2tosc
from matplotlib import font_manager
from PIL import Image, ImageDraw, ImageFont

from installation.play.surface import SIZE

SCALE = 0.5  # each page at half the layout's size
COLUMNS = 3
BACKGROUND = (24, 24, 28)
TAB = (70, 70, 78)


def draw(document: py2tosc.Document, path: Path) -> None:
    pager = next(c for c in document.root.walk() if c.control_type.name == "PAGER")
    count = len(pager.children)
    width, height = round(SIZE[0] * SCALE), round(SIZE[1] * SCALE)
    rows = -(-count // COLUMNS)
    gap = 12
    sheet = Image.new("RGB", (COLUMNS * (width + gap) + gap, rows * (height + gap) + gap),
                      (255, 255, 255))  # fmt: skip
    for page in range(count):
        panel = Image.new("RGB", (width, height), BACKGROUND)
        _draw(ImageDraw.Draw(panel), document.root, (0.0, 0.0), page)
        row, column = divmod(page, COLUMNS)
        sheet.paste(panel, (gap + column * (width + gap), gap + row * (height + gap)))
    sheet.save(path, quality=90)


def _font(size: float) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_manager.findfont("DejaVu Sans"), max(8, round(size * SCALE)))


def _rgb(control: py2tosc.Control, factor: float = 1.0) -> tuple[int, int, int]:
    colour = control.color
    return tuple(min(255, round(255 * channel * factor)) for channel in (colour.r, colour.g,
                                                                         colour.b))  # fmt: skip


def _draw(canvas: ImageDraw.ImageDraw, control: py2tosc.Control, origin, page: int) -> None:
    frame = control.frame
    x, y = origin[0] + frame.x, origin[1] + frame.y
    box = [v * SCALE for v in (x, y, x + frame.w, y + frame.h)]
    kind = control.control_type.name
    children = list(control.children)
    if kind == "PAGER":
        _tabs(canvas, control, box, page)
        children = [children[page]]
    elif kind == "FADER":
        canvas.rounded_rectangle(box, 6, fill=_rgb(control, 0.35))
        level = box[3] - (box[3] - box[1]) * 0.4
        canvas.rounded_rectangle([box[0], level, box[2], box[3]], 6, fill=_rgb(control))
    elif kind == "BUTTON":
        toggle = control.get("buttonType") not in (None, 0)
        canvas.rounded_rectangle(box, 6, fill=_rgb(control, 0.35 if toggle else 0.8),
                                 outline=_rgb(control), width=3 if toggle else 1)  # fmt: skip
    elif kind == "LABEL":
        size = control.get("textSize") or 16
        canvas.text(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2), control.get("name"),
                    fill=(245, 245, 245), font=_font(size), anchor="mm")  # fmt: skip
    for child in children:
        _draw(canvas, child, (x, y), page)


def _tabs(canvas, pager: py2tosc.Control, box: list[float], page: int) -> None:
    bar = (pager.get("tabbarSize") or 40) * SCALE
    names = [child.get("tabLabel") or child.get("name") for child in pager.children]
    width = (box[2] - box[0]) / len(names)
    for i, name in enumerate(names):
        tab = [box[0] + i * width + 1, box[1], box[0] + (i + 1) * width - 1, box[1] + bar - 2]
        shown = i == page
        canvas.rectangle(tab, fill=(150, 150, 160) if shown else TAB)
        canvas.text(((tab[0] + tab[2]) / 2, (tab[1] + tab[3]) / 2), name, anchor="mm",
                    fill=(20, 20, 20) if shown else (220, 220, 220), font=_font(18))  # fmt: skip
