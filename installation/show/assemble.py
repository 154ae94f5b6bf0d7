"""Assembles the live show from the config, in the order that reports a user's mistake
earliest: film, mind, poet, voice and OSC are checked before any window opens."""

import logging
from dataclasses import replace
from functools import partial
from pathlib import Path

from engine.config import Config
from engine.mind.build import Mind, Waking, build_mind, wake
from engine.mind.trainer import Trainer
from engine.poet.language_model import check_poet_model
from engine.voice import voice_path
from installation.gallery.schedule import parse_schedule
from installation.gallery.web import WebServer
from installation.media.recorder import MINUTE_OF_VIDEO_MB, RecordError
from installation.media.video_out import VideoOut
from installation.media.window import Window
from installation.paths import check_output
from installation.play.audio_in import open_audio_in, voice_speaking
from installation.play.controls import COMMANDS_WAITING
from installation.play.midi import open_midi
from installation.play.osc import OscSender, OscServer
from installation.show.keeper import Keeper, state_folder
from installation.show.pace import most_fps
from installation.show.show import Limits, Show, ShowParts
from installation.threads import Inbox

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
    parse_schedule(config.schedule.hours, config.schedule.closed)  # a bad one: one line, now
    if record_to is not None:
        record_to = check_output(record_to, "--record", need_mb=MINUTE_OF_VIDEO_MB)
        for made in (record_to, record_to.with_suffix(".srt")):  # never over what the user has
            if made.exists():
                raise RecordError(f"--record: {made} exists; give another name")
    mind = build_mind(config)
    config, film = mind.config, mind.film
    log.info("film: %s (%s, %.3g fps, %s frames)", film.name, film.kind, film.fps,
             film.frame_count or "?")  # fmt: skip
    keeper, waking = None, Waking()
    if config.state.enabled:
        keeper = Keeper(config.state)
        if fresh:
            keeper.start_fresh()
        else:
            waking = _resume(keeper, mind)
    log.info("trainer: %s on %s, batch %d, %s", mind.shape.describe(), mind.trainer.device,
             config.dream.batch_size, mind.trainer.speed.describe())  # fmt: skip
    if config.voice.enabled:
        voice_path(config.voice.model)  # a missing voice is said before the window opens
    make_poet = None
    if config.poet.enabled:
        from engine.poet.language_model import pick_poet_device
        from engine.poet.writer import open_poet

        pick_poet_device(config.poet.device)  # a bad device is the user's mistake: say so now
        check_poet_model(config.poet.model)
        seeded = replace(config.poet, seed=config.poet.seed + waking.poet_lines)  # a new page
        make_poet = partial(open_poet, seeded, lenient=True)  # a bad adapter: the bare model
    playing = _instrument(config, keeper)
    try:
        window = Window(config.screen, fullscreen)
    except BaseException:
        film.close()
        for part in (playing["video_out"], playing["osc_server"], playing["web"]):  # not MIDI
            if part is not None:
                part.close()
        if playing["audio_in"] is not None:
            playing["audio_in"].close()
        if keeper is not None:
            keeper.lock.release()
        raise
    parts = ShowParts(window, keeper, waking, make_poet, **playing)
    show = Show(mind, parts, Limits(networks_limit, duration_s, record_to))
    if show.audio_in is not None and show.narrator is not None:
        if config.audio_in.mute_while_speaking:  # the narrator's published line holds it still
            show.audio_in.speaking = voice_speaking(show.narrator)
    return show


def _instrument(config: Config, keeper: Keeper | None) -> dict:
    """What plays the show and what it plays to: video out, OSC, MIDI and audio in, sharing one
    command inbox. A busy port, a bad target or a video out this system cannot send is said here,
    before the window opens; no MIDI system (no input device) is one line and no MIDI (audio in)."""
    commands = Inbox(COMMANDS_WAITING)
    web = WebServer(config.web, commands) if config.web.enabled else None  # refused first
    if web is not None:
        log.info("web: the status page on http://%s:%d/", config.web.host, web.port)
    fps = most_fps(config.screen.fps)  # what the receivers are told: the most ("auto": 60)
    video_out = VideoOut(config.video_out, fps) if config.video_out.enabled else None
    osc_server = osc_sender = None
    if config.osc.enabled:
        osc_sender = OscSender(config.osc.targets)
        osc_server = OscServer(config.osc, commands)
        log.info("osc: listening on %s:%d", config.osc.host, osc_server.port)
    folder = keeper.folder.path if keeper else state_folder(config.state)
    midi = open_midi(config.midi, commands, folder)
    audio_in = open_audio_in(config.audio_in, commands, folder)
    return dict(osc_server=osc_server, osc_sender=osc_sender, commands=commands,
                video_out=video_out, midi=midi, web=web, audio_in=audio_in)  # fmt: skip


def _resume(keeper: Keeper, mind: Mind) -> Waking:
    """How the mind wakes: from the newest save that loads, else blank (the trainer is replaced
    by a blank one when a save fails half-way through loading)."""
    found = keeper.newest(mind.shape)
    if found is None and keeper.aside is not None:  # said on screen: where did the mind go?
        notice = "a blank mind: the saved one is of another shape (dreams.log says how)"
        return Waking(notice=f"{notice}, kept in {keeper.aside}")
    if found is None:
        log.info("state: no save in %s; a blank mind", keeper.folder.path)
        return Waking()
    state, path = found
    try:
        waking = wake(state, mind.trainer, mind.film)
    except (KeyError, RuntimeError, ValueError) as error:  # a save that does not fit after all
        log.warning("state: %s cannot be loaded (%s); a blank mind", path, error)
        keeper.start_fresh()
        mind.trainer = Trainer(mind.config.dream, mind.memory)
        return Waking()
    log.info("state: %s (%s)", waking.notice, path)
    return waking
