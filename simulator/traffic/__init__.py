"""Traffic: Graph's documented throttling (resource units per app+tenant), chaos and canned faults.

``make_traffic`` builds the :class:`TrafficController` the Graph router calls around every request
(``router.traffic``; None means off). See docs/traffic.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from simulator.clock import Clock
from simulator.traffic.controller import TrafficController
from simulator.traffic.costs import Cost, request_cost
from simulator.traffic.errors import TrafficConfigError
from simulator.traffic.throttle import DEFAULT_FACTOR, PROFILES, Limits, make_limits

__all__ = [
    "DEFAULT_FACTOR",
    "PROFILES",
    "Cost",
    "Limits",
    "TrafficConfigError",
    "TrafficController",
    "make_limits",
    "make_traffic",
    "request_cost",
]


def make_traffic(
    profile: str | dict[str, Any] | None,
    clock: Clock,
    *,
    seed: int = 42,
    tenant_users: Callable[[str], int] | None = None,
) -> TrafficController:
    """A controller under ``profile`` (``"off"``, ``"documented"``, ``"scaled"`` or
    ``{"profile": "scaled", "factor": 100, ...}``); ``tenant_users(tenant_id)`` sizes the tenant's
    RU budget (small when not given). Raises :class:`TrafficConfigError` for a bad profile.
    """
    controller = TrafficController(clock, seed=seed, tenant_users=tenant_users)
    controller.configure(profile)
    return controller
