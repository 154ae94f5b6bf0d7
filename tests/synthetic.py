"""A small film the tests make themselves: bright shapes gliding over black, written as a real
video file through OpenCV, so that the real decoder reads it back."""

from pathlib import Path

import cv2
import numpy as np


def shapes_frame(index: int, width: int = 96, height: int = 72) -> np.ndarray:
    """Frame `index` (BGR): a disc and a square circling on black, in different directions."""
    frame = np.zeros((height, width, 3), np.uint8)
    angle = index * 2 * np.pi / 50
    cx, cy = width / 2, height / 2
    disc = (int(cx + 20 * np.cos(angle)), int(cy + 15 * np.sin(angle)))
    cv2.circle(frame, disc, 9, (255, 255, 255), -1)
    corner = (int(cx - 25 * np.cos(angle) - 6), int(cy + 12 * np.sin(2 * angle) - 6))
    cv2.rectangle(frame, corner, (corner[0] + 12, corner[1] + 12), (180, 180, 180), -1)
    return frame


def write_shapes_film(path: Path, frames: int = 100, fps: float = 25.0) -> Path:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), fps, (96, 72))
    assert writer.isOpened(), "OpenCV cannot write mp4v here"
    for index in range(frames):
        writer.write(shapes_frame(index))
    writer.release()
    return path
