"""How alike two sets of images are, computed on the images themselves: the sliced Wasserstein
distance (as in the Progressive GAN paper) between their low-resolution versions. 0 means the two
sets are distributed alike; noise against a film scores high."""

import cv2
import numpy as np


def _vectors(images: np.ndarray, size: int) -> np.ndarray:
    """(n, H, W, C) uint8 -> (n, size*size*C) float in [0, 1], area-downsampled."""
    small = [cv2.resize(image, (size, size), interpolation=cv2.INTER_AREA) for image in images]
    return np.stack(small).reshape(len(images), -1).astype(np.float64) / 255.0


def sliced_wasserstein(a: np.ndarray, b: np.ndarray, size: int = 16, projections: int = 256):
    """Mean 1-D Wasserstein distance between the two sets along random unit directions."""
    va, vb = _vectors(a, size), _vectors(b, size)
    n = min(len(va), len(vb))
    rng = np.random.default_rng(0)
    directions = rng.normal(size=(va.shape[1], projections))
    directions /= np.linalg.norm(directions, axis=0, keepdims=True)
    pa = np.sort(va[rng.choice(len(va), n, replace=False)] @ directions, axis=0)
    pb = np.sort(vb[rng.choice(len(vb), n, replace=False)] @ directions, axis=0)
    return float(np.abs(pa - pb).mean())
