"""What a cut is made of besides the dreams: its plan (how many frames of title, picture and
credits), the files beside it, the title and credit cards, and the painter that draws every
frame with the live screen's look."""

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pygame
import torch

from engine.assets import DEFAULT_FILM_CREDIT
from engine.config import Config
from engine.language_model import DEFAULT_NAME
from engine.voice import voice_path
from installation.media.canvas import Canvas, pixels
from installation.media.compositor import Look
from installation.media.gpu_compositor import make_compositor

CARD_FADE_S = 1.0


@dataclass(frozen=True)
class CutPlan:
    networks: int
    fps: int
    frames_per_network: int
    title_frames: int
    credits_frames: int

    @classmethod
    def from_config(cls, config: Config, networks: int, fps: int) -> "CutPlan":
        record = config.record
        return cls(
            networks,
            fps,
            record.frames_per_network,
            round(record.title_s * fps),
            round(record.credits_s * fps),
        )

    @property
    def picture_frames(self) -> int:
        return self.networks * self.frames_per_network

    @property
    def total_frames(self) -> int:
        return self.title_frames + self.picture_frames + self.credits_frames

    @property
    def title_s(self) -> float:
        return self.title_frames / self.fps

    @property
    def picture_s(self) -> float:
        return self.picture_frames / self.fps


@dataclass(frozen=True)
class CutFiles:
    """The cut and what is written beside it: cut.mp4, cut.srt, cut.poems.txt, cut.log.jsonl,
    cut.sheet.png, cut.losses.png, and the checkpoints that --resume reads (removed when the cut
    is finished)."""

    video: Path

    @property
    def subtitles(self) -> Path:
        return self.video.with_suffix(".srt")

    @property
    def book(self) -> Path:
        return self.video.with_name(f"{self.video.stem}.poems.txt")

    @property
    def log(self) -> Path:
        return self.video.with_name(f"{self.video.stem}.log.jsonl")

    @property
    def sheet(self) -> Path:
        """The contact sheet: the first dream of every Nth network, numbered."""
        return self.video.with_name(f"{self.video.stem}.sheet.png")

    @property
    def losses(self) -> Path:
        """The discriminator's and the generator's losses over the run."""
        return self.video.with_name(f"{self.video.stem}.losses.png")

    @property
    def checkpoints(self) -> Path:
        return self.video.with_name(f"{self.video.stem}.checkpoints")

    @property
    def interrupted(self) -> Path:
        """The interrupted cut, kept while a resumed run copies it over."""
        return self.video.with_name(f"{self.video.stem}.interrupted{self.video.suffix}")


def film_title(film) -> str:
    return "Big Buck Bunny" if film.is_default else Path(film.name).stem.replace("_", " ")


def title_card(networks: int, film) -> list[str]:
    return [f"{networks:,} Dreams", f"a machine learns to see {film_title(film)}"]


def credits_card(networks: int, film, config: Config, resolution: int) -> list[str]:
    """The closing credits: the count, the film, the corpus, the models and the voice."""
    source = DEFAULT_FILM_CREDIT if film.is_default else film.name
    lines = [
        f"{networks:,} Dreams",
        f"{networks:,} networks were created, shown once and destroyed, "
        f"learning from a blank mind to see {film_title(film)}",
        f"Film: {source}",
        f"Dreams: a deep convolutional GAN trained online at {resolution} x {resolution}, "
        f"seed {config.dream.seed}",
    ]
    if config.poet.enabled:
        model = Path(config.poet.model).name if config.poet.model else DEFAULT_NAME
        taught = ", taught" if config.poet.adapter else ""
        lines.append(
            f"Poems: {model}{taught} and prompted with the Gutenberg Poetry Corpus "
            "(Allison Parrish, CC0)"
        )
        if config.voice.enabled:
            lines.append(f"Voice: Piper, {voice_path(config.voice.model).stem}")
    lines.append("Made with Dreams, free software under the GPL")
    return lines


def card_opacity(t: float, length: float) -> float:
    if length <= 0:
        return 0.0
    fade = min(CARD_FADE_S, length / 3)
    return max(0.0, min(t / fade, (length - t) / fade, 1.0))


class Painter:
    """Draws a cut's frames in memory, at the recording's size, as the window draws the show."""

    def __init__(self, config: Config, footer: str, device: torch.device):
        width, height = config.record.width, config.record.height
        self.surface = pygame.Surface((width, height))
        self.canvas = Canvas()
        side, seed = min(width, height), config.dream.seed
        self.compositor = make_compositor(Look.of(config.screen), side, seed, device)
        self.footer = footer

    def picture(
        self, images: np.ndarray, t: float, subtitle: str | None, fade: float
    ) -> np.ndarray:
        picture = self.compositor.compose(images, t)
        self.canvas.paint(self.surface, picture, [], self.footer, subtitle, fade)
        return pixels(self.surface)

    def card(self, lines: list[str], opacity: float) -> np.ndarray:
        self.canvas.card(self.surface, lines, opacity)
        return pixels(self.surface)


def film_frames_per_network(config: Config, film, networks: int) -> float:
    """Film frames watched per network: as configured, or the whole film once over the run."""
    if config.record.film_frames_per_network > 0:
        return config.record.film_frames_per_network
    if film.is_live or not film.frame_count:
        return 1.0
    return film.frame_count / networks


def clock(seconds: float) -> str:
    seconds = max(0, math.floor(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
