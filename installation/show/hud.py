"""The HUD: the network's number, the rate, the losses, the film, whether the gallery is closed
(key H, OSC). A notice (a resumed mind, for the show's first seconds; a thread that failed)
shows HUD or not. The trainer's and the film's figures are read from the records they publish."""

import time


def hud_lines(show) -> list[str]:
    notice = [show.notice] if time.monotonic() < show.notice_until else []
    if not show.stage.hud_on:
        return notice
    network, first = show.current, show.dreaming.first_number
    film, learning = show.film_thread.place.latest(), show.dreaming.figures.latest()
    if network is None:
        mind = f"the mind of network {first:,}" if first else "a blank mind"
        return [*notice, f"{mind} is watching {film.name}"]
    rebirths = learning.rebirths
    reborn = f" · reborn {rebirths:,} time{'s' * (rebirths != 1)}" if rebirths else ""
    lines = [
        *notice,
        f"network {network.number:,} created · {network.number - 1:,} destroyed{reborn}",
        f"{show.networks_per_second():.1f} networks/s · "
        f"D {network.d_loss:.3f} · G {network.g_loss:.3f}",
        f"{film.name} · {show.memory.frames_seen:,} frames watched",
    ]
    if learning.paused:
        lines.append("learning paused")
    if show.recording is not None:
        lines.append(f"recording {show.recording.path.name}")
    if not show.doors.state.open:  # the HUD is lit in the dark: a technician's H says why
        lines.append(closed_line(show.doors.state))
    return lines


def closed_line(state) -> str:
    """The doors' ScheduleState (installation/gallery/doors.py) as the HUD says it."""
    held = " by hand" if state.why == "override" else ""
    if state.next_change is None or state.why == "override":
        return f"closed{held}"
    return f"closed{held} until {state.next_change:%a %H:%M}"
