"""The show looked after in a gallery: the service that starts it with the user's session and
restarts it (service.py, units.py), the heartbeat a frozen show is known by (heartbeat.py)."""
