"""Divergence and rebirth, on the real trainer: a planted NaN or a run-away loss rolls the mind
back to its last good snapshot, the number goes on, and it learns on from there."""

import math

import numpy as np
import torch

from engine.config import DreamConfig
from engine.mind.memory import FrameMemory
from engine.mind.rebirth import Guardian
from engine.mind.trainer import Trainer


def a_mind(**settings) -> tuple[Trainer, Guardian]:
    memory = FrameMemory(8, 32, 1, "cpu")
    rng = np.random.default_rng(0)
    for _ in range(8):
        memory.append(rng.integers(0, 256, (32, 32, 1), dtype=np.uint8))
    config = DreamConfig(resolution=32, width=8, batch_size=4, snapshot_every=5, **settings)
    trainer = Trainer(config, memory)
    return trainer, Guardian(trainer)


def steps(trainer, guardian, count):
    reasons = []
    for _ in range(count):
        network, why = guardian.watch(trainer.step())
        reasons.append(why)
    return network, reasons


def test_a_planted_nan_rolls_back_to_the_last_good_snapshot():
    trainer, guardian = a_mind()
    last_good, _ = steps(trainer, guardian, 11)  # snapshots at networks 1, 6 and 11
    kept = {k: v.clone() for k, v in trainer.generator.named_parameters()}
    guardian.watch(trainer.step())  # network 12 moves on from the snapshot
    with torch.no_grad():
        next(trainer.discriminator.parameters()).fill_(math.nan)
    network, why = guardian.watch(trainer.step())
    assert why == "NaN or Inf in its losses" and guardian.rebirths == 1
    assert network.number == 13  # numbers go on: the reborn mind is a new network
    # the screen shows the dreams of the mind rolled back to, and its losses are network 11's
    assert np.array_equal(network.images, last_good.images)
    assert (network.d_loss, network.g_loss) == (last_good.d_loss, last_good.g_loss)
    for name, value in trainer.generator.named_parameters():
        assert torch.equal(value, kept[name]), name
    assert trainer.learning_rate == 1e-4  # halved for a while
    network, reasons = steps(trainer, guardian, 20)
    assert reasons == [None] * 20 and math.isfinite(network.g_loss) and guardian.weights_finite()


def test_the_rate_comes_back_after_the_calm():
    trainer, guardian = a_mind(calm_networks=3)
    steps(trainer, guardian, 2)
    trainer.step()
    with torch.no_grad():
        next(trainer.generator.parameters()).fill_(math.inf)
    _, why = guardian.watch(trainer.step())
    assert why is not None and trainer.learning_rate == 1e-4
    steps(trainer, guardian, 3)
    assert trainer.learning_rate == 2e-4


def test_a_rate_asked_for_during_the_calm_stays_after_it():
    """Even one equal to the lowered rate: the guardian knows the base rate, it does not guess."""
    trainer, guardian = a_mind(calm_networks=3)
    steps(trainer, guardian, 2)
    with torch.no_grad():
        next(trainer.generator.parameters()).fill_(math.inf)
    _, why = guardian.watch(trainer.step())
    assert why is not None and trainer.learning_rate == 1e-4
    guardian.set_rate(1e-4)
    steps(trainer, guardian, 4)
    assert trainer.learning_rate == 1e-4 == guardian.base_rate
    assert trainer.g_optimizer.param_groups[0]["lr"] == 1e-4


def test_a_run_away_loss_is_a_divergence():
    trainer, guardian = a_mind(max_loss=1e-6)  # every loss is above this
    _, reasons = steps(trainer, guardian, 3)
    assert all(why and "ran away" in why for why in reasons) and guardian.rebirths == 3


def test_nan_weights_are_never_kept_as_the_snapshot():
    trainer, guardian = a_mind()
    steps(trainer, guardian, 4)
    with torch.no_grad():  # the losses of this step are still finite, its weights are not
        next(trainer.generator.parameters())[0, 0, 0, 0] = math.nan
    network = trainer.step()
    network, why = guardian.watch(network)
    if why is None:  # not at a snapshot yet: found at the next one at the latest
        network, reasons = steps(trainer, guardian, 5)
        why = next(r for r in reasons if r)
    assert why is not None and guardian.weights_finite()
