"""Assembles the live show from the config, in the order that reports a user's mistake
earliest: film, mind, poet, voice and OSC are checked before any window opens."""

import logging
from dataclasses import replace
from functools import partial
from pathlib import Path

from engine.config import Config
from engine.film import FilmSource
from engine.memory import FrameMemory
from engine.poet import check_poet_model
from engine.trainer import Trainer
from engine.voice import voice_path
from installation.media.recorder import RecordError, check_output
from installation.media.window import Window
from installation.show.keeper import Keeper, Waking, mind_shape, restore
from installation.show.osc import OscSender, OscServer
from installation.show.show import Show

log = logging.getLogger(__name__)


def open_show(
    config: Config,
    fullscreen: bool,
    networks_limit: int,
    duration_s: float,
    record_to: Path | None = None,
    fresh: bool = False,
) -> Show:
    """Everything the show needs, in the order that reports a user's mistake earliest: the film
    (before any window opens), the mind on its device (resumed from the newest good save unless
    `fresh`), then the window."""
    import torch

    from engine.device import pick_device
    from engine.trainer import pick_resolution

    if record_to is not None:
        record_to = check_output(record_to, "--record")
        if record_to.exists():  # never over a recording the user made
            raise RecordError(f"--record {record_to} exists; give another name")
    device = pick_device(config.dream.device)
    resolution = pick_resolution(config.dream.resolution, device)
    film = FilmSource.from_config(config.film, resolution)
    log.info(
        "film: %s (%s, %.3g fps, %s frames)",
        film.name,
        film.kind,
        film.fps,
        film.frame_count or "?",
    )
    if device.type == "cpu":  # training shares two cores with the screen: one thread each
        torch.set_num_threads(1)
    channels = 3 if config.film.color else 1
    memory = FrameMemory(config.film.memory_frames, resolution, channels, device)
    trainer = Trainer(config.dream, memory)
    keeper, waking = None, Waking()
    if config.state.enabled:
        keeper = Keeper(config.state)
        if fresh:
            keeper.start_fresh()
        else:
            trainer, waking = _resume(keeper, config, memory, trainer, film)
    log.info(
        "dreamer: %dx%d %s on %s, width %d, batch %d, %s",
        resolution,
        resolution,
        "colour" if config.film.color else "grey",
        device,
        trainer.width,
        config.dream.batch_size,
        trainer.speed.describe(),
    )
    if config.voice.enabled:
        voice_path(config.voice.model)  # a missing voice is said before the window opens
    make_poet = None
    if config.poet.enabled:
        from engine.poet import open_poet, pick_poet_device

        pick_poet_device(config.poet.device)  # a bad device is the user's mistake: say so now
        check_poet_model(config.poet.model)
        seeded = replace(config.poet, seed=config.poet.seed + waking.poet_lines)  # a new page
        make_poet = partial(open_poet, seeded)
    osc_server = osc_sender = None
    if config.osc.enabled:  # a busy port or a bad target is said before the window opens
        osc_sender = OscSender(config.osc.targets)
        osc_server = OscServer(config.osc)
        log.info("osc: listening on %s:%d", config.osc.host, osc_server.port)
    try:
        window = Window(config.screen, fullscreen)
    except BaseException:
        film.close()
        if osc_server is not None:
            osc_server.close()
        raise
    return Show(
        config, film, trainer, memory, window, networks_limit, duration_s, make_poet,
        osc_server, osc_sender, record_to, keeper, waking,
    )  # fmt: skip


def _resume(keeper: Keeper, config: Config, memory, trainer: Trainer, film: FilmSource):
    """The trainer and how it wakes: from the newest save that loads, else a blank mind."""
    found = keeper.newest(mind_shape(trainer))
    if found is None:
        log.info("state: no save in %s; a blank mind", keeper.folder.path)
        return trainer, Waking()
    state, path = found
    try:
        waking = restore(state, trainer, film)
    except (KeyError, RuntimeError, ValueError) as error:  # a save that does not fit after all
        log.warning("state: %s cannot be loaded (%s); a blank mind", path, error)
        keeper.start_fresh()
        return Trainer(config.dream, memory), Waking()
    log.info("state: %s (%s)", waking.notice, path)
    return trainer, waking
