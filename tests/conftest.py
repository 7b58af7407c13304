"""Shared fixtures: one running simulator per test worker, one per module that asks, and real-client factories.

A module that needs a simulator of its own (its own seed, world, clock or durability) sets a
module-level ``SIMULATOR`` dict of ``running_simulator``'s arguments, e.g.
``SIMULATOR = {"seed": 3, "empty": True, "virtual_clock": True}``, and uses the ``sim`` fixture.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import msal
import pytest
import requests

from simulator.testing import running_simulator

pytest_plugins = ["simulator.testing"]

#: The repository's root: where the examples, docs and scenario library are.
ROOT = Path(__file__).resolve().parents[1]

_names = itertools.count(1)

#: cloud -> the instance name Entra uses for it (``allowedCloudEndpoints``, ``cloudInstance``), written out
#: here so that a change to the product's own table is caught.
CLOUD_INSTANCE = {
    "commercial": "microsoftonline.com",
    "gcch": "microsoftonline.us",
    "dod": "microsoftonline.us",
    "china": "partner.microsoftonline.cn",
}
POLICY = "/policies/crossTenantAccessPolicy"


@contextmanager
def module_simulator(request: pytest.FixtureRequest, default: dict[str, Any] | None = None) -> Iterator[Any]:
    """``running_simulator`` as the test module's ``SIMULATOR`` says (else ``default``).

    A relative ``world`` is a file beside the test module, as with the ``ccsync`` marker.
    """
    spec = getattr(request.module, "SIMULATOR", default)
    if spec is None:
        pytest.fail(f"{request.module.__name__} uses the `sim` fixture but sets no SIMULATOR = {{...}}")
    options = dict(spec)
    world = options.get("world")
    if world is not None and not Path(world).is_absolute():
        options["world"] = request.path.parent / world
    with running_simulator(**options) as sim:
        yield sim


@pytest.fixture(scope="module")
def sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A started simulator of the test module's own, as its ``SIMULATOR`` says; stopped after the module."""
    with module_simulator(request) as s:
        yield s


@pytest.fixture(scope="session")
def endpoints(ccsync_simulator: Any) -> dict[str, Any]:
    return ccsync_simulator.endpoints()


def tenant_of(doc: dict[str, Any], cloud: str, flavor: str | None = None) -> dict[str, Any]:
    """The first tenant of ``cloud`` (and ``flavor``) in the endpoints document."""
    return next(
        t for t in doc["tenants"] if t["cloud"] == cloud and (flavor is None or t["flavor"] == flavor)
    )


def app_of(tenant: dict[str, Any], permission: str = "User.ReadWrite.All") -> dict[str, Any]:
    return next(a for a in tenant["apps"] if permission in a["permissions"])


def reader_of(tenant: dict[str, Any]) -> dict[str, Any]:
    return next(a for a in tenant["apps"] if "User.ReadWrite.All" not in a["permissions"])


def ca_session(doc: dict[str, Any]) -> requests.Session:
    """A requests session trusting the simulator's CA; ``trust_env=False`` so REQUESTS_CA_BUNDLE can't override it."""
    session = requests.Session()
    session.trust_env = False
    session.verify = doc["ca_bundle"]
    return session


def token_result(doc: dict[str, Any], tenant: dict[str, Any], client_id: str, secret: str) -> dict[str, Any]:
    """msal's answer to a client-credentials sign-in to ``tenant``: a token, or Entra's error."""
    cloud = doc["clouds"][tenant["cloud"]]
    cca = msal.ConfidentialClientApplication(
        client_id,
        client_credential=secret,
        authority=f"{cloud['login']}/{tenant['id']}",
        instance_discovery=False,
        http_client=ca_session(doc),
    )
    return cca.acquire_token_for_client(scopes=[cloud["scope"]])


def msal_token(doc: dict[str, Any], tenant: dict[str, Any], app: dict[str, Any]) -> str:
    result = token_result(doc, tenant, app["clientId"], app["clientSecret"])
    assert "access_token" in result, result
    return result["access_token"]


class GraphHttp:
    """httpx against one tenant's Graph root with a real msal token."""

    def __init__(
        self, doc: dict[str, Any], tenant: dict[str, Any], app: dict[str, Any] | None = None
    ) -> None:
        app = app or app_of(tenant)
        self.tenant = tenant
        self.root = f"{doc['clouds'][tenant['cloud']]['graph']}/v1.0"
        self.token = msal_token(doc, tenant, app)
        self.client = httpx.Client(
            verify=doc["ca_bundle"], timeout=30, headers={"Authorization": f"Bearer {self.token}"}
        )

    def __call__(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = path if path.startswith("https://") else f"{self.root}{path}"
        return self.client.request(method, url, **kw)


@pytest.fixture
def new_tenant(ccsync_simulator: Any):
    """Make a fresh tenant through the control plane: ``new_tenant("commercial", users=50)``."""

    def make(cloud: str = "commercial", users: int = 20, **extra: Any) -> dict[str, Any]:
        return control_tenant(ccsync_simulator, cloud, users, **extra)

    return make


def control_tenant(
    sim: Any, cloud: str = "commercial", users: int = 10, *, timeout: float = 120, **extra: Any
) -> dict[str, Any]:
    """A fresh tenant made through ``sim``'s control plane (also for module-scoped fixtures)."""
    body = {"cloud": cloud, "users": users, "name": f"Test {cloud} {next(_names)}", **extra}
    r = httpx.post(f"{sim.control_url}/_simulator/tenants", json=body, timeout=timeout)
    assert r.status_code == 201, r.text
    return r.json()


def graph_time(text: str) -> datetime:
    """A Graph timestamp (``2026-01-05T08:00:00Z``, whole seconds) as an aware datetime."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def assert_graph_error(resp: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is Graph's error shape with ``status`` and ``code``; returns the error object."""
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    err = resp.json()["error"]
    assert err["code"] == code, err
    assert isinstance(err["message"], str) and err["message"]
    inner = err["innerError"]
    assert set(inner) >= {"date", "request-id", "client-request-id"}
    assert resp.headers["request-id"] == inner["request-id"]
    return err
