"""Dreams that drift (`screen.drift`, in loops a minute): each dream's latent wanders on a closed
loop through a few anchors, a spherical path (slerp) from each anchor to the next, the first
anchor the dream's own fixed latent. At 0, as in 2020, nothing moves and nothing extra is run.

Each network is born looking from the drift's place at its birth. Where networks are born more
slowly than the screen draws (a CPU), each one also renders a few pictures further along the
path, shown one after another until the next is born: at most SHARE of the trainer's time goes to
them, and none where a network is born every frame (a GPU). The drift moves where the network
looks, never which network it is. Pure computation: the trainer's thread drives it.
"""

import torch

ANCHORS = 4  # places on each dream's loop: the fixed latent and three more
FRAME_S = 1 / 12  # the pictures between births: twelve a second, as animation on twos
SHARE = 0.25  # of the trainer's time, at most, for them
MOST_BETWEEN = 12  # between two births
LONGEST_GAP_S = 1.0  # a longer gap between births (a pause) counts as this long


def slerp(a: torch.Tensor, b: torch.Tensor, weight: float) -> torch.Tensor:
    """Row by row, the point `weight` of the way from a to b along the great circle (angles from
    the directions, lengths carried along, as the GAN literature does); nearly parallel: lerp."""
    cosine = torch.nn.functional.cosine_similarity(a, b, dim=-1).clamp(-1.0, 1.0)[:, None]
    angle = torch.acos(cosine)
    sine = torch.sin(angle)
    straight = sine.abs() < 1e-6
    safe = torch.where(straight, torch.ones_like(sine), sine)
    start = torch.where(straight, 1.0 - weight, torch.sin((1.0 - weight) * angle) / safe)
    end = torch.where(straight, torch.full_like(sine, weight), torch.sin(weight * angle) / safe)
    return start * a + end * b


class DriftPath:
    """The loops of all the dreams: anchors (ANCHORS, dreams, latent), the first the fixed ones."""

    def __init__(self, latents: torch.Tensor, seed: int):
        more = torch.randn(
            ANCHORS - 1, *latents.shape, generator=torch.Generator().manual_seed(seed + 1)
        )
        self.anchors = torch.cat([latents[None].cpu(), more]).to(latents.device)

    def at(self, position: float) -> torch.Tensor:
        """The dreams' latents `position` loops along (0: the fixed latents exactly)."""
        place = (position % 1.0) * ANCHORS
        index = int(place) % ANCHORS
        start, end = self.anchors[index], self.anchors[(index + 1) % ANCHORS]
        return slerp(start, end, place - int(place))


class Drift:
    """Where the dreams look, network after network, at `speed` loops a minute."""

    def __init__(self, path: DriftPath, speed: float):
        self.path, self.speed = path, speed
        self.position = 0.0  # loops travelled (kept when the speed goes back to 0)
        self.render_s: float | None = None  # one picture's render, as measured
        self._last: float | None = None  # when the last network was planned

    def at_birth(self) -> torch.Tensor | None:
        """The next network's latents, or None to leave them where they are (speed 0)."""
        return self.path.at(self.position) if self.speed > 0 else None

    def between(self, now: float) -> list[tuple[float, torch.Tensor]]:
        """The pictures to render after a birth at `now`: (seconds after it is shown, latents),
        spread over the gap the last birth took; the place moves on by that gap."""
        gap = 0.0 if self._last is None else min(now - self._last, LONGEST_GAP_S)
        self._last = now
        if self.speed <= 0 or gap <= 0:
            return []
        count = self._affordable(gap)
        spacing = gap / (count + 1)
        loops_per_s = self.speed / 60.0
        frames = [
            (i * spacing, self.path.at(self.position + i * spacing * loops_per_s))
            for i in range(1, count + 1)
        ]
        self.position = (self.position + gap * loops_per_s) % 1.0
        return frames

    def _affordable(self, gap: float) -> int:
        wanted = min(int(gap / FRAME_S), MOST_BETWEEN)
        if self.render_s is None:  # not measured yet: one, to measure
            return min(wanted, 1)
        return min(wanted, int(SHARE * gap / max(self.render_s, 1e-4)))

    def rendered(self, seconds: float, count: int) -> None:
        """What `count` pictures took, to keep the next ones within SHARE."""
        if count:
            each = seconds / count
            self.render_s = each if self.render_s is None else 0.7 * self.render_s + 0.3 * each
