"""A contact sheet of a run: the first dream of every Nth network in a grid, each cell numbered
with its network's number, the grid shaped like one dream (the sheet has the picture's aspect).

Dreams are (H, W, C) uint8 with C 1 (grey) or 3, and H need not be W. `Thumbnails` keeps them
as a run goes: a cut knows its length and picks N once (`every_nth`); the live show does not, so
it starts at N = 1 and, when the grid is full, doubles N and drops every other one kept."""

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np

from engine.files import write_atomically

log = logging.getLogger(__name__)

MOST_CELLS = 64  # the sheet's cells at most: a run of any length fits in 33..64 of them
CELL_HEIGHT = 128  # px of picture in a cell; the width follows the dream's aspect
LABEL_HEIGHT = 20  # px below each picture for its network's number
GAP = 4  # px of black around every cell
ASPECT_SLACK = 0.2  # a sheet this far (log) from the best aspect, for a fuller grid
LABEL_SCALE = 0.5  # cv2's Hershey font, about 10 px tall


def every_nth(networks: int, most: int = MOST_CELLS) -> int:
    """N such that networks 1, 1 + N, 1 + 2N, ... up to `networks` fill at most `most` cells."""
    return max(1, math.ceil(networks / most))


def cell_size(dream_shape: Sequence[int]) -> tuple[int, int]:
    """(height, width) of a cell's picture for dreams of this (H, W, ...) shape."""
    height, width = dream_shape[0], dream_shape[1]
    return CELL_HEIGHT, max(1, round(CELL_HEIGHT * width / height))


def grid_shape(cells: int, cell_height: int, cell_width: int) -> tuple[int, int]:
    """(rows, columns) for `cells` cells: of the grids whose sheet is near one cell's aspect
    (within ASPECT_SLACK of the nearest, in log), the one with the fewest empty cells."""
    cells = max(cells, 1)
    target = cell_width / cell_height
    pitch_h, pitch_w = cell_height + LABEL_HEIGHT + GAP, cell_width + GAP

    def misfit(columns: int) -> float:
        rows = math.ceil(cells / columns)
        return abs(math.log((columns * pitch_w + GAP) / (rows * pitch_h + GAP) / target))

    nearest = min(misfit(columns) for columns in range(1, cells + 1))
    near = [c for c in range(1, cells + 1) if misfit(c) <= nearest + ASPECT_SLACK]
    columns = min(near, key=lambda c: (math.ceil(cells / c) * c - cells, misfit(c)))
    return math.ceil(cells / columns), columns


def label(number: int, width: int) -> np.ndarray:
    """The band under a cell: its network's number in white on black, (LABEL_HEIGHT, width, 3)."""
    band = np.zeros((LABEL_HEIGHT, width, 3), np.uint8)
    cv2.putText(band, f"{number:,}", (3, LABEL_HEIGHT - 6), cv2.FONT_HERSHEY_SIMPLEX,
                LABEL_SCALE, (255, 255, 255), 1, cv2.LINE_AA)  # fmt: skip
    return band


def as_rgb(dream: np.ndarray, height: int, width: int) -> np.ndarray:
    """A dream as (height, width, 3) uint8: grey made RGB, resized (pixels kept sharp upwards)."""
    dream = np.asarray(dream, np.uint8)
    if dream.ndim == 2:
        dream = dream[..., None]
    if dream.shape[2] == 1:
        dream = np.repeat(dream, 3, axis=2)
    growing = height >= dream.shape[0]
    interpolation = cv2.INTER_NEAREST if growing else cv2.INTER_AREA
    return cv2.resize(dream, (width, height), interpolation=interpolation)


def contact_sheet(dreams: Sequence[np.ndarray], numbers: Sequence[int]) -> np.ndarray:
    """The sheet, (h, w, 3) uint8 RGB: dreams[i] numbered numbers[i], in rows, left to right."""
    if len(dreams) != len(numbers) or not dreams:
        raise ValueError(f"a sheet needs one number per dream ({len(dreams)}, {len(numbers)})")
    height, width = cell_size(np.shape(dreams[0]))
    rows, columns = grid_shape(len(dreams), height, width)
    pitch_h, pitch_w = height + LABEL_HEIGHT + GAP, width + GAP
    sheet = np.zeros((rows * pitch_h + GAP, columns * pitch_w + GAP, 3), np.uint8)
    for index, (dream, number) in enumerate(zip(dreams, numbers, strict=True)):
        row, column = divmod(index, columns)
        top, left = GAP + row * pitch_h, GAP + column * pitch_w
        sheet[top : top + height, left : left + width] = as_rgb(dream, height, width)
        sheet[top + height : top + height + LABEL_HEIGHT, left : left + width] = label(
            number, width
        )
    return sheet


def png(picture: np.ndarray) -> bytes:
    """An RGB picture as PNG bytes."""
    ok, data = cv2.imencode(".png", cv2.cvtColor(picture, cv2.COLOR_RGB2BGR))
    if not ok:
        raise ValueError("the sheet could not be encoded as PNG")
    return data.tobytes()


def first_dream(images) -> np.ndarray:
    """A network's first dream as a host array: its dreams may be a tensor on the GPU."""
    first = images[0]
    if hasattr(first, "cpu"):  # a torch tensor
        first = first.cpu().numpy()
    return np.array(first, np.uint8, copy=True)


class Thumbnails:
    """The first dream of every `every`th network as a run goes: the first network seen, then
    the first due at least `every` networks later. With `grow`, a full grid keeps every other
    one and `every` doubles, so a run of any length fits."""

    def __init__(self, every: int = 1, most: int = MOST_CELLS, grow: bool = False):
        self.every, self.most, self.grow = every, most, grow
        self.numbers: list[int] = []
        self.dreams: list[np.ndarray] = []

    @property
    def next_number(self) -> int:
        return self.numbers[-1] + self.every if self.numbers else 0

    def see(self, number: int, images) -> None:
        """A network's dreams (None where it was not rendered): kept if it is due."""
        if images is None or len(images) == 0 or number < self.next_number:
            return
        if self.grow and len(self.numbers) >= self.most:  # full: every other one, N doubled
            self.numbers, self.dreams = self.numbers[::2], self.dreams[::2]
            spacing = (self.numbers[-1] - self.numbers[0]) // max(len(self.numbers) - 1, 1)
            self.every = max(2 * self.every, spacing)  # N of the ones kept, if networks skipped
        self.numbers.append(number)
        self.dreams.append(first_dream(images))

    def sheet(self) -> np.ndarray:
        return contact_sheet(self.dreams, self.numbers)

    def state_dict(self) -> dict:
        return {"every": self.every, "numbers": list(self.numbers), "dreams": list(self.dreams)}

    def load_state_dict(self, state: dict) -> None:
        self.every = state["every"]
        self.numbers, self.dreams = list(state["numbers"]), list(state["dreams"])


class RunSheet:
    """A live show's contact sheet (sheets/sheet-<start>.png in the state folder): the first
    dream of every Nth network seen, N doubling as the run grows, written whole when asked and
    at the end. Without a state folder (`path` None) nothing is kept, which is said once."""

    def __init__(self, path: Path | None):
        self.path = path
        self.thumbnails = Thumbnails(grow=True)  # the run's length is not known: N doubles
        self._told_none = False

    def see(self, number: int, images) -> None:
        if self.path is not None:
            self.thumbnails.see(number, images)

    def write(self) -> None:
        """Replaced whole; a full disk is logged, and the show goes on."""
        if self.path is None:
            if not self._told_none:
                self._told_none = True
                log.info("show: state.enabled is false, so no contact sheet of this run is kept")
            return
        if not self.thumbnails.numbers:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(self.path, png(self.thumbnails.sheet()))
        except (OSError, ValueError) as error:
            log.error("show: contact sheet %s not written (%s)", self.path, error)
            return
        numbers = self.thumbnails.numbers
        log.info("show: contact sheet %s (networks %d to %d, every %d)", self.path,
                 numbers[0], numbers[-1], self.thumbnails.every)  # fmt: skip
