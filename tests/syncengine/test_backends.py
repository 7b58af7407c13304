"""The seam: the same Graph calls through SimulatedGraph and HttpGraph answer alike; the client retries."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from syncengine.backend import GraphCall, Identity
from syncengine.client import GraphClient
from syncengine.errors import NotFoundError, PermissionDeniedError, TokenError, TransportError
from syncengine.http_backend import HttpGraph
from tests.conftest import app_of, control_tenant, reader_of
from tests.syncengine.pairs import identity


def http_backend(doc: dict[str, Any]) -> HttpGraph:
    return HttpGraph.for_simulator(doc)


def comparable(body: Any) -> Any:
    """A body without what differs per request or per listener (links carry the host)."""
    if isinstance(body, dict):
        return {
            k: comparable(v)
            for k, v in body.items()
            if k not in ("@odata.context", "@odata.nextLink", "@odata.deltaLink", "innerError")
        }
    if isinstance(body, list):
        return [comparable(v) for v in body]
    return body


@pytest.fixture(scope="module")
def both(ccsync_simulator: Any) -> tuple[SimulatedGraph, HttpGraph, dict[str, Any]]:
    ccsync_simulator.endpoints()
    tenant = control_tenant(ccsync_simulator, "gcch", 40, name="Seam")
    http = http_backend(ccsync_simulator.endpoints())
    yield SimulatedGraph(ccsync_simulator.router), http, tenant
    http.close()


@pytest.mark.parametrize(
    "call",
    [
        GraphCall("GET", "/users", {"$top": "5", "$select": "id,displayName,userPrincipalName"}),
        GraphCall("GET", "/users/$count", {}, {"ConsistencyLevel": "eventual"}),
        GraphCall("GET", "/groups", {"$filter": "startswith(displayName,'Cross')"}),
        GraphCall("GET", "/organization"),
        GraphCall("GET", f"/users/{uuid.UUID(int=7)}"),
        GraphCall("GET", "/users", {"$filter": "displayName ne 'x'"}),
        GraphCall("GET", "/policies/crossTenantAccessPolicy/partners"),
        GraphCall("GET", "/nonsense"),
    ],
)
def test_simulated_and_http_backends_answer_alike(both: Any, call: GraphCall) -> None:
    simulated, http, tenant = both
    ident = identity(tenant, app_of(tenant))
    a = simulated.send(ident, call)
    b = http.send(ident, call)
    assert a.status == b.status
    assert comparable(a.body) == comparable(b.body)
    assert a.headers.get("content-type", "").split(";")[0] == b.headers.get("content-type", "").split(";")[0]


def test_writes_through_either_backend_land_in_the_same_directory(both: Any) -> None:
    simulated, http, tenant = both
    ident = identity(tenant, app_of(tenant))
    for backend in (simulated, http):
        nick = f"s{uuid.uuid4().hex[:8]}"
        client = GraphClient(backend, ident)
        created = client.post(
            "/users",
            {
                "accountEnabled": True,
                "displayName": "Seam",
                "mailNickname": nick,
                "userPrincipalName": f"{nick}@{tenant['defaultDomain']}",
                "passwordProfile": {"password": "Xy!12345678"},
            },
        )
        other = GraphClient(http if backend is simulated else simulated, ident)
        assert (
            other.get(f"/users/{created['id']}", {"$select": "userPrincipalName"})["userPrincipalName"]
            == created["userPrincipalName"]
        )
        other.delete(f"/users/{created['id']}")
        with pytest.raises(NotFoundError):
            client.get(f"/users/{created['id']}")


def test_client_pages_and_delta_rounds_follow_links_on_both_backends(both: Any) -> None:
    simulated, http, tenant = both
    ident = identity(tenant, app_of(tenant))
    seen = []
    for backend in (simulated, http):
        client = GraphClient(backend, ident)
        listed = client.list_all("/users", {"$top": "7", "$select": "id"})
        rnd = client.delta("/users/delta", {"$select": "displayName"}, page_size=9)
        assert rnd.pages > 2 and rnd.delta_link
        assert sorted(e["id"] for e in rnd.entries) == sorted(u["id"] for u in listed)
        seen.append(sorted(u["id"] for u in listed))
        again = client.delta(rnd.delta_link)
        assert again.entries == []
    assert seen[0] == seen[1]


def test_typed_errors_and_token_errors(both: Any) -> None:
    simulated, http, tenant = both
    reader = GraphClient(simulated, identity(tenant, reader_of(tenant)))
    with pytest.raises(PermissionDeniedError) as denied:
        reader.post(
            "/groups",
            {"displayName": "x", "mailEnabled": False, "mailNickname": "x", "securityEnabled": True},
        )
    assert denied.value.code == "Authorization_RequestDenied"
    wrong = Identity(tenant["cloud"], tenant["id"], str(uuid.uuid4()))
    for backend in (
        simulated,
        HttpGraph({wrong.client_id: "not-the-secret"}, http._clouds, ca_bundle=http._ca),
    ):
        with pytest.raises(TokenError) as refused:
            GraphClient(backend, wrong).get("/users")
        assert "not-the-secret" not in str(refused.value)


# -- retries against traffic and faults, on virtual time ---------------------------------------------


@pytest.fixture(scope="module")
def throttled() -> Any:
    with running_simulator(seed=5) as sim:
        sim.clock.set_virtual()
        yield sim, control_tenant(sim, "commercial", 30, name="Busy")


def test_client_honours_retry_after_with_zero_violations(throttled: Any) -> None:
    sim, tenant = throttled
    sim.set_traffic({"profile": "scaled", "factor": 100})
    try:
        client = GraphClient(SimulatedGraph(sim.router), identity(tenant, app_of(tenant)), clock=sim.clock)
        for _ in range(120):
            client.get("/users", {"$top": "5"})
        stats = httpx.get(f"{sim.control_url}/_simulator/traffic/stats").json()["totals"]
        assert client.stats.throttled > 0 and stats["throttled"] == client.stats.throttled
        assert stats["retry_after_violations"] == 0
    finally:
        sim.set_traffic("off")


def test_client_retries_server_errors_and_dropped_connections(throttled: Any) -> None:
    sim, tenant = throttled
    ident = identity(tenant, app_of(tenant))
    client = GraphClient(SimulatedGraph(sim.router), ident, clock=sim.clock)
    httpx.post(
        f"{sim.control_url}/_simulator/faults",
        json={"method": "GET", "path": "/organization", "count": 3, "status": 503},
    )
    sim.set_traffic(None)
    sim.router.traffic = sim.traffic
    try:
        assert client.get("/organization")["value"][0]["id"] == tenant["id"]
        assert client.stats.retries >= 3
        httpx.put(f"{sim.control_url}/_simulator/chaos", json={"seed": 1, "drop": {"GET": 1.0}})
        with pytest.raises(TransportError):
            GraphClient(SimulatedGraph(sim.router), ident, clock=sim.clock).get("/organization")
    finally:
        httpx.put(f"{sim.control_url}/_simulator/chaos", json={})
        httpx.delete(f"{sim.control_url}/_simulator/faults")
        sim.set_traffic("off")


def test_client_batches_in_twenties_and_retries_throttled_items(throttled: Any) -> None:
    sim, tenant = throttled
    ident = identity(tenant, app_of(tenant))
    sim.set_traffic({"profile": "scaled", "factor": 200})
    try:
        client = GraphClient(SimulatedGraph(sim.router), ident, clock=sim.clock)
        ids = [u["id"] for u in client.list_all("/users", {"$select": "id"})]
        calls = [GraphCall("GET", f"/users/{i}", {"$select": "id"}) for i in ids] + [
            GraphCall("GET", f"/users/{uuid.uuid4()}")
        ]
        results = client.batch(calls)
        assert [r.status for r in results[:-1]] == [200] * len(ids)
        assert [r.body["id"] for r in results[:-1]] == ids
        assert results[-1].status == 404
        stats = httpx.get(f"{sim.control_url}/_simulator/traffic/stats").json()["totals"]
        assert stats["retry_after_violations"] == 0
    finally:
        sim.set_traffic("off")
