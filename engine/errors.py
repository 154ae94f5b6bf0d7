"""Errors that a user can fix: the command line prints the message as one line and exits 2."""

SHOWN_CHARACTERS = 100  # a longer path is shortened in messages: one line stays one line


def shown(path) -> str:
    """A path (or a film source) as a message shows it: whole, or its start and end around an
    ellipsis, with its length."""
    text = str(path)
    if len(text) <= SHOWN_CHARACTERS:
        return text
    return f"{text[:60]}...{text[-30:]} ({len(text):,} characters)"


class DreamsError(Exception):
    """A user's mistake (bad path, bad config value...); the message says what to do."""


class ConfigError(DreamsError):
    pass


class FilmError(DreamsError):
    pass
