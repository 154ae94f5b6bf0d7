"""The live show's frame rate (installation/show/pace.py): `screen.fps` at most, or at "auto"
what the machine can give for about a quarter of a core, never below 30 nor above 60."""

import pytest

from installation.show.pace import FramePace


def frames(pace: FramePace, seconds: float, count: int = 60) -> int:
    for _ in range(count):
        pace.worked(seconds)
    return pace.fps


def test_auto_draws_fewer_frames_where_each_costs_more_but_never_stutters():
    assert frames(FramePace("auto", cores=2), 0.001) == 60  # cheap: the projector's rate
    assert frames(FramePace("auto", cores=2), 0.006) == 41  # two cores: a quarter of one
    assert frames(FramePace("auto", cores=2), 0.050) == 30  # a slow machine: still smooth enough
    pace = FramePace("auto", cores=2)
    frames(pace, 0.050)
    assert frames(pace, 0.002) == 60  # the neighbour left: the rate comes back


def test_a_machine_with_cores_to_spare_gives_the_picture_a_whole_core():
    assert frames(FramePace("auto", cores=16), 0.012) == 60  # a GPU machine: 60 at 12 ms
    assert frames(FramePace("auto", cores=4), 0.012) == 60  # three quarters of a core
    assert frames(FramePace("auto", cores=2), 0.012) == 30


def test_a_number_is_kept_and_the_frame_times_are_the_shows_figures():
    pace = FramePace(24)
    assert frames(pace, 0.050, count=99) == 24
    pace.worked(0.200)  # one slow frame
    figures = pace.figures()
    assert figures["frame_ms_median"] == pytest.approx(50.0)
    assert figures["frame_ms_p99"] == pytest.approx(200.0)
    assert FramePace("auto").figures()["frame_ms_median"] is None


def test_the_figures_of_a_long_show_take_no_more_room_than_a_short_ones():
    pace = FramePace("auto", cores=2)
    room = pace._counts.nbytes
    frames(pace, 0.010, count=99_000)  # half an hour at 60 frames a second, and more
    frames(pace, 0.040, count=1_000)
    assert pace._counts.nbytes == room  # counts in bins, not a list of every frame's time
    figures = pace.figures()
    assert figures["frame_ms_median"] == pytest.approx(10.0)
    assert figures["frame_ms_p99"] == pytest.approx(40.0)
