"""A thread of the live show that fails is never silent: logged with its traceback, shown, counted,
sent over OSC, and restarted (or the show ends with a save). The faults that once killed a thread
or flooded the log: a film source too long for a path, garbage datagrams, screenshots at the
flood rate, a poet still being prepared at the end, a state folder deleted under the show."""

import logging
import shutil
import threading
import time

import pytest
import torch

from engine.config import load_config
from engine.mind.saves import SavesFolder
from installation.show.keeper import Keeper
from installation.show.log_file import open_log_file
from installation.threads import Seek
from tests.oscclient import Listener, ping, send, sender
from tests.showkit import open_test_show, run_with, tiny_poet, when


@pytest.mark.slow
def test_a_film_source_too_long_for_a_path_is_refused_and_the_film_goes_on(
    tmp_path, shapes_film, caplog
):
    show = open_test_show(tmp_path, f"film.source={shapes_film}")
    port, sock = show.osc.port, sender()

    def actions():
        when(lambda: show.current is not None)
        for source in ("x" * 5000, "/tmp/" + "y" * 300, "camera:" + "9" * 5000):
            send(sock, port, "/dreams/film/source", source)
            time.sleep(1.1)  # a refusal is said once a second at most (a flood is one line)
        when(lambda: caplog.text.count("film: not switching") >= 3)
        read = show.film.frames_read
        when(lambda: show.film.frames_read > read + 5)  # still watching
        assert show.film_thread.thread.is_alive() and show.guard.faults == 0
        assert show.film.name == str(shapes_film)

    run_with(show, actions)
    assert "characters; at most 4,096" in caplog.text
    assert "the name is too long (at most 255 characters a name" in caplog.text


def test_a_thread_that_fails_is_logged_shown_counted_sent_and_restarted(
    tmp_path, shapes_film, caplog
):
    listener = Listener()
    show = open_test_show(
        tmp_path,
        f"film.source={shapes_film}",
        f"osc.targets=127.0.0.1:{listener.port}",
        "screen.hud=false",
        f"state.folder={tmp_path / 'state'}",
    )
    file_log = open_log_file(show.config.state)  # dreams.log, as `dreams run` opens it
    try:

        def actions():
            when(lambda: show.current is not None)
            show.film_thread.inbox.send(Seek("half"))  # a request the film cannot do: it raises
            when(lambda: ("thread failed: film",) in listener.got("/dreams/event"))
            assert "the film thread failed (dreams.log says why)" in show.hud_lines()  # HUD off
            read = show.film.frames_read
            when(lambda: show.film.frames_read > read + 5)  # restarted: watching again
            assert show.film_thread.thread.is_alive()

        summary = run_with(show, actions)
    finally:
        logging.getLogger().removeHandler(file_log.handler)
        file_log.handler.close()
        listener.close()
    assert summary.thread_faults == 1
    (line,) = [r for r in caplog.records if "the film thread failed" in r.getMessage()]
    assert "ValueError" in line.getMessage() and "restarted" in line.getMessage()
    assert "Traceback" not in caplog.text  # the console has one line
    written = (tmp_path / "state" / "dreams.log").read_text()
    assert "Traceback (most recent call last)" in written and "film_thread.py" in written
    assert "1 thread faults in this show" in written


def test_a_keeper_that_fails_ends_the_show_with_a_save(tmp_path, shapes_film, caplog):
    folder = tmp_path / "state"
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "state.enabled=true",
                          f"state.folder={folder}")  # fmt: skip

    def actions():
        when(lambda: show.current is not None and show.current.number >= 3)
        # a state the keeper cannot write, for a reason other than a full disk
        show.keeper.offer({"trainer": {"number": 1}, "what": lambda: None})

    summary = run_with(show, actions, end_with_actions=False)  # the show ends by itself
    assert summary.thread_faults == 1
    assert "the state thread failed" in caplog.text and "the show ends with a save" in caplog.text
    saved, _ = SavesFolder(folder, keep=3).newest_good()
    assert saved["trainer"]["number"] == summary.last_network >= 3  # nothing but the moment lost


def test_out_of_gpu_memory_the_show_halves_the_batch_and_dreams_on(tmp_path, shapes_film, caplog):
    """A CPU cannot run out of GPU memory: the trainer's third step raises what CUDA raises."""
    show = open_test_show(tmp_path, f"film.source={shapes_film}", networks=6)
    trainer = show.dreaming.trainer
    step, steps, batch = trainer.step, [], trainer.batch_size

    def runs_out_once(render: bool = True):
        steps.append(render)
        if len(steps) == 3:
            raise torch.OutOfMemoryError("CUDA out of memory (a stand-in)")
        return step(render=render)

    trainer.step = runs_out_once
    summary = show.run()
    assert summary.last_network == 6 and trainer.batch_size == batch // 2
    assert f"out of GPU memory; batch halved to {batch // 2}" in caplog.text


@pytest.mark.slow
def test_garbage_datagrams_and_a_screenshot_flood_are_rate_limited(tmp_path, shapes_film, caplog):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "osc.max_messages_per_s=100000",
                          "osc.burst=100000")  # fmt: skip
    port, sock = show.osc.port, sender()
    garbage = b"#bundle\0" + bytes(8) + (4000).to_bytes(4, "big") + b"\xfe" * 4000

    def actions():
        when(lambda: show.current is not None)
        began = time.monotonic()
        for _ in range(2000):
            sock.sendto(garbage, ("127.0.0.1", port))
        while time.monotonic() - began < 2.5:
            send(sock, port, "/dreams/screenshot")
            time.sleep(0.005)
        time.sleep(0.3)
        assert ping(sock, port) == "/dreams/pong"
        show.elapsed = time.monotonic() - began

    run_with(show, actions)
    assert "content type of dgram" not in caplog.text and "\\xfe" not in caplog.text
    seconds = show.elapsed + 1
    assert 1 <= caplog.text.count("a packet not understood ignored") <= seconds
    assert 1 <= caplog.text.count("/dreams/screenshot ignored: at most one every 1 s") <= seconds
    assert 2 <= len(list(tmp_path.glob("dreams-*.png"))) <= seconds  # not one a frame


def test_a_poet_still_being_prepared_never_holds_up_the_end(
    tmp_path, shapes_film, poet_cache, tiny_model_dir, caplog
):
    show = open_test_show(tmp_path, f"film.source={shapes_film}", "voice.enabled=false",
                          *tiny_poet(poet_cache, tiny_model_dir))  # fmt: skip
    caplog.set_level(logging.INFO)
    make_poet, slow_disk = show.poet._make_poet, threading.Event()

    def slow_poet(abort, progress):  # the real preparation, behind a disk answering at the end
        slow_disk.wait()
        return make_poet(abort=abort, progress=progress)

    show.poet._make_poet = slow_poet
    stopped = []

    def actions():
        when(lambda: show.current is not None)
        stopped.append(time.monotonic())

    run_with(show, actions)  # asserts that no thread was left running
    assert time.monotonic() - stopped[0] < 2.0 + 1.0  # the stop, the final steps, the window
    assert show.poet.poet is None
    assert "the show ended while the poet was being prepared" in caplog.text
    slow_disk.set()  # the preparation sees the show's end at its first step, and ends
    when(lambda: not any(t.name == "poet preparing" for t in threading.enumerate()), timeout=5)


def test_the_log_goes_on_in_a_state_folder_deleted_under_the_show(tmp_path):
    folder = tmp_path / "state"
    config = load_config(None, [f"state.folder={folder}"])
    file_log = open_log_file(config.state)
    try:
        logging.getLogger("dreams.test").warning("before the folder went")
        shutil.rmtree(folder)
        logging.getLogger("dreams.test").warning("after the folder went")
    finally:
        logging.getLogger().removeHandler(file_log.handler)
        file_log.handler.close()
    assert "after the folder went" in (folder / "dreams.log").read_text()


def test_a_final_save_that_fails_says_it_is_lost_not_tried_again(tmp_path, caplog):
    folder = tmp_path / "state"
    keeper = Keeper(load_config(None, [f"state.folder={folder}"]).state)
    try:
        shutil.rmtree(folder)
        folder.write_text("a file where the folder was")  # every save now fails
        keeper.write({"trainer": {"number": 7}}, at_exit=True)
    finally:
        keeper.lock.release()
    assert keeper.saves_failed == 1
    assert "network 7 not saved" in caplog.text and "; lost (" in caplog.text
    assert "trying again" not in caplog.text
