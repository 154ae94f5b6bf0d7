"""Subtitle timing. With a voice, the subtitle is the line being spoken, fading with it. While no
voice speaks, each line shows for `line_s` seconds, with a short pause after a stanza and a longer
one after a poem."""

FADE_S = 0.6


def opacity(now: float, started: float, ends: float) -> float:
    """A line's subtitle fades in after `started` and out before `ends`: 0 outside, 1 between."""
    if not started <= now <= ends:
        return 0.0
    return min(now - started, ends - now, FADE_S) / FADE_S


class Subtitles:
    def __init__(self, line_s: float):
        self.line_s = line_s
        self.line = None
        self.started = self.ends = self.quiet_until = 0.0
        self.shown = 0

    def at(self, now: float, next_line) -> tuple[str | None, float]:
        """(text, opacity 0..1) at time `now`; `next_line()` gives a line or None, never blocks."""
        if self.line is None or now >= self.ends:
            if self.line is not None:
                self.line = None
            if now < self.quiet_until:
                return None, 0.0
            line = next_line()
            if line is None:
                return None, 0.0
            self.line, self.started, self.ends = line, now, now + self.line_s
            pause = (
                self.line_s if line.last_of_poem else self.line_s / 3 if line.last_of_stanza else 0
            )
            self.quiet_until = self.ends + pause
            self.shown += 1
        return self.line.text, opacity(now, self.started, self.ends)
