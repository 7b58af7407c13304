"""A token bucket that refills continuously on the simulator clock (virtual time refills it too)."""

from __future__ import annotations

#: Float slack when comparing levels, so that waiting exactly the computed time always suffices.
_EPSILON = 1e-9


class TokenBucket:
    """``capacity`` tokens per ``window`` seconds, refilled continuously; not thread-safe (callers lock).

    A charge that does not fit still drains the bucket (Graph counts throttled requests against usage),
    down to one window of debt (``-capacity``), so a client that keeps retrying keeps itself throttled
    but never for more than two windows.
    """

    __slots__ = ("capacity", "window", "rate", "level", "stamp")

    def __init__(self, capacity: float, window: float, now: float) -> None:
        self.capacity = float(capacity)
        self.window = float(window)
        self.rate = self.capacity / self.window
        self.level = self.capacity
        self.stamp = now

    def refill(self, now: float) -> None:
        """Bring the level up to ``now``; a clock that went backwards restarts from ``now``."""
        elapsed = now - self.stamp
        if elapsed > 0:
            level = self.level + elapsed * self.rate
            self.level = level if level < self.capacity else self.capacity
        self.stamp = now

    def resize(self, capacity: float) -> None:
        """A new quota for the same window (the tenant changed size band); what was used stays used."""
        used = self.capacity - self.level
        self.capacity = float(capacity)
        self.rate = self.capacity / self.window
        self.level = max(self.capacity - used, -self.capacity)

    def need(self, amount: float) -> float:
        """Tokens that must be present for ``amount``: a charge above capacity needs a full bucket."""
        return amount if amount < self.capacity else self.capacity

    def fits(self, amount: float) -> bool:
        return self.level + _EPSILON >= self.need(amount)

    def take(self, amount: float) -> None:
        """Charge ``amount`` (possibly into debt, at most one capacity deep)."""
        level = self.level - amount
        self.level = level if level > -self.capacity else -self.capacity

    def wait_for(self, amount: float) -> float:
        """Seconds until ``amount`` fits, from the current level (0 when it fits now)."""
        short = self.need(amount) - self.level
        return short / self.rate if short > _EPSILON else 0.0

    def usage(self) -> float:
        """Share of the quota in use: 0 = untouched, 1 = at the limit, up to 2 with debt."""
        return (self.capacity - self.level) / self.capacity
