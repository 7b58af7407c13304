"""An in-process Graph router with the traffic hook, on a virtual clock, for fast traffic tests."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from simulator.clock import Clock
from simulator.clouds import Cloud
from simulator.directory.store import Store
from simulator.graph.resources import register_all
from simulator.graph.router import GraphRouter
from simulator.identity.tokens import Caller
from simulator.traffic import TrafficController, make_traffic
from simulator.wire.message import GraphRequest, GraphResponse, Headers
from simulator.world import seed_tenant
from simulator.world.spec import ADMIN_PERMISSIONS

START = datetime(2026, 1, 1, tzinfo=UTC)


def _refuse(*_: Any) -> Any:
    raise AssertionError("the harness always passes the caller")


@dataclass
class Harness:
    """A store with tenants, the real router and resources, and a traffic controller on a virtual clock."""

    clock: Clock
    store: Store
    router: GraphRouter
    traffic: TrafficController

    def tenant(self, users: int = 20, cloud: Cloud = Cloud.COMMERCIAL) -> str:
        letters = "".join(
            chr(ord("a") + int(d)) for d in str(len(self.store.tenants))
        )  # domains take no digits
        t = seed_tenant(self.store, name=f"Traffic {letters}", cloud=cloud, users=users)
        return t.id

    def caller(self, tenant_id: str, app_id: str | None = None) -> Caller:
        """A caller with every admin permission; ``app_id`` defaults to the tenant's first app."""
        tenant = self.store.tenants[tenant_id]
        app = next(iter(tenant.apps.values()))
        return Caller(tenant_id, app_id or app.client_id, frozenset(ADMIN_PERMISSIONS), app.sp_id)

    def call(
        self,
        caller: Caller,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        cloud: Cloud = Cloud.COMMERCIAL,
    ) -> GraphResponse:
        req = GraphRequest(method, path, dict(query or {}), Headers(), None, "v1.0", "https://graph.test")
        return self.router.handle(cloud, req, caller)

    def until_throttled(
        self, caller: Caller, method: str, path: str, limit: int = 500
    ) -> tuple[int, GraphResponse]:
        """Repeat a request until it answers 429; (requests that got through, the 429)."""
        for n in range(limit):
            resp = self.call(caller, method, path)
            if resp.status == 429:
                return n, resp
        raise AssertionError(f"{method} {path} was never throttled in {limit} requests")

    def advance(self, seconds: float) -> None:
        self.clock.advance(timedelta(seconds=seconds))


@pytest.fixture
def harness() -> Iterator[Harness]:
    clock = Clock(START)
    store = Store(clock)
    router = GraphRouter(store, _refuse)
    register_all(router)

    def users(tenant_id: str) -> int:
        return len(store.tenants[tenant_id].users)

    traffic = make_traffic("scaled", clock, seed=7, tenant_users=users)
    router.traffic = traffic
    yield Harness(clock, store, router, traffic)
