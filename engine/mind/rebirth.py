"""Rebirth: a network that diverges (NaN or Inf in its losses or weights, or a loss run away
above `max_loss`) is rolled back to the last good snapshot of the mind, kept in memory on the
training device every `snapshot_every` networks; the learning rate is lowered for
`calm_networks` networks. The network number goes on: a reborn mind is a new network.
The guardian keeps the base rate (the one asked for: the config's, then a person's): a calm
lowers the trainer's below it, and the end of the calm, or a rate asked for meanwhile, ends that.
"""

import copy
import math
from dataclasses import replace

import torch

from engine.mind.trainer import Network, Trainer


class Guardian:
    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.config = trainer.config
        self.rebirths = 0
        self._snapshot: dict | None = None  # trainer state, cloned on its device
        self._snapshot_losses = (0.0, 0.0)
        self._snapshot_at = 0  # network number of the snapshot
        self._calm_until = 0  # network number where the lowered rate ends
        self.base_rate = trainer.learning_rate  # the rate asked for, whatever a calm does
        self._calm = False  # the trainer's rate lowered below the base rate for now

    def watch(self, network: Network) -> tuple[Network, str | None]:
        """After each step: the network to show and None, or after a divergence the reborn
        mind's network and why it was reborn."""
        why = self._divergence(network)
        if why is None and self._snapshot_due(network.number):
            if self.weights_finite():
                self._take_snapshot(network)
            else:
                why = "NaN or Inf in its weights"
        if why is not None:
            return self._rebirth(network), why
        if self._calm and network.number >= self._calm_until:
            self._end_calm()
        return network, None

    def set_rate(self, rate: float) -> None:
        """A rate asked for (a fader, a preset): the trainer's from now on, a calm or not."""
        self.base_rate = rate
        self._calm = False
        self.trainer.set_learning_rate(rate)

    def forget(self) -> None:
        """After a reset or a resume: the snapshot is of another mind."""
        self._snapshot = None

    def weights_finite(self) -> bool:
        trainer = self.trainer
        weights = [*trainer.generator.parameters(), *trainer.discriminator.parameters()]
        return bool(torch.stack([w.isfinite().all() for w in weights]).all())

    def _divergence(self, network: Network) -> str | None:
        losses = (network.d_loss, network.g_loss)
        if not all(map(math.isfinite, losses)):
            return "NaN or Inf in its losses"
        if max(losses) > self.config.max_loss:
            return f"a loss ran away above {self.config.max_loss:g}"
        return None

    def _snapshot_due(self, number: int) -> bool:
        return self._snapshot is None or number - self._snapshot_at >= self.config.snapshot_every

    def _take_snapshot(self, network: Network) -> None:
        """Networks and optimisers only: the random state goes on, so the reborn mind does not
        walk the same path into the same divergence."""
        self._snapshot = copy.deepcopy(self.trainer.networks_state())
        self._snapshot_losses = (network.d_loss, network.g_loss)
        self._snapshot_at = network.number

    def _rebirth(self, network: Network) -> Network:
        trainer = self.trainer
        self.rebirths += 1
        if self._snapshot is None:  # nothing good kept yet: a blank mind
            trainer.reset()
            losses = (0.0, 0.0)
        else:  # a copy: the optimisers would otherwise update the snapshot itself
            trainer.load_networks(copy.deepcopy(self._snapshot))
            losses = self._snapshot_losses
        self._start_calm(network.number)
        return replace(network, images=trainer.dreams(), d_loss=losses[0], g_loss=losses[1])

    def _start_calm(self, number: int) -> None:
        self._calm = True
        # the optimisers' state came with the rate they had: the lowered one is set again
        self.trainer.set_learning_rate(self.base_rate * self.config.rebirth_rate_factor)
        self._calm_until = number + self.config.calm_networks

    def _end_calm(self) -> None:
        self._calm = False
        self.trainer.set_learning_rate(self.base_rate)
