"""Transposed against resize-convolution upsampling, side by side: the same film, seed and
network count for each; the newest network's dreams, their grid energy and their distance to the
film. Writes a PNG (the README's "No checkerboard"), a contact sheet of each run beside it
(`upsampling-nearest.sheet.png`...) and prints a Markdown table.

    python tools/upsampling.py [--networks 600] [--resolution 64] [--out docs/upsampling.png]
"""

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.config import load_config  # noqa: E402
from engine.mind.build import build_mind  # noqa: E402
from engine.mind.networks import UPSAMPLES  # noqa: E402
from installation.bench.grid import grid_energy  # noqa: E402
from installation.bench.likeness import sliced_wasserstein  # noqa: E402
from installation.media.sheet import Thumbnails, every_nth, png  # noqa: E402

SHOWN = 4  # dreams of each upsampling in the picture
CELL_HEIGHT = 192  # pixels of each dream in the picture


def train(upsample: str, networks: int, settings: list[str]) -> dict:
    """The newest network's dreams after `networks` networks, with its figures."""
    config = load_config(None, ["dream.device=cpu", *settings])
    config = replace(config, dream=replace(config.dream, upsample=upsample, dreams=64))
    mind = build_mind(config, memory_frames=512)
    mind.watch(512)
    frames = mind.memory.state_dict()["frames"].permute(0, 2, 3, 1).numpy()
    thumbnails = Thumbnails(every_nth(networks))
    started = time.perf_counter()
    for _ in range(networks - 1):
        due = mind.trainer.number + 1 >= thumbnails.next_number
        network = mind.trainer.step(render=due)
        thumbnails.see(network.number, network.images)
        mind.watch(1)
    newest = mind.trainer.step()
    seconds = time.perf_counter() - started
    thumbnails.see(newest.number, newest.images)
    return {
        "upsample": upsample,
        "images": newest.images,
        "grid": grid_energy(newest.images),
        "distance": sliced_wasserstein(newest.images, frames),
        "per_s": networks / seconds,
        "size": mind.memory.size,
        "sheet": thumbnails.sheet(),
    }


def picture(rows: list[dict]) -> np.ndarray:
    """A row of dreams for each upsampling, labelled with its figures."""
    strips = []
    for row in rows:
        height, width = row["size"]
        cell_width = round(CELL_HEIGHT * width / height)
        cells = [
            cv2.resize(image, (cell_width, CELL_HEIGHT), interpolation=cv2.INTER_NEAREST)
            for image in row["images"][:SHOWN]
        ]
        cells = [cell[:, :, None] if cell.ndim == 2 else cell for cell in cells]
        strip = np.concatenate([np.pad(c, ((0, 0), (0, 4), (0, 0))) for c in cells], axis=1)
        label = np.zeros((34, strip.shape[1], strip.shape[2]), np.uint8)
        text = f"{row['upsample']}: grid energy {row['grid']:.1f}, distance {row['distance']:.3f}"
        cv2.putText(label, text, (6, 24), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (235,) * 3, 1, cv2.LINE_AA)
        strips.append(np.concatenate([label, strip, np.zeros_like(label[:10])]))
    return np.concatenate(strips)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--networks", type=int, default=600)
    parser.add_argument("--resolution", type=int, default=64)
    parser.add_argument("--out", type=Path, default=Path("docs/upsampling.png"))
    parser.add_argument("--set", action="append", default=[], help="section.key=value")
    args = parser.parse_args()
    torch.set_num_threads(1)
    settings = [f"dream.resolution={args.resolution}", *args.set]
    rows = [train(upsample, args.networks, settings) for upsample in UPSAMPLES]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(args.out), picture(rows))
    for row in rows:
        sheet = args.out.with_name(f"{args.out.stem}-{row['upsample']}.sheet.png")
        sheet.write_bytes(png(row["sheet"]))
    height, width = rows[0]["size"]
    print(f"{args.networks} networks at {height} x {width}, the bundled film, seed 0:")
    print("| upsampling | grid energy | distance to the film | networks/s |")
    print("| --- | --- | --- | --- |")
    for row in rows:
        print(
            f"| {row['upsample']} | {row['grid']:.2f} | {row['distance']:.3f} | "
            f"{row['per_s']:.2f} |"
        )
    print(f"written: {args.out}")


if __name__ == "__main__":
    main()
