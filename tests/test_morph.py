"""A preset's glide (installation/play/morph.py), read at its moments: the learning rate passes
through the decades, the other numbers move in even steps, and each ends on its exact value."""

import math

from installation.play.morph import Morph


def test_the_learning_rate_glides_on_a_log_scale_and_the_zoom_linearly():
    morph = Morph()
    start = {"learning_rate": 1e-5, "zoom": 0.1, "steps_per_frame": 1}
    morph.begin(0.0, 2.0, start, {"learning_rate": 1e-3, "zoom": 0.5, "steps_per_frame": 4})
    middle = dict(morph.step(1.0))  # half-way in time is half-way in the (symmetric) easing
    assert math.isclose(middle["learning_rate"], 1e-4, rel_tol=1e-9)  # the geometric midpoint
    assert math.isclose(middle["zoom"], 0.3) and middle["steps_per_frame"] in (2, 3)
    assert dict(morph.step(2.0)) == {"learning_rate": 1e-3, "zoom": 0.5, "steps_per_frame": 4}
    assert morph.gliding == []
