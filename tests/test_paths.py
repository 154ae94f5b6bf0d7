"""Every path the user names, and every word, as a hostile user gives them: one line on stderr,
exit status 2, before any work; a book that cannot be written keeps what it had."""

import resource
import signal
import subprocess
import time

import pytest

from engine.poet.book import Book, BookError, open_book_beside
from engine.poet.corpus import Corpus
from engine.poet.writer import Poem
from installation.paths import PathError, check_input, check_output
from tests.conftest import DREAMS, ROOT, run_dreams
from tests.test_write import headings, poet_settings

LONG = "/tmp/" + "a" * 5000 + ".mp4"  # as long as a pasted mistake


def one_error_line(result) -> str:
    """The run's only line that says error; the test fails if there is a traceback or more."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and "usage:" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1, result.stderr
    assert errors[0].startswith("dreams: error: ") and len(errors[0]) < 400
    return errors[0]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["write", "--words", "10", "--out", "/proc/x"], "--out /proc/x cannot be made there"),
        (["write", "--words", "10", "--out", "/dev/full"], "--out /dev/full is a device"),
        (["write", "--words", "10", "--out", "/tmp"], "--out /tmp is a folder"),
        (["record", "--out", LONG, "--networks", "2"], "--out /tmp/aaa"),
        (["record", "--out", "/tmp/x.mp4", "--film", LONG], "--film /tmp/aaa"),
        (["run", "--record", LONG], "--record /tmp/aaa"),
        (["run", "--stats", "/dev/full"], "--stats /dev/full is a device"),
        (["record", "--out", "/tmp/x.mp4", "--config", "/dev/zero"], "--config file /dev/zero"),
        (["teach-poet", "--out", "/dev/full"], "--out /dev/full is a device"),
        (
            ["write", "--words", "5", "--out", "/tmp/b.txt", "--set", f"poet.cache_dir={LONG}"],
            "poet.cache_dir /tmp/aaa",
        ),
        (
            ["record", "--out", "/tmp/x.mp4", "--set", 'film.source="a\\u0000b"'],
            "film.source 'a\\x00b' holds a NUL character",
        ),
    ],
)
def test_a_path_that_cannot_be_used_is_one_line_before_any_work(args, words):
    began = time.monotonic()
    line = one_error_line(run_dreams(*args))
    assert words in line
    if LONG in args:
        assert "too long" in line and "(5,009 characters)" in line
    assert time.monotonic() - began < 60  # no poet was loaded, no network trained


def test_the_helper_says_what_is_wrong_with_a_path(tmp_path):
    book = tmp_path / "book.txt"
    book.write_text("1. A poem\n\nA line.\n\n\n")
    assert check_input(book, "--in") == book and check_output(book, "--out") == book
    assert check_output(tmp_path / "new.txt", "--out") == tmp_path / "new.txt"
    assert check_output(tmp_path / "poet", "--out", folder=True) == tmp_path / "poet"
    assert list(tmp_path.iterdir()) == [book]  # the probe of the folder left nothing
    for call, words in [
        (lambda: check_input(tmp_path / "none.txt", "--in"), "--in not found"),
        (lambda: check_input(tmp_path, "--in"), "is a folder; give a regular file"),
        (lambda: check_input("/dev/zero", "--in"), "is a device"),
        (lambda: check_output(tmp_path / "no" / "b.txt", "--out"), "does not exist"),
        (lambda: check_output(book, "--out", folder=True), "is a file; give a new folder"),
        (lambda: check_output(tmp_path / "x.txt", "--out", need_mb=1e12), "MB free"),
        (lambda: check_output(tmp_path / ("b" * 256), "--out"), "too long"),
    ]:
        with pytest.raises(PathError, match=words):
            call()


def test_a_book_is_never_read_from_a_device_nor_cut_when_it_is_not_ours(tmp_path):
    with pytest.raises(BookError, match="not a regular file"):
        Book("/dev/zero")  # would read forever, were it read
    for text in ("My own notes, not a book.\n", "1. buy milk\n2. call mum\n", "1", "1. A\n\n\n"):
        notes = tmp_path / "notes.txt"
        notes.write_text(text)  # a list that looks like a half-written book is still someone's
        with pytest.raises(BookError, match="not a book Dreams wrote"):
            Book(notes)
        assert notes.read_text() == text


@pytest.mark.slow
def test_dreams_write_refuses_a_users_list_and_keeps_it(tmp_path):
    todo = tmp_path / "todo.txt"
    todo.write_text("1. buy milk\n2. call mum\n")
    line = one_error_line(run_dreams("write", "--words", "12", "--out", str(todo)))
    assert str(todo) in line and "not a book Dreams wrote" in line and "new file" in line
    assert todo.read_text() == "1. buy milk\n2. call mum\n"


def test_the_live_book_starts_beside_a_users_file_and_goes_on_there(tmp_path, caplog):
    mine = tmp_path / "poems.txt"
    mine.write_text("1. Roses are red\n")
    book = open_book_beside(mine)
    book.append(Poem("The grey sea", [["The grey sea whispers to the land,", "And all."]]))
    assert book.path == tmp_path / "poems-2.txt" and "poems-2.txt" in caplog.text
    assert mine.read_text() == "1. Roses are red\n"
    again = open_book_beside(mine)  # the next day: the same book beside it, numbered on
    assert again.path == book.path and again.last_number == 1


@pytest.mark.slow
def test_a_book_on_a_full_disk_is_one_line_exit_1_and_keeps_its_poems(
    tmp_path, poet_cache, tiny_model_dir
):
    book = tmp_path / "book.txt"
    before = Book(book)
    before.append(Poem("The grey sea", [["The grey sea whispers to the land,", "And all."]]))
    kept = book.read_bytes()
    Corpus.load(poet_cache).vocabulary()  # its cache written now: only the book meets the limit

    def small_disk():  # the book may grow by 30 bytes: half a poem, then the disk is full
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        limit = len(kept) + 30
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    args = ["write", "--words", "400", "--out", str(book), "--batch", "2"]
    result = subprocess.run(
        [*DREAMS, *args, *poet_settings(poet_cache, tiny_model_dir)],
        cwd=ROOT,
        preexec_fn=small_disk,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if "error" in x]
    assert f"the book {book} could not be written" in line and "1 whole poems" in line
    assert book.read_bytes() == kept and headings(book) == [1]


@pytest.mark.slow
def test_a_mistaken_option_is_one_line_that_points_to_help():
    line = one_error_line(run_dreams("record", "--out", "/tmp/x.mp4", "--fps", "abc"))
    assert "--fps: give a whole number, not 'abc'; see dreams record --help" in line
    line = one_error_line(run_dreams("record", "--out", "/tmp/x.mp4", "--fps", "0"))
    assert "--fps 0: record.fps = 0 is not valid; expected between 1 and 240" in line
    line = one_error_line(run_dreams("record", "--out", "/tmp/x.mp4", "--bogus"))
    assert "unrecognized arguments: --bogus; see dreams record --help" in line


@pytest.mark.slow
def test_opencv_and_ffmpeg_say_nothing_of_their_own(tmp_path, shapes_film):
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(shapes_film.read_bytes()[:3000])  # its index (moov) is never reached
    for film, words in [("camera:7", "camera camera:7 cannot be opened"), (broken, "cannot be")]:
        result = run_dreams("record", "--out", str(tmp_path / "cut.mp4"), "--film", str(film))
        assert words in one_error_line(result)
        assert [x for x in result.stderr.splitlines() if " INFO " not in x] == [
            x for x in result.stderr.splitlines() if "dreams: error:" in x
        ], result.stderr  # nothing but our line and the log's own


@pytest.mark.slow
@pytest.mark.parametrize(
    ("setting", "words"),
    [
        ("osc.allow=garbage", "osc.allow = 'garbage' is not valid; expected IP addresses"),
        ("osc.allow=192.168.1.20,x", "osc.allow"),
        ('osc.host="no such host!"', "osc.host = 'no such host!' is not valid"),
        ("osc.host=10.255.255.254", "osc.host = '10.255.255.254' is not an address of this"),
    ],
)
def test_osc_words_are_checked_and_named(setting, words, shapes_film):
    line = one_error_line(run_dreams("run", "--film", str(shapes_film), "--set", setting))
    assert words in line and "osc.port" not in line


@pytest.mark.slow
def test_the_reason_for_an_exit_2_is_also_in_the_log(tmp_path):
    folder = tmp_path / "state"
    result = run_dreams(
        "run", "--film", str(tmp_path / "gone.mp4"), "--set", f"state.folder={folder}"
    )
    line = one_error_line(result)
    log = (folder / "dreams.log").read_text()
    assert "ERROR" in log and line.removeprefix("dreams: error: ") in log
