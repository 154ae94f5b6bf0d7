"""Grid energy: how much of the dreams is a regular dot grid, the checkerboard that transposed
convolutions leave (Odena et al., "Deconvolution and Checkerboard Artifacts", 2016).

The dreams' mean power spectrum is read at the frequencies of a grid of period 2, 4 and 8 pixels
(the strides of the last three doublings) and set against the median power of the frequencies
around each. 1 means no grid: the picture is as strong there as beside it; 10 means a grid ten
times stronger than the picture's own texture at that scale.
"""

import numpy as np

PERIODS = (2, 4, 8)
AROUND = 3  # frequency bins on each side that make a grid frequency's neighbourhood


def grid_frequencies(height: int, width: int) -> set[tuple[int, int]]:
    """The spectrum's bins (row, column) where a grid of the PERIODS puts its power."""
    return {
        (i * height // period, j * width // period)
        for period in PERIODS
        if height % period == 0 and width % period == 0
        for i in range(period)
        for j in range(period)
        if (i, j) != (0, 0)
    }


def grid_energy(images: np.ndarray) -> float:
    """(n, height, width, C) uint8 dreams -> the geometric mean, over the grid frequencies, of
    their power against the median power around them."""
    grey = images.astype(np.float64).mean(axis=3)
    grey -= grey.mean(axis=(1, 2), keepdims=True)
    power = (np.abs(np.fft.fft2(grey)) ** 2).mean(axis=0)
    height, width = power.shape
    peaks = grid_frequencies(height, width)
    logs = []
    for row, column in peaks:
        around = [
            power[(row + dy) % height, (column + dx) % width]
            for dy in range(-AROUND, AROUND + 1)
            for dx in range(-AROUND, AROUND + 1)
            if ((row + dy) % height, (column + dx) % width) not in peaks | {(row, column)}
        ]
        floor = max(float(np.median(around)), 1e-9)
        logs.append(np.log(max(power[row, column], 1e-9) / floor))
    return float(np.exp(np.mean(logs)))
