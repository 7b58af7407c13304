"""Clients on the simulator clock: a ``sleep``, an msal token cache and an httpx transport.

With a virtual clock two things in ordinary client code still run on the wall clock:

- msal's token cache stamps a token with ``time.time() + expires_in`` and compares with ``time.time()``,
  so after the simulator clock jumps two hours msal hands back a token Graph calls expired (401);
- retry code sleeps with ``time.sleep`` / ``asyncio.sleep``: a test waits for real, and the simulator
  clock has not moved, so the retry lands before ``Retry-After`` elapsed in simulator time.

:class:`SimulatorClockTokenCache` makes msal (and azure-identity, which uses msal) judge expiry by the
simulator clock; :meth:`SimulatorClock.sleep` and :class:`SimulatorClockTransport` sleep by advancing
it. Both read the clock through the control plane, so they work against ``ccsync up`` too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import msal

from simulator.testing.control import SimulatorControl

#: Statuses a client retries after waiting (Graph's throttling and transient answers).
RETRY_STATUSES = frozenset({429, 503, 504})


class SimulatorClock:
    """The running simulator's clock as a client sees it: read it, sleep on it, move it."""

    def __init__(self, control: SimulatorControl) -> None:
        self._control = control

    def now(self) -> datetime:
        return datetime.fromisoformat(self._control.clock()["now"].replace("Z", "+00:00"))

    def timestamp(self) -> float:
        """Seconds since the epoch in simulator time (what ``time.time()`` is on the wall clock)."""
        state = self._control.clock()
        if not state["virtual"]:
            return time.time()  # the control plane's ``now`` has whole seconds only
        return datetime.fromisoformat(state["now"].replace("Z", "+00:00")).timestamp()

    @property
    def is_virtual(self) -> bool:
        return bool(self._control.clock()["virtual"])

    def set_virtual(self, now: datetime | str | None = None) -> datetime:
        """Freeze the simulator clock (at ``now``, default the current time); only advances move it."""
        state = self._control.set_virtual(now)
        return datetime.fromisoformat(state["now"].replace("Z", "+00:00"))

    def set_real(self) -> None:
        self._control.set_real()

    def advance(self, by: float | timedelta | str) -> datetime:
        """Jump forward (seconds, a timedelta or ``"PT2H"``); due provisioning cycles run first."""
        state = self._control.advance(by)
        return datetime.fromisoformat(state["now"].replace("Z", "+00:00"))

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds`` of simulator time: advance a virtual clock (no wall time), else really sleep."""
        if seconds <= 0:
            return
        if self.is_virtual:
            self.advance(seconds)
        else:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        """``sleep`` for asyncio code (the control-plane call runs in a worker thread)."""
        if seconds <= 0:
            return
        if await asyncio.to_thread(lambda: self.is_virtual):
            await asyncio.to_thread(self.advance, seconds)
        else:
            await asyncio.sleep(seconds)

    def retry_after(self, response: httpx.Response, default: float) -> float:
        """Seconds a response asks a client to wait (``Retry-After`` seconds or HTTP date), else ``default``."""
        value = response.headers.get("retry-after")
        if not value:
            return default
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return default
        return max(0.0, (when.astimezone(UTC) - self.now()).total_seconds())


class SimulatorClockTokenCache(msal.TokenCache):
    """An msal token cache that judges token expiry by the simulator clock.

    Entries are stamped with simulator time when added and filtered with simulator time when searched;
    msal's application then compares what it gets with ``time.time()``, so each access token it sees is
    shifted by (wall now - simulator now): the lifetime msal computes is the simulator's.
    """

    def __init__(self, clock: SimulatorClock) -> None:
        super().__init__()
        self._clock = clock

    def add(self, event: dict[str, Any], now: float | None = None) -> None:
        super().add(event, now=self._clock.timestamp() if now is None else now)

    def search(
        self,
        credential_type: Any,
        target: Any = None,
        query: Any = None,
        *,
        now: float | None = None,
    ) -> Iterator[dict[str, Any]]:
        simulated = self._clock.timestamp() if now is None else now
        shift = time.time() - simulated
        for entry in super().search(credential_type, target=target, query=query, now=simulated):
            if credential_type == self.CredentialType.ACCESS_TOKEN:
                entry = dict(entry)
                for key in ("expires_on", "refresh_on", "extended_expires_on"):
                    if key in entry:
                        entry[key] = str(int(int(entry[key]) + shift))
            yield entry


class SimulatorClockTransport(httpx.BaseTransport):
    """An httpx transport that retries 429/503/504 after ``Retry-After``, slept on the simulator clock."""

    def __init__(
        self,
        clock: SimulatorClock,
        transport: httpx.BaseTransport | None = None,
        *,
        max_retries: int = 5,
        default_delay: float = 1.0,
        verify: Any = True,
    ) -> None:
        self.clock = clock
        self._inner = transport or httpx.HTTPTransport(verify=verify)
        self.max_retries = max_retries
        self.default_delay = default_delay

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            response = self._inner.handle_request(request)
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                return response
            response.read()
            delay = self.clock.retry_after(response, self.default_delay * 2**attempt)
            response.close()
            self.clock.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self._inner.close()


class AsyncSimulatorClockTransport(httpx.AsyncBaseTransport):
    """:class:`SimulatorClockTransport` for ``httpx.AsyncClient``."""

    def __init__(
        self,
        clock: SimulatorClock,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        max_retries: int = 5,
        default_delay: float = 1.0,
        verify: Any = True,
    ) -> None:
        self.clock = clock
        self._inner = transport or httpx.AsyncHTTPTransport(verify=verify)
        self.max_retries = max_retries
        self.default_delay = default_delay

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        attempt = 0
        while True:
            response = await self._inner.handle_async_request(request)
            if response.status_code not in RETRY_STATUSES or attempt >= self.max_retries:
                return response
            await response.aread()
            delay = self.clock.retry_after(response, self.default_delay * 2**attempt)
            await response.aclose()
            await self.clock.asleep(delay)
            attempt += 1

    async def aclose(self) -> None:
        await self._inner.aclose()
