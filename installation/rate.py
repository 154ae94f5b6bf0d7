"""How often a door of the show may be knocked on: a token bucket, shared by OSC and the web
page. A burst of `capacity` passes at once; past it, `rate` a second; the rest is refused."""

import time


class TokenBucket:
    def __init__(self, rate: float, capacity: float):
        self.rate, self.capacity = rate, capacity
        self.tokens, self.last = float(capacity), time.monotonic()

    def take(self) -> bool:
        """One token, if one is there now."""
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
        self.last = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


class Gate:
    """Who may knock (`allows`, a test of the sender's address) and how often (a token
    bucket); what it turned away is counted: `refused` (not allowed) and `dropped` (a flood)."""

    def __init__(self, allows, rate: float, capacity: float):
        self.allows, self.bucket = allows, TokenBucket(rate, capacity)
        self.dropped = self.refused = 0

    def admits(self, host: str) -> bool:
        if not self.allows(host):
            self.refused += 1
            return False
        if not self.bucket.take():
            self.dropped += 1
            return False
        return True
