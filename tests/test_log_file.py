"""dreams.log, as `dreams run` opens it: each line stamped with the network of its moment, and
rotating at `state.log_kb`, keeping `state.log_files`, so weeks on a wall never fill the disk."""

import logging

from engine.config import load_config
from installation.show.log_file import open_log_file


def test_the_log_rotates_at_its_size_keeps_its_files_and_stamps_each_network(tmp_path):
    config = load_config(None, [f"state.folder={tmp_path}", "state.log_kb=16", "state.log_files=2"])
    file_log = open_log_file(config.state)
    file_log.number = lambda: 4321  # the network on screen
    try:
        for line in range(600):  # about 60 kB: more than the three files hold
            logging.getLogger("dreams.test").warning("line %d of a long week %s", line, "." * 40)
    finally:
        logging.getLogger().removeHandler(file_log.handler)
        file_log.handler.close()
    kept = sorted(path.name for path in tmp_path.glob("dreams.log*"))
    assert kept == ["dreams.log", "dreams.log.1", "dreams.log.2"]
    for path in tmp_path.glob("dreams.log*"):
        assert path.stat().st_size <= 16 * 1024
        lines = path.read_text().splitlines()
        assert lines and all(" network 4321 line " in line for line in lines)
    assert "line 599 of" in (tmp_path / "dreams.log").read_text()  # the newest kept
