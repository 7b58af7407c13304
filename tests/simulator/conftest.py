"""Fixtures shared by the simulator's tests: one tenant per test module, and Graph clients on it.

A module says which tenant it needs with a module-level ``TENANT`` dict of ``control_tenant``'s
arguments, e.g. ``TENANT = {"users": 5}``; a module that needs something else (a fresh tenant per
test, say) overrides ``tenant`` itself.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

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
