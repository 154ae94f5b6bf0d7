"""Errors that a user can fix: the command line prints the message as one line and exits 2."""


class DreamsError(Exception):
    """A user's mistake (bad path, bad config value...); the message says what to do."""


class ConfigError(DreamsError):
    pass


class FilmError(DreamsError):
    pass
