"""The Graph client above the seam: retries honouring Retry-After, paging, delta rounds, ``$batch``.

Shared by every backend, so the engine behaves the same in-process and over HTTPS.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from syncengine.backend import GraphBackend, GraphCall, GraphResult, Identity
from syncengine.clock import Clock, RealClock
from syncengine.errors import (
    GraphApiError,
    ServiceUnavailableError,
    ThrottledError,
    TransportError,
    error_for,
)
from syncengine.pacing import ThrottleGate

log = logging.getLogger(__name__)

RETRYABLE = frozenset({429, 500, 502, 503, 504})
_QUERY_SAFE = "$,()':/@= "
BATCH_LIMIT = 20


@dataclass
class ClientStats:
    """What the client went through: visible in cycle reports."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0
    waited_seconds: float = 0.0
    transport_errors: int = 0


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: 429 always waits exactly Retry-After; 5xx and dropped connections back off."""

    max_attempts: int = 8
    base_delay: float = 1.0
    max_delay: float = 60.0
    #: added to every Retry-After so a wait never ends a hair early on a real clock
    margin: float = 0.05


@dataclass
class DeltaRound:
    """One delta round: every entry, and the link that starts the next round."""

    entries: list[dict[str, Any]] = field(default_factory=list)
    delta_link: str = ""
    pages: int = 0


class GraphClient:
    """One identity's view of Graph through a backend."""

    def __init__(
        self,
        backend: GraphBackend,
        identity: Identity,
        *,
        clock: Clock | None = None,
        retry: RetryPolicy | None = None,
        seed: int = 0,
        gate: ThrottleGate | None = None,
    ) -> None:
        self.backend = backend
        #: shared with the other jobs writing into the same tenant: one 429 holds them all (pacing.py)
        self.gate = gate
        self.identity = identity
        self.clock = clock or RealClock()
        self.retry = retry or RetryPolicy()
        self.stats = ClientStats()
        self._jitter = random.Random(seed)

    # -- single requests -------------------------------------------------------------------

    def call(self, call: GraphCall) -> GraphResult:
        """Send with retries; returns a 2xx result or raises the typed error."""
        result = self._send_with_retries(call)
        if not result.ok:
            raise error_for(result.status, result.body, dict(result.headers))
        return result

    def _send_with_retries(self, call: GraphCall) -> GraphResult:
        attempt = 0
        while True:
            attempt += 1
            self.stats.requests += 1
            try:
                result = self._send(call)
            except TransportError:
                self.stats.transport_errors += 1
                if attempt >= self.retry.max_attempts:
                    raise
                self._backoff(attempt)
                continue
            if result.status not in RETRYABLE or attempt >= self.retry.max_attempts:
                return result
            wait = _retry_after(result.headers)
            if result.status == 429:
                self.stats.throttled += 1
            if wait is not None and self.gate is not None and result.status == 429:
                continue  # the gate holds this and every other gated request until the deadline
            if wait is not None:
                self._sleep(wait + self.retry.margin)
            else:
                self._backoff(attempt)

    def _send(self, call: GraphCall) -> GraphResult:
        if self.gate is None:
            return self.backend.send(self.identity, call)
        result, waited = self.gate.send(lambda: self.backend.send(self.identity, call), _throttle_wait)
        if waited:
            self.stats.retries += 1
            self.stats.waited_seconds += waited
        return result

    def _backoff(self, attempt: int) -> None:
        delay = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        self._sleep(delay * (0.5 + self._jitter.random() / 2))

    def _sleep(self, seconds: float) -> None:
        self.stats.retries += 1
        self.stats.waited_seconds += seconds
        self.clock.sleep(seconds)

    def get(
        self, path: str, query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Any:
        return self.call(GraphCall("GET", path, dict(query or {}), dict(headers or {}))).body

    def post(self, path: str, body: Any, headers: Mapping[str, str] | None = None) -> Any:
        return self.call(GraphCall("POST", path, {}, dict(headers or {}), body)).body

    def patch(self, path: str, body: Any) -> None:
        self.call(GraphCall("PATCH", path, {}, {}, body))

    def put(self, path: str, body: Any) -> Any:
        return self.call(GraphCall("PUT", path, {}, {}, body)).body

    def delete(self, path: str) -> None:
        self.call(GraphCall("DELETE", path))

    # -- collections -----------------------------------------------------------------------

    def pages(
        self, path: str, query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> Iterator[list[dict[str, Any]]]:
        """Every page of a collection, following ``@odata.nextLink`` verbatim."""
        body = self.get(path, query, headers)
        while True:
            yield body.get("value", [])
            link = body.get("@odata.nextLink")
            if not link:
                return
            body = self.get(link, None, headers)

    def list_all(
        self, path: str, query: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None
    ) -> list[dict[str, Any]]:
        return [item for page in self.pages(path, query, headers) for item in page]

    def delta_pages(
        self, start: str, query: Mapping[str, str] | None = None, *, page_size: int | None = None
    ) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """A delta round page by page: (entries, deltaLink — empty until the last page)."""
        headers = {"Prefer": f"odata.maxpagesize={page_size}"} if page_size else {}
        body = self.get(start, query if not start.startswith("https://") else None, headers)
        while True:
            link = body.get("@odata.deltaLink", "")
            yield body.get("value", []), link
            if link:
                return
            nxt = body.get("@odata.nextLink")
            if not nxt:
                raise GraphApiError(
                    200, "InvalidDeltaResponse", "A delta page carried neither nextLink nor deltaLink."
                )
            body = self.get(nxt, None, headers)

    def delta(
        self, start: str, query: Mapping[str, str] | None = None, *, page_size: int | None = None
    ) -> DeltaRound:
        """A whole delta round from ``start`` (a path such as ``/users/delta`` or a saved deltaLink)."""
        rnd = DeltaRound()
        for entries, link in self.delta_pages(start, query, page_size=page_size):
            rnd.pages += 1
            rnd.entries.extend(entries)
            rnd.delta_link = link
        return rnd

    # -- $batch ----------------------------------------------------------------------------

    def batch(self, calls: list[GraphCall]) -> list[GraphResult]:
        """Run independent calls in ``$batch`` requests of 20; throttled items are retried after their Retry-After."""
        results: list[GraphResult | None] = [None] * len(calls)
        owed = 0.0
        for start in range(0, len(calls), BATCH_LIMIT):
            pending = list(range(start, min(start + BATCH_LIMIT, len(calls))))
            attempt = 0
            while pending:
                attempt += 1
                body = {
                    "requests": [
                        {
                            "id": str(i),
                            "method": calls[i].method,
                            "url": _relative(calls[i]),
                            **(
                                {
                                    "body": calls[i].body,
                                    "headers": {"Content-Type": "application/json", **calls[i].headers},
                                }
                                if calls[i].body is not None
                                else ({"headers": dict(calls[i].headers)} if calls[i].headers else {})
                            ),
                        }
                        for i in pending
                    ]
                }
                answer = self.call(GraphCall("POST", "/$batch", {}, {}, body)).body
                retry_wait = 0.0
                still: list[int] = []
                for item in answer.get("responses", []):
                    i = int(item["id"])
                    headers = {k.lower(): v for k, v in (item.get("headers") or {}).items()}
                    status = int(item["status"])
                    if status in RETRYABLE and attempt < self.retry.max_attempts:
                        if status == 429:
                            self.stats.throttled += 1
                        still.append(i)
                        retry_wait = max(
                            retry_wait, _retry_after(headers) or self.retry.base_delay * 2 ** (attempt - 1)
                        )
                        continue
                    if status == 429:  # given up: its Retry-After still binds the next request
                        owed = max(owed, _retry_after(headers) or 0.0)
                    results[i] = GraphResult(status, headers, item.get("body"))
                pending = sorted(still)
                if pending and self.gate is not None:
                    self.gate.throttled(retry_wait)  # the next $batch waits at the gate
                elif pending:
                    self._sleep(retry_wait + self.retry.margin)
            if owed:
                self._sleep(owed + self.retry.margin)
                owed = 0.0
        return [r if r is not None else GraphResult(599, {}, None) for r in results]


def _throttle_wait(result: GraphResult) -> float | None:
    return _retry_after(result.headers)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None


def _relative(call: GraphCall) -> str:
    if call.path.startswith("https://"):
        return call.path
    if not call.query:
        return call.path
    return f"{call.path}?{urlencode(dict(call.query), safe=_QUERY_SAFE)}"


__all__ = [
    "ClientStats",
    "DeltaRound",
    "GraphClient",
    "RetryPolicy",
    "ServiceUnavailableError",
    "ThrottledError",
]
