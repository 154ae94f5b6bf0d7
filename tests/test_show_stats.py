"""The show's figures as data (`dreams run --stats`): built from its summary, written whole."""

import json

import pytest

from installation.show.show import ShowSummary
from installation.show.stats import Began, show_stats, write_stats


def summary(**changes) -> ShowSummary:
    figures = dict(networks_created=11, networks_shown=9, frames_drawn=300, film_frames=200,
                   film_frames_skipped=0, seconds=12.0, threads_left=[], lines_spoken=2,
                   longest_wait_s=1.5, last_network=111, rebirths=1,
                   first_network_s=2.0)  # fmt: skip
    return ShowSummary(**{**figures, **changes})


def test_the_figures_count_from_the_first_network_on_both_clocks():
    began = Began(unix=1000.0, monotonic=50.0)
    stats = show_stats(summary(), began, show_started=53.0, peak_gpu_mb=None)
    assert stats["first_network_s"] == pytest.approx(2.0)  # after the show began
    assert stats["first_network_at_unix"] == pytest.approx(1005.0)  # after the command
    assert stats["networks_per_s"] == pytest.approx(10 / 10.0)  # the 10 after the first
    assert stats["started_at_unix"] == 1000.0 and stats["peak_gpu_mb"] is None
    assert stats["peak_ram_mb"] > 10
    assert (stats["lines_spoken"], stats["rebirths"], stats["last_network"]) == (2, 1, 111)


def test_a_show_without_a_network_has_no_rate(tmp_path):
    stats = show_stats(summary(networks_created=0, first_network_s=None), Began(), 0.0, None)
    assert stats["first_network_s"] is stats["networks_per_s"] is None
    path = tmp_path / "show.json"
    write_stats(path, stats)
    assert json.loads(path.read_text()) == stats
    assert [p.name for p in tmp_path.iterdir()] == ["show.json"]  # no temporary file left
