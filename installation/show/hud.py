"""The HUD: the network's number, the rate, the losses, the film, whether the gallery is closed
(key H, OSC). A notice (a resumed mind, for the show's first seconds; a thread that failed)
shows HUD or not. The trainer's and the film's figures are read from the records they publish."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from installation.gallery.doors import ScheduleState
    from installation.show.screen import Screen


@dataclass(frozen=True)
class HudFigures:
    """What the HUD says besides the network on screen, gathered by the show each frame."""

    first_number: int  # the mind's network when the show began (0: a blank mind)
    rebirths: int
    networks_per_s: float
    film: str
    frames_watched: int
    paused: bool
    recording: str | None  # the file being recorded, by name
    doors: ScheduleState


def hud_lines(screen: Screen, figures: HudFigures) -> list[str]:
    notice = screen.notices()
    if not screen.hud_on:
        return notice
    network, first = screen.current, figures.first_number
    if network is None:
        mind = f"the mind of network {first:,}" if first else "a blank mind"
        return [*notice, f"{mind} is watching {figures.film}"]
    rebirths = figures.rebirths
    reborn = f" · reborn {rebirths:,} time{'s' * (rebirths != 1)}" if rebirths else ""
    lines = [
        *notice,
        f"network {network.number:,} created · {network.number - 1:,} destroyed{reborn}",
        f"{figures.networks_per_s:.1f} networks/s · "
        f"D {network.d_loss:.3f} · G {network.g_loss:.3f}",
        f"{figures.film} · {figures.frames_watched:,} frames watched",
    ]
    if figures.paused:
        lines.append("learning paused")
    if figures.recording is not None:
        lines.append(f"recording {figures.recording}")
    if not figures.doors.open:  # the HUD is lit in the dark: a technician's H says why
        lines.append(closed_line(figures.doors))
    return lines


def closed_line(state: ScheduleState) -> str:
    """The doors' ScheduleState (installation/gallery/doors.py) as the HUD says it."""
    held = " by hand" if state.why == "override" else ""
    if state.next_change is None or state.why == "override":
        return f"closed{held}"
    return f"closed{held} until {state.next_change:%a %H:%M}"
