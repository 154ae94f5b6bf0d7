"""The mind of Dreams: computation and files only (no screen, speakers, sockets or threads)."""
