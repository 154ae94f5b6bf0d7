"""The body of Dreams: the command line, threads, screen and devices. It imports engine."""

import os

# Before anything imports pygame: no banner on stdout, and Python's own SIGINT/SIGTERM handlers
# stop the show (SDL's would only post a QUIT event, and not before the window is open).
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
