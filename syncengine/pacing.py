"""Pacing shared by every job writing into one tenant: one 429 holds them all until its Retry-After.

Graph's write budgets are per application and tenant and per tenant for all applications, so jobs writing
into the same target tenant draw from one budget. A job that honours only its own 429s lets the others run
into the same empty budget (each of them throttled, and with the same application each early request is a
Retry-After violation). A ``ThrottleGate`` per target tenant, shared by the jobs' target clients, makes the
first 429 a deadline for all of them, so together they use the whole budget and never retry early.

``exclusive`` also sends the gated requests one at a time: with it no request can be on its way while a
429 is being answered (the race the simulator counts as a violation when every request takes no time, as on
a virtual clock); without it, requests already on their way when a 429 arrives are the only ones that can
race it, as with any parallel client of Graph.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from syncengine.backend import GraphResult
from syncengine.clock import Clock


@dataclass
class GateStats:
    """What a gate did: 429s it turned into a shared deadline, and the waits it imposed."""

    throttles: int = 0
    waits: int = 0
    waited_seconds: float = 0.0


class ThrottleGate:
    """One tenant's shared Retry-After deadline; every gated request waits for it first."""

    def __init__(self, clock: Clock, *, exclusive: bool = False, margin: float = 0.05) -> None:
        self.clock = clock
        self.exclusive = exclusive
        #: added to every Retry-After so a wait never ends a hair early on a real clock
        self.margin = margin
        self.stats = GateStats()
        self._deadline = 0.0
        self._longest = 0.0
        self._wait_lock = threading.Lock()
        self._send_lock = threading.Lock()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def wait(self) -> float:
        """Wait until the shared deadline has passed; returns the seconds this caller waited.

        One caller at a time sleeps, so on a virtual clock (where sleeping advances time) the deadline moves
        the clock once, not once per waiting job.
        """
        with self._wait_lock:
            left = self._deadline - self._now()
            if left > self._longest:
                left = 0.0  # the clock was set back (a reset): the old deadline means nothing now
                self._deadline = 0.0
            if left <= 0:
                return 0.0
            self.clock.sleep(left)
            self.stats.waits += 1
            self.stats.waited_seconds += left
            return left

    def throttled(self, retry_after: float) -> None:
        """A gated request was answered 429 with ``retry_after`` seconds: every job waits that long."""
        with self._wait_lock:
            self.stats.throttles += 1
            self._deadline = max(self._deadline, self._now() + retry_after + self.margin)
            self._longest = max(self._longest, retry_after + self.margin)

    def send(
        self, send: Callable[[], GraphResult], retry_after: Callable[[GraphResult], float | None]
    ) -> tuple[GraphResult, float]:
        """Wait for the deadline, send, and turn a 429 into the shared deadline; returns (result, waited)."""
        with self._send_lock if self.exclusive else nullcontext():
            waited = self.wait()
            result = send()
            if result.status == 429:
                self.throttled(retry_after(result) or 1.0)
            return result, waited
