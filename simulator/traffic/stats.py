"""Counters of everything the traffic layer did: totals and per (cloud, application, tenant)."""

from __future__ import annotations

from collections import Counter
from typing import Any


class Counters:
    """One set of counters; ``throttled`` is keyed by limit name, ``injected_errors`` by status."""

    __slots__ = (
        "requests",
        "resource_units",
        "writes",
        "throttled",
        "retry_after_violations",
        "injected_errors",
        "latency_added_ms",
        "delayed_requests",
        "dropped_connections",
        "faults_fired",
    )

    def __init__(self) -> None:
        self.requests = 0
        self.resource_units = 0
        self.writes = 0
        self.throttled: Counter[str] = Counter()
        self.retry_after_violations = 0
        self.injected_errors: Counter[str] = Counter()
        self.latency_added_ms = 0.0
        self.delayed_requests = 0
        self.dropped_connections = 0
        self.faults_fired = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "resource_units": self.resource_units,
            "writes": self.writes,
            "throttled": sum(self.throttled.values()),
            "throttled_by_limit": dict(sorted(self.throttled.items())),
            "retry_after_violations": self.retry_after_violations,
            "injected_errors": sum(self.injected_errors.values()),
            "injected_errors_by_status": dict(sorted(self.injected_errors.items())),
            "latency_added_ms": round(self.latency_added_ms, 3),
            "delayed_requests": self.delayed_requests,
            "dropped_connections": self.dropped_connections,
            "faults_fired": self.faults_fired,
        }


class TrafficStats:
    """Totals plus one :class:`Counters` per (cloud, app, tenant); callers lock."""

    def __init__(self) -> None:
        self.total = Counters()
        self.by_caller: dict[tuple[str, str, str], Counters] = {}

    def pair(self, key: tuple[str, str, str]) -> Counters:
        c = self.by_caller.get(key)
        if c is None:
            c = self.by_caller[key] = Counters()
        return c

    def to_dict(self) -> dict[str, Any]:
        return {
            "totals": self.total.to_dict(),
            "by_app_tenant": [
                {"cloud": cloud, "app_id": app, "tenant_id": tenant, **c.to_dict()}
                for (cloud, app, tenant), c in sorted(self.by_caller.items())
            ],
        }
