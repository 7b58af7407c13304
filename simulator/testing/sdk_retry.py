"""msgraph-sdk's retry middleware on the simulator clock.

Kiota's ``RetryHandler`` waits with ``asyncio.sleep``: against a virtual simulator clock it wastes wall
time and then retries before ``Retry-After`` has elapsed in simulator time, which the simulator punishes
(another 429 with a longer Retry-After) until the SDK gives up with an ``ODataError``. This handler
keeps Kiota's decisions (which statuses and methods, how many attempts, Retry-After or back-off) and
only sleeps through :meth:`SimulatorClock.asleep`.
"""

from __future__ import annotations

from typing import Any

import httpx
from kiota_http.kiota_client_factory import KiotaClientFactory
from kiota_http.middleware.middleware import BaseMiddleware
from kiota_http.middleware.options import RetryHandlerOption
from kiota_http.middleware.retry_handler import RETRY_ATTEMPT, RetryHandler

from simulator.testing.clock import SimulatorClock


class SimulatorClockRetryHandler(RetryHandler):
    """Kiota's retry policy, slept on the simulator clock."""

    def __init__(self, clock: SimulatorClock, options: Any = None) -> None:
        super().__init__(options)
        self.clock = clock

    async def send(self, request: httpx.Request, transport: httpx.AsyncBaseTransport) -> httpx.Response:
        options = self._get_current_options(request)
        retries = 0
        while True:
            response = await BaseMiddleware.send(self, request, transport)
            if not (
                options.should_retry
                and self.check_retry_valid(retries, options)
                and self.should_retry(request, options, response)
            ):
                return response
            delay = self.get_delay_time(retries, response, options.max_delay)
            if delay >= RetryHandlerOption.MAX_DELAY:  # Kiota gives up rather than wait that long
                return response
            await response.aclose()
            await self.clock.asleep(delay)
            retries += 1
            request.headers[RETRY_ATTEMPT] = str(retries)


def middleware_on(clock: SimulatorClock) -> list[BaseMiddleware]:
    """msgraph-sdk's default middleware with the retry handler on the simulator clock."""
    from msgraph_core.middleware import GraphTelemetryHandler

    chain = KiotaClientFactory.get_default_middleware(None)
    chain = [SimulatorClockRetryHandler(clock) if isinstance(m, RetryHandler) else m for m in chain]
    chain.append(GraphTelemetryHandler())
    return chain
