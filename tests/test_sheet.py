"""The contact sheet and the loss plot: the grid, the numbers and the pictures of a sheet of
non-square dreams; which networks a run keeps; a plot with both losses; the live show's sheet at
its end and on /dreams/sheet (at most one in 10 s)."""

import math

import cv2
import numpy as np
import pytest

from installation.media.loss_plot import D_COLOUR, G_COLOUR, loss_plot
from installation.media.sheet import (
    GAP,
    LABEL_HEIGHT,
    Thumbnails,
    cell_size,
    contact_sheet,
    every_nth,
    label,
    png,
)
from installation.threads import SetLearningRate, WriteSheet
from tests.oscclient import send, sender
from tests.showkit import open_test_show, run_with, when


def grid_of(sheet: np.ndarray, dream_shape) -> tuple[int, int]:
    """(rows, columns) of a sheet, counted from its size alone."""
    height, width = cell_size(dream_shape)
    rows, rest_h = divmod(sheet.shape[0] - GAP, height + LABEL_HEIGHT + GAP)
    columns, rest_w = divmod(sheet.shape[1] - GAP, width + GAP)
    assert rest_h == rest_w == 0, sheet.shape  # whole cells, nothing else
    return rows, columns


def cells(sheet: np.ndarray, dream_shape, count: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(picture, label band) of each of the first `count` cells, in reading order."""
    height, width = cell_size(dream_shape)
    _, columns = grid_of(sheet, dream_shape)
    found = []
    for index in range(count):
        row, column = divmod(index, columns)
        top, left = GAP + row * (height + LABEL_HEIGHT + GAP), GAP + column * (width + GAP)
        below = top + height
        found.append((sheet[top:below, left : left + width],
                      sheet[below : below + LABEL_HEIGHT, left : left + width]))  # fmt: skip
    return found


def dreams_of(shape, count: int) -> list[np.ndarray]:
    """Dreams each brighter than the last, with noise, so that every cell is told apart."""
    rng = np.random.default_rng(0)
    return [np.clip(rng.normal(40 + 3 * i, 10, shape), 0, 255).astype(np.uint8)
            for i in range(count)]  # fmt: skip


@pytest.mark.parametrize("shape", [(64, 112, 1), (48, 64, 3)], ids=["grey 64x112", "colour 48x64"])
def test_a_sheet_of_non_square_dreams_has_its_grid_numbers_and_pictures(shape):
    count = 50
    numbers = list(range(1, 3 * count, 3))
    dreams = dreams_of(shape, count)
    sheet = contact_sheet(dreams, numbers)
    rows, columns = grid_of(sheet, shape)
    assert rows * columns >= count > (rows - 1) * columns  # one row at most part empty
    dream_aspect = shape[1] / shape[0]
    assert abs(math.log(sheet.shape[1] / sheet.shape[0] / dream_aspect)) < 0.3  # its shape
    found = cells(sheet, shape, rows * columns)
    for (picture, band), dream, number in zip(found[:count], dreams, numbers, strict=True):
        channels = dream.reshape(-1, shape[2]).mean(axis=0)  # grey is shown grey
        assert np.allclose(picture.reshape(-1, 3).mean(axis=0), channels, atol=1.5)
        assert band.max() > 200 and np.array_equal(band, label(number, picture.shape[1]))
    assert len({band.tobytes() for _, band in found[:count]}) == count  # numbers all differ
    assert all(picture.max() == band.max() == 0 for picture, band in found[count:])  # empty
    decoded = cv2.imdecode(np.frombuffer(png(sheet), np.uint8), cv2.IMREAD_COLOR)
    assert np.array_equal(decoded[..., ::-1], sheet)  # the PNG is the sheet, RGB kept


def test_a_cut_keeps_every_nth_network_from_the_first_to_near_the_last():
    for networks in (60, 150, 1000, 24483):
        every = every_nth(networks)
        kept = Thumbnails(every)
        for number in range(1, networks + 1):
            kept.see(number, np.full((1, 4, 7, 1), number % 256, np.uint8))
        assert kept.numbers == list(range(1, networks + 1, every))
        assert len(kept.numbers) <= 64 and (networks < 64 or len(kept.numbers) >= 32)
        assert kept.numbers[-1] > networks - every  # the sheet holds the whole run
        assert [int(d[0, 0, 0]) for d in kept.dreams] == [n % 256 for n in kept.numbers]


def test_a_live_run_of_unknown_length_doubles_n_when_the_grid_is_full():
    kept = Thumbnails(grow=True)
    first, last = 5001, 5001 + 10_000  # a resumed mind; two networks a frame, one rendered
    for number in range(first, last + 1):
        kept.see(number, None if number % 2 else np.zeros((1, 4, 7, 1), np.uint8))
    assert 32 <= len(kept.numbers) <= 64
    assert kept.numbers[0] == first + 1  # the first rendered network
    gaps = set(np.diff(kept.numbers))
    assert gaps == {kept.every} and kept.every >= 10_000 / 64
    assert kept.numbers[-1] > last - 2 * kept.every
    again = Thumbnails(grow=True)
    again.load_state_dict(kept.state_dict())
    assert again.numbers == kept.numbers and again.every == kept.every


def colour_share(picture: np.ndarray, colour: str) -> float:
    """The share of a BGR picture's pixels within a little of a '#rrggbb' colour."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return float((np.abs(picture[..., ::-1].astype(int) - rgb).max(axis=2) < 40).mean())


def test_the_loss_plot_shows_both_losses():
    rng = np.random.default_rng(0)
    numbers = np.arange(1, 501)
    d_losses = 0.6 + 0.2 * rng.random(500)
    g_losses = 1.5 + 0.5 * rng.random(500)
    picture = cv2.imdecode(np.frombuffer(loss_plot(numbers, d_losses, g_losses), np.uint8),
                           cv2.IMREAD_COLOR)  # fmt: skip
    assert picture is not None and picture.shape[1] > picture.shape[0] >= 300
    assert colour_share(picture, D_COLOUR) > 0.002  # the discriminator's line
    assert colour_share(picture, G_COLOUR) > 0.002  # and the generator's
    assert picture.std() > 20  # not blank


def sheet_cells(path, dream_shape) -> int:
    """How many cells a sheet written by the show has, counted from its pictures: the cells
    that are not black."""
    sheet = cv2.imread(str(path))[..., ::-1]
    rows, columns = grid_of(sheet, dream_shape)
    return sum(picture.max() > 0 for picture, _ in cells(sheet, dream_shape, rows * columns))


@pytest.mark.slow
def test_the_live_show_writes_its_sheet_on_request_and_at_exit(tmp_path, shapes_film):
    state = tmp_path / "state"
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "state.enabled=true",
                          f"state.folder={state}")  # fmt: skip
    port, sock = show.osc.port, sender()
    written = []

    def asked() -> int:
        return [type(request) for request in show.dreaming.applied].count(WriteSheet)

    def actions():
        when(lambda: show.current is not None and show.current.number >= 20)
        written.append(tuple(show.current.images.shape[1:]))  # the dreams' shape
        send(sock, port, "/dreams/sheet")
        when(lambda: asked() == 1)
        (path,) = (state / "sheets").glob("sheet-*.png")
        written.append((path, path.read_bytes()))
        assert sheet_cells(path, written[0]) >= 20  # every network so far, up to here
        send(sock, port, "/dreams/sheet")  # within 10 s: refused
        send(sock, port, "/dreams/learn/rate", 0.0005)  # behind it in the trainer's inbox
        when(lambda: SetLearningRate in [type(request) for request in show.dreaming.applied])
        assert asked() == 1 and show.controls.sheets.refused == 1
        assert path.read_bytes() == written[1][1]  # not written again
        when(lambda: show.current.number >= 40)

    run_with(show, actions)
    shape, (path, first) = written
    assert list((state / "sheets").glob("*.png")) == [path]  # one sheet a run, rewritten
    assert path.read_bytes() != first  # at exit, with the networks since
    kept = show.dreaming.sheet.thumbnails.numbers
    assert sheet_cells(path, shape) == len(kept) >= 40
    assert kept[-1] > show.trainer.number - 2 * show.dreaming.sheet.thumbnails.every  # near the end
