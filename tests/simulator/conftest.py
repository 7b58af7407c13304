"""Fixtures shared by the simulator's tests: one tenant per test module, and Graph clients on it; and
helpers: a store on a fixed virtual clock, its snapshot as text, requests to the control plane.

A module says which tenant it needs with a module-level ``TENANT`` dict of ``control_tenant``'s
arguments, e.g. ``TENANT = {"users": 5}``; a module that needs something else (a fresh tenant per
test, say) overrides ``tenant`` itself.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from simulator.clock import Clock
from simulator.directory.store import Store
from tests.conftest import GraphHttp, app_of, control_tenant, reader_of


@pytest.fixture(scope="module")
def tenant(request: pytest.FixtureRequest, ccsync_simulator: Any) -> dict[str, Any]:
    """A tenant made through the control plane as the test module's ``TENANT`` says."""
    spec = getattr(request.module, "TENANT", None)
    if spec is None:
        pytest.fail(f"{request.module.__name__} uses the `tenant` fixture but sets no TENANT = {{...}}")
    return control_tenant(ccsync_simulator, **spec)


@pytest.fixture(scope="module")
def graph(endpoints: dict[str, Any], tenant: dict[str, Any]) -> GraphHttp:
    """Graph on ``tenant`` as its User.ReadWrite.All app."""
    return GraphHttp(endpoints, tenant, app_of(tenant))


@pytest.fixture(scope="module")
def reader(endpoints: dict[str, Any], tenant: dict[str, Any]) -> GraphHttp:
    """Graph on ``tenant`` as its read-only app."""
    return GraphHttp(endpoints, tenant, reader_of(tenant))


def control(sim: Any, method: str, path: str, **kw: Any) -> httpx.Response:
    """A request to ``sim``'s control plane: ``control(sim, "POST", "clock/advance", json={"by": "PT1M"})``."""
    return httpx.request(method, f"{sim.control_url}/_simulator/{path}", timeout=60, **kw)


#: When an in-process store's virtual clock starts.
START = datetime(2025, 1, 15, 9, 30, tzinfo=UTC)


def new_store() -> Store:
    """An empty in-process store on a virtual clock at ``START``."""
    return Store(Clock(virtual_start=START))


def snapshot_text(store: Store, *, sort_keys: bool = True) -> str:
    """The store's snapshot as JSON text: equal text, equal state."""
    return json.dumps(store.snapshot(), sort_keys=sort_keys, ensure_ascii=False)
