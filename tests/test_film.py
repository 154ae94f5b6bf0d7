import os

import cv2
import numpy as np
import pytest

from engine.errors import FilmError
from engine.mind.film import FilmSource, prepare_frame
from tests.synthetic import shapes_frame


def test_the_bundled_clip_plays_and_loops():
    film = FilmSource("", 64)
    assert film.is_default and film.fps == 25 and film.frame_count == 132
    frames = [film.read() for _ in range(140)]
    assert all(f is not None and f.shape == (64, 64, 1) and f.dtype == np.uint8 for f in frames)
    assert film.loops == 1 and film.frames_skipped == 0
    assert np.array_equal(frames[0], frames[132])  # after the loop, the first frame again
    assert frames[0].std() > 10  # a picture, not a blank


def test_a_video_file_grey_and_colour(shapes_film):
    grey = FilmSource(str(shapes_film), 64)
    assert grey.fps == 25 and grey.frame_count == 100
    frame = grey.read()
    assert frame.shape == (64, 64, 1)
    colour = FilmSource(str(shapes_film), 128, color=True).read()
    assert colour.shape == (128, 128, 3)


def test_without_loop_the_film_ends(shapes_film):
    film = FilmSource(str(shapes_film), 64, loop=False)
    frames = [film.read() for _ in range(101)]
    assert sum(f is not None for f in frames) == 100 and frames[-1] is None


def test_a_truncated_file_plays_what_it_has_and_loops(tmp_path):
    path = tmp_path / "cut.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 25, (96, 72))
    for index in range(40):
        writer.write(shapes_frame(index))
    writer.release()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # the header still promises 40 frames
    film = FilmSource(str(path), 64)
    frames = [film.read() for _ in range(50)]
    assert all(f is not None for f in frames)
    assert film.loops >= 1


def test_prepare_frame_crops_the_centre():
    image = np.zeros((100, 200, 3), np.uint8)
    image[:, 50:150] = 255  # the centre square is white, the sides black
    assert prepare_frame(image, 64, color=False).min() == 255


def test_a_folder_of_images_skips_what_does_not_decode(tmp_path):
    for index in range(6):
        cv2.imwrite(str(tmp_path / f"frame{index:03d}.png"), shapes_frame(index))
    (tmp_path / "frame002.png").write_bytes(b"not a png at all")
    film = FilmSource(str(tmp_path), 64, folder_fps=10)
    assert film.kind == "folder" and film.fps == 10
    frames = [film.read() for _ in range(6)]  # five good images, then the first again
    assert all(f is not None for f in frames)
    assert np.array_equal(frames[0], frames[5])
    assert film.frames_skipped == 1 and film.loops == 1


def test_an_image_too_small_for_the_dreams_is_skipped_and_counted(tmp_path, caplog):
    """A 1 x 1 image has no crop of a wide dream's shape: it is skipped, the folder plays on."""
    for index in range(6):
        cv2.imwrite(
            str(tmp_path / f"frame{index:03d}.png"), cv2.resize(shapes_frame(index), (239, 100))
        )
    cv2.imwrite(str(tmp_path / "frame002b.png"), np.zeros((1, 1, 3), np.uint8))
    film = FilmSource(str(tmp_path), (64, 160))
    frames = [film.read() for _ in range(13)]  # twice round the six good images, then again
    assert all(f is not None and f.shape == (64, 160, 1) for f in frames)
    assert film.frames_skipped == 2 and film.loops == 2
    assert sum("too small to make a 160 x 64 dream" in r.message for r in caplog.records) == 1


@pytest.mark.parametrize(
    "source, words",
    [
        ("/no/such/film.mp4", "film not found"),
        ("camera:front", "camera:N"),
        ("camera:97", "camera camera:97 cannot be opened"),
        pytest.param(
            "/dev/zero",
            "/dev/zero is a device, not a video file",
            marks=pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="no /dev/zero"),
        ),
    ],
)
def test_sources_that_cannot_be_watched(source, words):
    with pytest.raises(FilmError, match=words):
        FilmSource(source, 64)


def test_a_file_that_is_not_a_video(tmp_path):
    path = tmp_path / "notes.mp4"
    path.write_text("these are not frames\n" * 100)
    with pytest.raises(FilmError, match="cannot be"):
        FilmSource(str(path), 64)


def test_an_empty_folder(tmp_path):
    with pytest.raises(FilmError, match="holds no images"):
        FilmSource(str(tmp_path), 64)
