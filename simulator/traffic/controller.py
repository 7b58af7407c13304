"""The router's ``Traffic`` hook: throttling under a profile, chaos, canned faults, Retry-After discipline.

Per request, ``admit`` (before the permission check and the handler, outside the store lock) decides in
this order: latency draw; Retry-After discipline (a retry before the last 429's Retry-After elapsed is
a violation); canned faults; chaos drop and error coins; the throttling buckets. ``settle`` adds
``x-ms-resource-unit`` (and ``x-ms-throttle-limit-percentage`` above 0.8) and counts the answer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from simulator.clock import Clock
from simulator.traffic.chaos import Chaos, ChaosSettings, injected_error, parse_chaos
from simulator.traffic.costs import Cost, request_cost
from simulator.traffic.errors import TrafficConfigError
from simulator.traffic.faults import CannedFault, FaultBook
from simulator.traffic.stats import TrafficStats
from simulator.traffic.throttle import (
    INVITING,
    ORDINARY,
    PROFILES,
    PROVISIONING,
    REPORTING,
    REPORTS,
    Entry,
    LimitKind,
    Limits,
    Throttle,
    Verdict,
    make_limits,
)
from simulator.wire.errors import GraphError
from simulator.wire.message import GraphRequest, GraphResponse
from simulator.wire.routing import CallerLike, MatchedRoute

if TYPE_CHECKING:
    from simulator.clouds import Cloud

#: Seconds added to the remaining Retry-After of a client that retried too early.
DEFAULT_PENALTY = 2
#: No Retry-After (violation or not) is ever longer than this; Kiota gives up at 180 s.
MAX_RETRY_AFTER = 120
#: ``x-ms-throttle-limit-percentage`` is sent above this share of a limit, capped at the maximum.
PERCENT_FROM, PERCENT_MAX = 0.8, 1.8
#: Slack for clocks: a retry this close to its deadline is not early (asyncio timers can fire ~1 ms early).
_DEADLINE_SLACK = 0.05
_PROFILE_KEYS = ("profile", "factor", "retry_after_penalty", "retry_after_grace_ms", "invitation_limit")

Key = tuple[str, str, str]


class _Deadline:
    """When an app+tenant may retry, in simulator time, and when (wall time) that was decided."""

    __slots__ = ("due", "issued", "issued_wall")

    def __init__(self, due: float, issued: float) -> None:
        self.due, self.issued, self.issued_wall = due, issued, time.monotonic()


class _Ticket:
    """What admit learned about one request, for settle: its cost and the highest limit usage."""

    __slots__ = ("cost", "usage")

    def __init__(self, cost: Cost) -> None:
        self.cost, self.usage = cost, 0.0


class TrafficController:
    """Throttling, chaos and canned faults around every Graph request, with counters; thread-safe."""

    def __init__(
        self,
        clock: Clock,
        *,
        seed: int = 42,
        tenant_users: Callable[[str], int] | None = None,
    ) -> None:
        self.clock = clock
        self.seed = seed
        self._tenant_users = tenant_users
        self._lock = threading.Lock()
        self._limits: Limits | None = None
        self._throttle: Throttle | None = None
        self._penalty = DEFAULT_PENALTY
        self._grace = 0.0
        self._chaos: Chaos | None = None
        self._chaos_settings = ChaosSettings()
        self._faults = FaultBook()
        self._stats = TrafficStats()
        self._deadlines: dict[Key, _Deadline] = {}
        #: id(request) -> what admit learned (cost, limit usage), for settle
        self._tickets: dict[int, _Ticket] = {}

    # -- configuration -------------------------------------------------------------------

    @property
    def active(self) -> bool:
        """Whether the router needs this hook at all (a profile, chaos, or a pending canned fault)."""
        return self._throttle is not None or self._chaos is not None or self._faults.live > 0

    def configure(self, profile: str | dict[str, Any] | None) -> None:
        """Switch the throttling profile: ``"off"``, ``"documented"``, ``"scaled"`` or a dict
        ``{"profile", "factor", "retry_after_penalty", "retry_after_grace_ms", "invitation_limit"}``;
        buckets start full.
        """
        doc: dict[str, Any] = {"profile": profile or "off"} if not isinstance(profile, dict) else profile
        unknown = sorted(set(doc) - set(_PROFILE_KEYS))
        if unknown:
            raise TrafficConfigError(
                f"unknown traffic setting(s) {unknown}; allowed: {', '.join(_PROFILE_KEYS)}."
            )
        name = doc.get("profile")
        if name not in PROFILES:
            raise TrafficConfigError(f"'profile' must be one of {', '.join(PROFILES)} (got {name!r}).")
        penalty = doc.get("retry_after_penalty", DEFAULT_PENALTY)
        if isinstance(penalty, bool) or not isinstance(penalty, int) or not 0 <= penalty <= MAX_RETRY_AFTER:
            raise TrafficConfigError(
                f"'retry_after_penalty' must be whole seconds from 0 to {MAX_RETRY_AFTER} (got {penalty!r})."
            )
        grace = doc.get("retry_after_grace_ms", 0)
        if isinstance(grace, bool) or not isinstance(grace, int | float) or not 0 <= grace <= 60_000:
            raise TrafficConfigError(f"'retry_after_grace_ms' must be from 0 to 60000 (got {grace!r}).")
        if name == "off":
            if doc.get("factor") is not None:
                raise TrafficConfigError("'factor' applies only to the 'scaled' profile.")
            limits = None
        else:
            limits = make_limits(name, doc.get("factor"))
        # the invitation limit is on with 'documented' and 'scaled' unless the profile says false
        invitation_limit = doc.get("invitation_limit")
        if invitation_limit is not None and not isinstance(invitation_limit, bool):
            raise TrafficConfigError(f"'invitation_limit' must be true or false (got {invitation_limit!r}).")
        if invitation_limit is True and limits is None:
            raise TrafficConfigError("'invitation_limit' applies to the 'documented' and 'scaled' profiles.")
        if invitation_limit is False and limits is not None:
            limits = replace(limits, invitation_limit=False)
        with self._lock:
            self._limits = limits
            self._throttle = Throttle(limits) if limits is not None else None
            self._penalty, self._grace = penalty, grace / 1000.0
            self._deadlines.clear()
            self._tickets.clear()

    def use_limits(self, limits: Limits) -> None:
        """Throttle with explicit numbers (capacity planning, tests); buckets start full."""
        with self._lock:
            self._limits = limits
            self._throttle = Throttle(limits)
            self._deadlines.clear()

    def describe(self) -> dict[str, Any]:
        """The profile as ``GET /_simulator/traffic`` shows it."""
        with self._lock:
            limits = self._limits
            out: dict[str, Any] = {
                "profile": limits.profile if limits else "off",
                "retry_after_penalty": self._penalty,
                "retry_after_grace_ms": round(self._grace * 1000, 3),
                "active": self.active,
            }
            if limits is not None:
                if limits.profile == "scaled":
                    out["factor"] = int(limits.factor) if limits.factor.is_integer() else limits.factor
                out["limits"] = limits.describe()
                out["invitation_limit"] = limits.invitation_limit
            out["chaos"] = self._chaos_settings.enabled
            out["faults_pending"] = self._faults.live
            return out

    def set_chaos(self, doc: Any) -> dict[str, Any]:
        """Replace the chaos settings (``{}`` turns chaos off); returns them as stored."""
        settings = parse_chaos(doc)
        with self._lock:
            self._chaos_settings = settings
            self._chaos = Chaos(settings, self.seed) if settings.enabled else None
            return settings.to_dict()

    def chaos(self) -> dict[str, Any]:
        with self._lock:
            return self._chaos_settings.to_dict()

    def add_fault(self, doc: Any) -> dict[str, Any]:
        with self._lock:
            return self._faults.add(doc).to_dict()

    def faults(self) -> list[dict[str, Any]]:
        with self._lock:
            return [f.to_dict() for f in self._faults.faults]

    def remove_fault(self, fault_id: str) -> bool:
        with self._lock:
            return self._faults.remove(fault_id)

    def clear_faults(self) -> int:
        with self._lock:
            return self._faults.clear()

    def stats(self) -> dict[str, Any]:
        with self._lock:
            doc = self._stats.to_dict()
            doc["faults"] = [
                {"id": f.id, "fired": f.fired, "remaining": f.remaining} for f in self._faults.faults
            ]
            return doc

    def budget_use(self) -> dict[tuple[str, str, str], dict[str, float]]:
        """Per (cloud, app, tenant): the share of its RU and write budgets in use now (0 to 1, more
        with debt); empty when no profile throttles. Read-only: refills to now, charges nothing."""
        with self._lock:
            if self._throttle is None:
                return {}
            now = self.clock.timestamp()
            out = {}
            for key, lane in self._throttle._lanes.items():
                for bucket in (lane.tenant_app_ru, lane.tenant_app_writes):
                    bucket.refill(now)
                out[key] = {
                    "ru_use": lane.tenant_app_ru.usage(),
                    "ru_quota": lane.tenant_app_ru.capacity,
                    "write_use": lane.tenant_app_writes.usage(),
                    "write_quota": lane.tenant_app_writes.capacity,
                }
            return out

    def reset_stats(self) -> None:
        with self._lock:
            self._stats = TrafficStats()

    def reset(self) -> None:
        """Everything off: no profile, no chaos, no faults, counters at zero."""
        self.configure("off")
        self.set_chaos({})
        with self._lock:
            self._faults.clear()
            self._stats = TrafficStats()

    # -- the Traffic hook ----------------------------------------------------------------

    def admit(
        self, cloud: Cloud, req: GraphRequest, caller: CallerLike, route: MatchedRoute
    ) -> GraphResponse | None:
        """A response to answer instead of the handler's (429, injected fault, drop), or None."""
        if self._throttle is None and self._chaos is None and not self._faults.live and not self._deadlines:
            return None
        method = req.method.upper()
        path = req.path
        key: Key = (cloud, caller.app_id, caller.tenant_id)
        if _is_batch(path):
            # The $batch envelope is free: each inner request goes through admit on its own.
            return self._canned(req, method, key) if self._faults.live else None
        delay_ms = 0.0
        outcome: GraphError | GraphResponse | None = None
        cost = request_cost(method, path, req.query)
        with self._lock:
            ticket = self._tickets[id(req)] = _Ticket(cost)
            now = self.clock.timestamp()
            pair = self._stats.pair(key)
            chaos = self._chaos
            if chaos is not None:
                delay_ms = chaos.latency_ms(method)
                if delay_ms > 0:
                    for c in (self._stats.total, pair):
                        c.latency_added_ms += delay_ms
                        c.delayed_requests += 1
            outcome = self._early_retry(req, ticket, key, now, pair)
            if outcome is None and self._faults.live:
                fault = self._faults.take(method, path, caller.tenant_id, caller.app_id)
                if fault is not None:
                    outcome = self._fire(fault, req, key, now, pair)
            if outcome is None and chaos is not None:
                outcome = self._chaos_outcome(chaos, req, method, key, now, pair)
            if outcome is None and self._throttle is not None:
                outcome = self._charge(req, ticket, key, now, pair)
        if delay_ms > 0:
            time.sleep(delay_ms / 1000.0)  # wall-clock, also on a virtual clock: it is network time
        if isinstance(outcome, GraphError):
            raise outcome
        return outcome

    def settle(
        self, cloud: Cloud, req: GraphRequest, caller: CallerLike, route: MatchedRoute, resp: GraphResponse
    ) -> None:
        """Add ``x-ms-resource-unit`` (and the limit percentage when above 0.8); count the answer."""
        path = req.path
        if _is_batch(path):
            return
        key: Key = (cloud, caller.app_id, caller.tenant_id)
        with self._lock:
            ticket = self._tickets.pop(id(req), None)
            pair = self._stats.pair(key)
            self._stats.total.requests += 1
            pair.requests += 1
        if ticket is None:  # the hook was installed while this request was in flight
            ticket = _Ticket(request_cost(req.method, path, req.query))
        resp.headers["x-ms-resource-unit"] = str(ticket.cost.ru)
        if ticket.usage > PERCENT_FROM:
            resp.headers["x-ms-throttle-limit-percentage"] = f"{min(ticket.usage, PERCENT_MAX):.1f}"

    # -- the stages (called under the lock) ----------------------------------------------

    def _early_retry(
        self, req: GraphRequest, ticket: _Ticket, key: Key, now: float, pair: Any
    ) -> GraphError | None:
        """A 429 with a longer Retry-After for a retry before the last 429's Retry-After elapsed."""
        deadline = self._deadlines.get(key)
        if deadline is None:
            return None
        if now < deadline.issued or now >= deadline.due - _DEADLINE_SLACK:
            del self._deadlines[key]  # elapsed (or the clock was set back): no longer binding
            return None
        if self._grace and time.monotonic() - deadline.issued_wall < self._grace:
            return None  # sent before the client could have seen the 429: an in-flight request
        if req.arrived is not None and req.arrived <= deadline.issued_wall:
            return None  # arrived before that 429 was decided (a sibling in the same $batch)
        for c in (self._stats.total, pair):
            c.retry_after_violations += 1
        wait = deadline.due - now
        if self._throttle is not None:  # the early retry still counts against usage
            _, entries = self._charge_buckets(req, ticket, key, now, pair)
            wait = max(wait, Throttle.wait(entries, now))
        retry_after = min(math.ceil(wait) + self._penalty, MAX_RETRY_AFTER)
        self._deadlines[key] = _Deadline(now + retry_after, now)
        _, app_id, tenant_id = key
        return GraphError(
            429,
            "TooManyRequests",
            f"Too many requests from Identifier:{app_id}+{tenant_id} under category:throttle.aad.ags.retryafter. "
            f"The request was sent before the previous Retry-After elapsed; wait {retry_after} seconds.",
            headers={
                "Retry-After": str(retry_after),
                "x-ms-throttle-scope": f"Tenant_Application/ReadWrite/{app_id}/{tenant_id}",
                "x-ms-throttle-information": "RetryAfterViolation",
            },
        )

    def _fire(
        self, fault: CannedFault, req: GraphRequest, key: Key, now: float, pair: Any
    ) -> GraphError | GraphResponse:
        for c in (self._stats.total, pair):
            c.faults_fired += 1
        if fault.drop:
            for c in (self._stats.total, pair):
                c.dropped_connections += 1
            return _dropped()
        headers = dict(fault.headers)
        given = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
        if given is None and fault.retry_after:
            headers["Retry-After"] = given = str(fault.retry_after)
        if fault.status == 429:
            retry_after = _seconds(given)
            if retry_after:
                self._deadlines[key] = _Deadline(now + retry_after, now)
        if fault.body is None and fault.status >= 400:
            err = injected_error(fault.status, f"Canned fault {fault.id} injected by ccsync.", None)
            err.headers.update(headers)
            return err
        if fault.body is not None and not any(k.lower() == "content-type" for k in headers):
            headers["Content-Type"] = "application/json"
        return GraphResponse(fault.status, fault.body, headers)

    def _chaos_outcome(
        self, chaos: Chaos, req: GraphRequest, method: str, key: Key, now: float, pair: Any
    ) -> GraphError | GraphResponse | None:
        if chaos.drops(method):
            for c in (self._stats.total, pair):
                c.dropped_connections += 1
            return _dropped()
        status = chaos.error(method)
        if status is None:
            return None
        for c in (self._stats.total, pair):
            c.injected_errors[str(status)] += 1
        retry_after = chaos.settings.retry_after
        if status == 429 and retry_after:
            self._deadlines[key] = _Deadline(now + retry_after, now)
        phrase = "Too many requests" if status == 429 else "The service failed this request"
        return injected_error(
            status, f"{phrase} (chaos injected by ccsync). Please try again later.", retry_after
        )

    def _entries(self, cost: Cost, key: Key, path: str, now: float) -> list[Entry]:
        assert self._throttle is not None
        cloud, app_id, tenant_id = key
        users = self._tenant_users(tenant_id) if self._tenant_users is not None else None
        lane = self._throttle.lane(cloud, app_id, tenant_id, now)
        return self._throttle.entries(lane, cost, _special(path), users)

    def _charge_buckets(
        self, req: GraphRequest, ticket: _Ticket, key: Key, now: float, pair: Any
    ) -> tuple[Verdict | None, list[Entry]]:
        assert self._throttle is not None
        cost = ticket.cost
        entries = self._entries(cost, key, req.path, now)
        verdict = self._throttle.charge(entries, now)
        ticket.usage = Throttle.usage(entries)
        if entries[0][2] is not REPORTS:  # reports have their own request limit, not RU
            for c in (self._stats.total, pair):
                c.resource_units += cost.ru
                if cost.write:
                    c.writes += 1
        return verdict, entries

    def _charge(
        self, req: GraphRequest, ticket: _Ticket, key: Key, now: float, pair: Any
    ) -> GraphError | None:
        verdict, _ = self._charge_buckets(req, ticket, key, now, pair)
        if verdict is None:
            return None
        for c in (self._stats.total, pair):
            c.throttled[verdict.limit.name] += 1
        self._deadlines[key] = _Deadline(now + verdict.retry_after, now)
        return _throttled(verdict.limit, verdict.retry_after, key)

    def _canned(self, req: GraphRequest, method: str, key: Key) -> GraphResponse | None:
        with self._lock:
            fault = self._faults.take(method, req.path, key[2], key[1])
            if fault is None:
                return None
            outcome = self._fire(fault, req, key, self.clock.timestamp(), self._stats.pair(key))
        if isinstance(outcome, GraphError):
            raise outcome
        return outcome


def _throttled(limit: LimitKind, retry_after: int, key: Key) -> GraphError:
    _, app_id, tenant_id = key
    return GraphError(
        429,
        "TooManyRequests",
        f"Too many requests from Identifier:{app_id}+{tenant_id} under category:throttle.aad.ags."
        f"{limit.category}. Please try again later.",
        headers={
            "Retry-After": str(retry_after),
            "x-ms-throttle-scope": f"{limit.scope}/{limit.access}/{app_id}/{tenant_id}",
            "x-ms-throttle-information": limit.information,
        },
    )


def _dropped() -> GraphError:
    """The connection is closed without an answer; in-process callers that ignore ``drop`` see a 503."""
    err = injected_error(503, "The connection was dropped (chaos injected by ccsync).", 1)
    err.drop = True
    return err


def _seconds(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n > 0 else None


def _is_batch(path: str) -> bool:
    return path.startswith("/$") and path.rstrip("/").lower() == "/$batch"


def _special(path: str) -> int:
    low = path.lower()
    if low.startswith("/auditlogs"):
        return REPORTING
    if low.endswith("/provisionondemand") and "/synchronization/jobs/" in low:
        return PROVISIONING
    if low.rstrip("/") == "/invitations" or low.startswith("/invitations/"):
        return INVITING
    return ORDINARY
