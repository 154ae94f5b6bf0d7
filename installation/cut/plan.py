"""What a cut is made of besides the dreams: its plan (how many frames of title, picture and
credits), the files beside it, the title and credit cards, and the painter that draws every
frame with the live screen's look."""

import math
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pygame
import torch

from engine.assets import DEFAULT_FILM_CREDIT, default_film
from engine.config import Config
from engine.errors import DreamsError
from engine.mind.shape import describe
from engine.poet.language_model import DEFAULT_NAME
from engine.voice import voice_path
from installation.media.canvas import Canvas, pixels
from installation.media.compositor import Look
from installation.media.gpu_compositor import make_compositor

CARD_FADE_S = 1.0
CARDS_SHARE = 5  # title and credits together take at most 1/CARDS_SHARE of a cut


@dataclass(frozen=True)
class CutPlan:
    """A cut's frames: title, picture (the dreams) and credits. The title and credits are
    `record.title_s` and `record.credits_s` long in a long cut; a short cut scales both down so
    that together they take at most a fifth of it. The credits may then run on (`holding`) to
    let the last line spoken end, up to `record.credits_s` (`longest_credits_frames`)."""

    networks: int
    fps: int
    frames_per_network: int
    title_frames: int
    credits_frames: int
    longest_credits_frames: int = 0

    @classmethod
    def from_config(cls, config: Config, networks: int, fps: int) -> "CutPlan":
        record = config.record
        picture = networks * record.frames_per_network
        title, credits = round(record.title_s * fps), round(record.credits_s * fps)
        cards = picture // (CARDS_SHARE - 1)  # cards <= (cards + picture) / CARDS_SHARE
        whole = title + credits
        if whole > cards:  # a short cut: both scaled down alike
            title, credits = title * cards // whole, credits * cards // whole
        return cls(
            networks,
            fps,
            record.frames_per_network,
            title,
            credits,
            round(record.credits_s * fps),
        )

    @property
    def line_limit_s(self) -> float:
        """The latest picture time a spoken line may end at: the credits may hold the end of
        the last line, up to their configured length, with a card's fade after the voice."""
        return self.picture_s + max(self.longest_credits_frames / self.fps - CARD_FADE_S, 0.0)

    def holding(self, line_end: float) -> "CutPlan":
        """This plan, its credits long enough for a line that ends at `line_end` (picture
        time) to be heard to its end, and a card's fade after it."""
        if line_end <= self.picture_s:
            return self
        needed = math.ceil((line_end - self.picture_s + CARD_FADE_S) * self.fps)
        return replace(self, credits_frames=max(self.credits_frames, needed))

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

    def _beside(self, ending: str) -> Path:
        """The video's name with `ending` in place of its suffix: cut.mp4 -> cut.srt."""
        return self.video.with_name(f"{self.video.stem}{ending}")

    @property
    def subtitles(self) -> Path:
        return self._beside(".srt")

    @property
    def book(self) -> Path:
        return self._beside(".poems.txt")

    @property
    def log(self) -> Path:
        return self._beside(".log.jsonl")

    @property
    def sheet(self) -> Path:
        """The contact sheet: the first dream of every Nth network, numbered."""
        return self._beside(".sheet.png")

    @property
    def losses(self) -> Path:
        """The discriminator's and the generator's losses over the run."""
        return self._beside(".losses.png")

    @property
    def checkpoints(self) -> Path:
        return self._beside(".checkpoints")

    @property
    def interrupted(self) -> Path:
        """The interrupted cut, kept while a resumed run copies it over."""
        return self._beside(f".interrupted{self.video.suffix}")


def is_bundled(film) -> bool:
    """The bundled clip, left as the default or named by its path."""
    if film.is_default:
        return True
    if film.kind != "file":
        return False
    try:
        return Path(film.name).resolve() == default_film().resolve()
    except (DreamsError, OSError):  # no bundled clip installed: not it
        return False


def film_source(film) -> str:
    """A film as the credits name it: a file or folder by its own name (never the folders it
    lies in), a camera as given, a stream by its address without login, query or fragment."""
    if film.kind in ("file", "folder"):
        return Path(film.name).name
    if film.kind == "stream":
        url = urlsplit(film.name)
        return f"{url.scheme}://{url.netloc.rpartition('@')[2]}{url.path}"
    return film.name


def film_title(film) -> str:
    if is_bundled(film):
        return "Big Buck Bunny"
    if film.kind == "file":
        return Path(film.name).stem.replace("_", " ")
    if film.kind == "folder":
        return Path(film.name).name.replace("_", " ")
    return film_source(film)


def title_card(networks: int, film) -> list[str]:
    return [f"{networks:,} Dreams", f"a machine learns to see {film_title(film)}"]


def credits_card(networks: int, film, config: Config, size: tuple[int, int]) -> list[str]:
    """The closing credits: the count, the film, the corpus, the models and the voice."""
    source = DEFAULT_FILM_CREDIT if is_bundled(film) else film_source(film)
    lines = [
        f"{networks:,} Dreams",
        f"{networks:,} networks were created, shown once and destroyed, "
        f"learning from a blank mind to see {film_title(film)}",
        f"Film: {source}",
        f"Dreams: a deep convolutional GAN trained online at {describe(size)}, "
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
        look, fit, seed = Look.of(config.screen), config.screen.fit, config.dream.seed
        self.compositor = make_compositor(look, (width, height), fit, seed, device)
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
