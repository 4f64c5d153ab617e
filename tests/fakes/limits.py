"""The rate limit both fake servers can impose: a token bucket, ``per_second`` on average
and ``burst`` back to back, counted when a request arrives (as a server's limiter is)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class TokenBucket:
    per_second: float
    burst: float
    tokens: float
    updated: float

    @classmethod
    def full(cls, per_second: float, burst: float, now: float) -> TokenBucket:
        return cls(per_second, burst, burst, now)

    def take(self, now: float) -> float:
        """0 if a request may go now (and count it), else the seconds until it could."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.per_second)
        self.updated = now
        if self.tokens < 1:
            return (1 - self.tokens) / self.per_second
        self.tokens -= 1
        return 0.0
