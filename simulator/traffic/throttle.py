"""Graph's documented identity-and-access throttling limits, the named profiles, and their buckets."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace
from typing import Any

from simulator.traffic.buckets import TokenBucket
from simulator.traffic.costs import Cost
from simulator.traffic.errors import TrafficConfigError

PROFILES = ("off", "documented", "scaled")
#: ``scaled`` divides every budget by this unless told otherwise.
DEFAULT_FACTOR = 100.0
#: Tenant size bands by live user count: small below 50, large above 500.
SMALL_BELOW = 50
LARGE_ABOVE = 500


@dataclass(frozen=True)
class Budget:
    """``quota`` units (RU, writes or requests) per ``window`` seconds."""

    quota: float
    window: float

    def scaled(self, factor: float) -> Budget:
        # Never below one unit: a budget that admits nothing would be a different limit, not a scaled one.
        return Budget(max(self.quota / factor, 1.0), self.window)


@dataclass(frozen=True)
class LimitKind:
    """How one limit reports itself when it throttles."""

    #: stats key
    name: str
    #: ``x-ms-throttle-scope`` parts
    scope: str
    access: str
    #: ``x-ms-throttle-information``
    information: str
    #: ``category:throttle.aad.ags.{category}`` in the error message
    category: str


TENANT_APP_RU = LimitKind(
    "tenant_application_resource_units",
    "Tenant_Application",
    "ReadWrite",
    "ResourceUnitLimitExceeded",
    "tenantapplication.resourceunits",
)
TENANT_APP_WRITES = LimitKind(
    "tenant_application_writes",
    "Tenant_Application",
    "Write",
    "WriteLimitExceeded",
    "tenantapplication.writes",
)
TENANT_WRITES = LimitKind("tenant_writes", "Tenant", "Write", "WriteLimitExceeded", "tenant.writes")
APP_RU = LimitKind(
    "application_resource_units",
    "Application",
    "ReadWrite",
    "ResourceUnitLimitExceeded",
    "application.resourceunits",
)
APP_WRITES = LimitKind(
    "application_writes", "Application", "Write", "WriteLimitExceeded", "application.writes"
)
APP_REQUESTS = LimitKind(
    "application_requests", "Application", "ReadWrite", "RequestLimitExceeded", "application.requests"
)
PROVISION_ON_DEMAND = LimitKind(
    "provision_on_demand",
    "Tenant_Application",
    "Write",
    "RequestLimitExceeded",
    "synchronization.provisionondemand",
)
REPORTS = LimitKind("reports", "Tenant_Application", "Read", "RequestLimitExceeded", "reports")
#: throttling-limits, "Invitation manager service limits": any request on /invitations, per tenant for all apps
INVITATIONS = LimitKind(
    "tenant_invitations", "Tenant", "ReadWrite", "RequestLimitExceeded", "tenant.invitations"
)
LIMIT_KINDS = (
    TENANT_APP_RU,
    TENANT_APP_WRITES,
    TENANT_WRITES,
    APP_RU,
    APP_WRITES,
    APP_REQUESTS,
    PROVISION_ON_DEMAND,
    REPORTS,
    INVITATIONS,
)


@dataclass(frozen=True)
class Limits:
    """The numbers of one profile (all per the documented windows)."""

    profile: str
    factor: float
    #: application + tenant RU by tenant size
    small_tenant_ru: Budget = Budget(3_500, 10)
    medium_tenant_ru: Budget = Budget(5_000, 10)
    large_tenant_ru: Budget = Budget(8_000, 10)
    #: application + tenant write requests
    tenant_app_writes: Budget = Budget(3_000, 150)
    #: one application across all tenants
    app_ru: Budget = Budget(150_000, 20)
    app_writes: Budget = Budget(35_000, 300)
    #: one tenant across all applications
    tenant_writes: Budget = Budget(18_000, 300)
    #: global requests per application (every Graph request, any workload)
    app_requests: Budget = Budget(130_000, 10)
    #: special surfaces (per application + tenant)
    provision_on_demand: Budget = Budget(5, 10)
    reports: Budget = Budget(5, 10)
    #: any request on ``/invitations``, one tenant across all applications
    invitations: Budget = Budget(150, 5)
    #: whether the invitation limit applies (on by default; ``"invitation_limit": false`` turns it off:
    #: see docs/traffic.md)
    invitation_limit: bool = True

    def tenant_app_ru(self, users: int) -> Budget:
        """The application + tenant RU budget for a tenant with ``users`` live users."""
        if users < SMALL_BELOW:
            return self.small_tenant_ru
        if users > LARGE_ABOVE:
            return self.large_tenant_ru
        return self.medium_tenant_ru

    def describe(self) -> dict[str, Any]:
        """The numbers as the control plane shows them."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Budget):
                out[f.name] = {"quota": _plain(value.quota), "window_seconds": _plain(value.window)}
        return out


def _plain(x: float) -> float | int:
    return int(x) if float(x).is_integer() else round(x, 3)


#: Limits already in single digits keep their documented numbers under ``scaled``.
UNSCALED = frozenset({"provision_on_demand", "reports", "invitations"})


def make_limits(profile: str, factor: float | None = None) -> Limits:
    """The limits of ``documented`` or ``scaled`` (budgets divided by ``factor``, at least 1, except
    :data:`UNSCALED`)."""
    if profile == "documented":
        if factor not in (None, 1, 1.0):
            raise TrafficConfigError("'factor' applies only to the 'scaled' profile.")
        return Limits("documented", 1.0)
    if profile == "scaled":
        factor = DEFAULT_FACTOR if factor is None else factor
        if (
            isinstance(factor, bool)
            or not isinstance(factor, int | float)
            or not math.isfinite(factor)
            or factor <= 0
        ):
            raise TrafficConfigError(
                f"'factor' must be a positive number (got {factor!r}); default {DEFAULT_FACTOR:g}."
            )
        base = Limits("scaled", float(factor))
        changes = {
            f.name: getattr(base, f.name).scaled(factor)
            for f in fields(base)
            if isinstance(getattr(base, f.name), Budget) and f.name not in UNSCALED
        }
        return replace(base, **changes)
    raise TrafficConfigError(f"unknown traffic profile {profile!r}; use one of: {', '.join(PROFILES)}.")


@dataclass(frozen=True)
class Verdict:
    """A throttled request: the limit that bound it and the seconds to wait."""

    limit: LimitKind
    retry_after: int


class Lane:
    """The buckets one (cloud, application, tenant) draws from; app and tenant buckets are shared."""

    __slots__ = (
        "tenant_app_ru",
        "tenant_app_writes",
        "tenant_writes",
        "app_ru",
        "app_writes",
        "app_requests",
        "provision_on_demand",
        "reports",
        "invitations",
    )

    def __init__(self, **buckets: TokenBucket) -> None:
        for name, bucket in buckets.items():
            setattr(self, name, bucket)


#: Special request classes: paths with their own limits.
ORDINARY, PROVISIONING, REPORTING, INVITING = 0, 1, 2, 3

Entry = tuple[TokenBucket, float, LimitKind]


class Throttle:
    """Token buckets for every (cloud, app, tenant) seen, under one profile's limits; callers lock."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self._lanes: dict[tuple[str, str, str], Lane] = {}
        self._shared: dict[tuple[str, ...], TokenBucket] = {}

    def lane(self, cloud: str, app_id: str, tenant_id: str, now: float) -> Lane:
        key = (cloud, app_id, tenant_id)
        lane = self._lanes.get(key)
        if lane is None:
            lim = self.limits

            def shared(kind: str, owner: str, budget: Budget) -> TokenBucket:
                bucket = self._shared.get((kind, cloud, owner))
                if bucket is None:
                    bucket = self._shared[(kind, cloud, owner)] = TokenBucket(
                        budget.quota, budget.window, now
                    )
                return bucket

            def own(budget: Budget) -> TokenBucket:
                return TokenBucket(budget.quota, budget.window, now)

            lane = self._lanes[key] = Lane(
                tenant_app_ru=own(lim.small_tenant_ru),
                tenant_app_writes=own(lim.tenant_app_writes),
                tenant_writes=shared("tenant_writes", tenant_id, lim.tenant_writes),
                app_ru=shared("app_ru", app_id, lim.app_ru),
                app_writes=shared("app_writes", app_id, lim.app_writes),
                app_requests=shared("app_requests", app_id, lim.app_requests),
                provision_on_demand=own(lim.provision_on_demand),
                reports=own(lim.reports),
                invitations=shared("invitations", tenant_id, lim.invitations),
            )
        return lane

    def entries(self, lane: Lane, cost: Cost, special: int, users: int | None) -> list[Entry]:
        """The buckets a request draws from, with the amount drawn from each."""
        if special == REPORTING:
            return [(lane.reports, 1, REPORTS), (lane.app_requests, 1, APP_REQUESTS)]
        if users is not None:
            quota = self.limits.tenant_app_ru(users).quota
            if lane.tenant_app_ru.capacity != quota:
                lane.tenant_app_ru.resize(quota)
        out: list[Entry] = [
            (lane.tenant_app_ru, cost.ru, TENANT_APP_RU),
            (lane.app_ru, cost.ru, APP_RU),
            (lane.app_requests, 1, APP_REQUESTS),
        ]
        if cost.write:
            out.append((lane.tenant_app_writes, 1, TENANT_APP_WRITES))
            out.append((lane.tenant_writes, 1, TENANT_WRITES))
            out.append((lane.app_writes, 1, APP_WRITES))
        if special == PROVISIONING:
            out.append((lane.provision_on_demand, 1, PROVISION_ON_DEMAND))
        elif special == INVITING and self.limits.invitation_limit:
            out.append((lane.invitations, 1, INVITATIONS))
        return out

    @staticmethod
    def charge(entries: list[Entry], now: float) -> Verdict | None:
        """Charge every bucket; None when all had room, else the binding limit and the wait.

        Throttled requests are charged too, and the wait is computed after that charge, so a client
        that waits exactly ``retry_after`` finds room for the same request (absent other traffic).
        """
        fits = True
        for bucket, amount, _ in entries:
            bucket.refill(now)
            if fits and not bucket.fits(amount):
                fits = False
        short = [] if fits else [(b, a, k) for b, a, k in entries if not b.fits(a)]
        for bucket, amount, _ in entries:
            bucket.take(amount)
        if fits:
            return None
        wait = max(b.wait_for(a) for b, a, _ in entries)
        binding = max(short, key=lambda e: e[0].wait_for(e[1]))[2]
        return Verdict(binding, max(1, math.ceil(wait)))

    @staticmethod
    def wait(entries: list[Entry], now: float) -> float:
        """Seconds until the request fits in every bucket, without charging it."""
        for bucket, _, _ in entries:
            bucket.refill(now)
        return max(b.wait_for(a) for b, a, _ in entries)

    @staticmethod
    def usage(entries: list[Entry]) -> float:
        """The highest share of any limit in use by these buckets."""
        return max(b.usage() for b, _, _ in entries)
