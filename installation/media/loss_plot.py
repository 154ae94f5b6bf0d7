"""The losses of a run in one picture: the discriminator's and the generator's loss of every
network, each as a faint raw line under its smoothed one, drawn with matplotlib (its Agg
backend: no display, no pyplot state shared between threads)."""

import io
from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

D_COLOUR = "#d62728"  # the discriminator: red
G_COLOUR = "#1f77b4"  # the generator: blue
RAW_ALPHA = 0.25
SIZE_IN, DPI = (10, 4), 100  # a 1000 x 400 picture


def smoothed(values: np.ndarray, window: int) -> np.ndarray:
    """A moving mean over `window` values, as long as `values` (shorter windows at the ends)."""
    values = np.asarray(values, np.float64)
    if window <= 1 or len(values) < 2:
        return values
    sums = np.concatenate([[0.0], np.cumsum(values)])
    index = np.arange(len(values))
    low = np.maximum(index - window // 2, 0)
    high = np.minimum(index + window // 2 + 1, len(values))
    return (sums[high] - sums[low]) / (high - low)


def loss_plot(numbers: Sequence[int], d_losses: Sequence[float], g_losses: Sequence[float],
              title: str = "") -> bytes:  # fmt: skip
    """The plot as PNG bytes: network number across, loss up."""
    numbers = np.asarray(numbers)
    window = max(1, len(numbers) // 50)
    figure = Figure(figsize=SIZE_IN, dpi=DPI)
    axes = figure.add_subplot()
    for losses, colour, name in ((d_losses, D_COLOUR, "discriminator"),
                                 (g_losses, G_COLOUR, "generator")):  # fmt: skip
        axes.plot(numbers, losses, color=colour, alpha=RAW_ALPHA, linewidth=0.8)
        axes.plot(numbers, smoothed(losses, window), color=colour, linewidth=2, label=name)
    axes.set_xlabel("network")
    axes.set_ylabel("loss")
    if title:
        axes.set_title(title)
    axes.legend(loc="upper right")
    axes.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
