"""The mind: the film it watches, its frame memory and its trainer, built from a config in one
place, every "auto" resolved once into the values used (what the log, a cut's provenance and a
save then record); and what a live save or a cut's checkpoint holds of it: its shape and a
format version, so that a mind of another shape is refused by name, never by a traceback.
"""

import time
from dataclasses import asdict, dataclass, replace

import torch

from engine.config import Config
from engine.device import pick_device
from engine.mind.film import FilmSource
from engine.mind.memory import FrameMemory, check_room
from engine.mind.sealed import SealedFileError
from engine.mind.shape import describe, dream_size
from engine.mind.trainer import Trainer, pick_resolution, pick_width

FORMAT_VERSION = 1  # of a live save and of a cut's checkpoint


@dataclass(frozen=True)
class MindShape:
    """What a save must match to be loaded into a trainer."""

    size: tuple[int, int]  # (height, width) of the dreams
    channels: int
    width: int
    latent_size: int
    dreams: int
    upsample: str = "transposed"  # what every save made before it was a choice holds

    @classmethod
    def saved(cls, shape: dict) -> "MindShape":
        """The shape a save records; one made before dreams took the film's shape was square."""
        shape = dict(shape)
        if "resolution" in shape:
            side = shape.pop("resolution")
            shape["size"] = (side, side)
        return cls(**{**shape, "size": tuple(shape["size"])})

    def describe(self) -> str:
        colour = "colour" if self.channels == 3 else "grey"
        return (
            f"{describe(self.size)} {colour}, {self.upsample} upsampling, width {self.width}, "
            f"{self.dreams} dreams of {self.latent_size} latents"
        )


def resolve(config: Config) -> Config:
    """A copy of the config with the dreams' device, resolution and width as used, not "auto"
    (the aspect is the film's business: build_mind resolves it)."""
    dream = config.dream
    device = pick_device(dream.device)
    resolved = replace(
        dream,
        device=str(device),
        resolution=pick_resolution(dream.resolution, device),
        width=pick_width(dream.width, device),
    )
    return replace(config, dream=resolved)


@dataclass
class Mind:
    config: Config  # resolved: no "auto" in [dream]
    film: FilmSource
    memory: FrameMemory
    trainer: Trainer

    @property
    def shape(self) -> MindShape:
        return shape_of(self.trainer)

    def watch(self, frames: int) -> None:
        """Fill the memory with the film's next `frames` frames (fewer if it ends)."""
        for _ in range(frames):
            frame = self.film.read()
            if frame is None:
                return
            self.memory.append(frame)


def build_mind(config: Config, memory_frames: int | None = None) -> Mind:
    """The film (checked first: a user's mistake is said before any work), the memory and a
    blank trainer on the configured device. On a CPU torch gets one thread: training shares
    two cores with the screen, the poet and the voice."""
    config = resolve(config)
    dream = config.dream
    device = torch.device(dream.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    film = FilmSource.from_config(config.film, dream.resolution)
    size = dream_size(dream.resolution, dream.aspect, film.ratio)
    film.size = size  # known once the film is open: its shape decides the dreams'
    # the aspect as used, in pixels: a resumed cut or a save's log says exactly what was made
    dream = replace(dream, aspect=f"{size[1]}:{size[0]}")
    config = replace(config, dream=dream)
    channels = 3 if config.film.color else 1
    capacity = memory_frames or config.film.memory_frames
    check_room(capacity, size, channels, device)  # a user's mistake, said before allocating
    memory = FrameMemory(capacity, size, channels, device)
    return Mind(config, film, memory, Trainer(dream, memory))


def shape_of(trainer: Trainer) -> MindShape:
    config = trainer.config
    return MindShape(
        trainer.size,
        trainer.channels,
        trainer.width,
        config.latent_size,
        config.dreams,
        config.upsample,
    )


def check_fits(state: dict, shape: MindShape) -> None:
    """A SealedFileError saying why a save or checkpoint cannot be loaded into a mind of `shape`."""
    if state.get("version") != FORMAT_VERSION:
        raise SealedFileError("it was made by another version of Dreams")
    saved = MindShape.saved(state["shape"])
    if saved != shape:
        raise SealedFileError(
            f"it holds a mind of {saved.describe()}; this one is {shape.describe()}"
        )


def stamped(state: dict, trainer: Trainer) -> dict:
    """The state with the format version and the mind's shape, as every save carries them."""
    return {"version": FORMAT_VERSION, "shape": asdict(shape_of(trainer)), **state}


def on_cpu(value):
    """A copy of a state dict with every tensor on the CPU, apart from the live one."""
    if isinstance(value, torch.Tensor):
        return value.detach().to("cpu", copy=True)
    if isinstance(value, dict):
        return {key: on_cpu(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(on_cpu(item) for item in value)
    return value


@dataclass
class Waking:
    """Where a resumed show starts: what the screen says, and what the save carried on."""

    notice: str = ""
    rebirths: int = 0
    poet_lines: int = 0


def live_save(trainer: Trainer, rebirths: int, film: tuple[str, int], poet_lines: int) -> dict:
    """What a live show's save holds, on the CPU: taken on the trainer's thread, between steps."""
    return stamped(
        {
            "trainer": on_cpu(trainer.state_dict()),
            "rebirths": rebirths,
            "film": {"name": film[0], "position": film[1]},
            "poet_lines": poet_lines,
            "saved_at": time.time(),
        },
        trainer,
    )


def wake(state: dict, trainer: Trainer, film: FilmSource) -> Waking:
    """Load a live save into the trainer and put the film where it was."""
    trainer.load_state_dict(state["trainer"])
    saved_film = state["film"]
    if saved_film["name"] == film.name:
        film.go_to(saved_film["position"])
    when = time.strftime("%d %b %H:%M", time.localtime(state["saved_at"]))
    notice = f"resumed: the mind of network {trainer.number:,}, saved {when}"
    return Waking(notice, state["rebirths"], state["poet_lines"])
