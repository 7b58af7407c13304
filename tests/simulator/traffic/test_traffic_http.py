"""Traffic over real HTTPS: the control plane, Retry-After discipline, canned faults, drops, msgraph-sdk."""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import GraphHttp, app_of, assert_graph_error
from tests.simulator.conftest import control
from tests.simulator.graph.test_msgraph_sdk import graph_client

_names = itertools.count(1)


SIMULATOR = {"seed": 5, "empty": True}


@pytest.fixture(autouse=True)
def calm(sim: Any) -> Iterator[None]:
    """Each test starts and ends with traffic off, a real clock and zero counters."""
    yield
    sim.clock.set_real()
    sim.traffic.reset()
    sim.set_traffic("off")


def graph_for(sim: Any, users: int = 20) -> tuple[GraphHttp, dict[str, Any]]:
    """A fresh tenant (small unless ``users`` says otherwise) and an httpx client for its admin app."""
    n = next(_names)
    body = {
        "cloud": "commercial",
        "users": users,
        "name": f"Traffic {n}",
        "domain": f"traffic{n}.onmicrosoft.com",
    }
    r = control(sim, "POST", "tenants", json=body)
    assert r.status_code == 201, r.text
    tenant = r.json()
    return GraphHttp(sim.endpoints(), tenant, app_of(tenant)), tenant


def put_traffic(sim: Any, **doc: Any) -> dict[str, Any]:
    r = control(sim, "PUT", "traffic", json=doc)
    assert r.status_code == 200, r.text
    return r.json()


def pair_stats(sim: Any, tenant: dict[str, Any]) -> dict[str, Any]:
    stats = control(sim, "GET", "traffic/stats").json()
    return next(p for p in stats["by_app_tenant"] if p["tenant_id"] == tenant["id"])


def test_profile_switches_at_run_time_through_the_control_plane(sim: Any) -> None:
    graph, _ = graph_for(sim)
    assert control(sim, "GET", "traffic").json()["profile"] == "off"
    assert graph("GET", "/users").headers["x-ms-resource-unit"] == "2"  # sent with traffic off too
    shown = put_traffic(sim, profile="scaled", factor=50)
    assert shown["profile"] == "scaled" and shown["factor"] == 50
    assert shown["limits"]["small_tenant_ru"] == {"quota": 70, "window_seconds": 10}
    assert control(sim, "GET", "traffic").json() == shown
    assert graph("GET", "/users").headers["x-ms-resource-unit"] == "2"
    assert graph("GET", "/users", params={"$select": "id"}).headers["x-ms-resource-unit"] == "1"
    assert put_traffic(sim, profile="documented")["limits"]["large_tenant_ru"]["quota"] == 8000
    assert put_traffic(sim, profile="off")["profile"] == "off"
    assert sim.router.traffic is None
    assert graph("GET", "/users").headers["x-ms-resource-unit"] == "2"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "message"),
    [
        ("PUT", "traffic", {"profile": "fast"}, 400, "'profile' must be one of off, documented, scaled"),
        ("PUT", "traffic", {"profile": "scaled", "factor": -3}, 400, "'factor' must be a positive number"),
        ("PUT", "traffic", "not json", 400, "not valid JSON"),
        ("PUT", "traffic", [1, 2], 400, "must be a JSON object"),
        ("PUT", "traffic", None, 400, "must be a JSON object"),
        ("PUT", "chaos", {"errors": {"GET": {"503": 2}}}, 400, "'errors.GET.503' must be from 0 to 1"),
        ("PUT", "chaos", {"latency": {"GET": {"fixed_ms": "slow"}}}, 400, "fixed_ms must be a number"),
        ("POST", "faults", {"path": "/users*"}, 400, "'status' is required"),
        (
            "POST",
            "faults",
            {"path": "/users*", "status": 503, "count": "two"},
            400,
            "'count' must be an integer",
        ),
        ("DELETE", "faults/fault-404", None, 404, "No canned fault with id 'fault-404'"),
    ],
)
def test_control_plane_refuses_bad_input_with_a_clear_message(
    sim: Any, method: str, path: str, body: Any, status: int, message: str
) -> None:
    if body is None or isinstance(body, str):  # raw text, sent as JSON: the body's own checks answer
        r = control(sim, method, path, content=body or "", headers={"Content-Type": "application/json"})
    else:
        r = control(sim, method, path, json=body)
    assert r.status_code == status, r.text
    err = r.json()["error"]
    assert err["code"] in ("BadRequest", "NotFound") and message in err["message"], err


def test_throttled_responses_carry_graph_headers_over_https(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    put_traffic(sim, profile="scaled")
    sim.clock.set_virtual()
    statuses = [graph("GET", "/users").status_code for _ in range(18)]
    assert statuses == [200] * 17 + [429]
    r = graph("GET", "/users")  # early: a Retry-After violation
    err = assert_graph_error(r, 429, "TooManyRequests")
    assert "Too many requests from Identifier:" in err["message"]
    app_id = app_of(tenant)["clientId"]
    assert r.headers["x-ms-throttle-scope"] == f"Tenant_Application/ReadWrite/{app_id}/{tenant['id']}"
    assert int(r.headers["Retry-After"]) >= 1 and r.headers["x-ms-resource-unit"] == "2"


def test_waiting_exactly_retry_after_gets_through_over_https(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    put_traffic(sim, profile="scaled")
    control(sim, "POST", "clock", json={"mode": "virtual"})
    for _ in range(3):
        r = graph("PATCH", f"/users/{tenant['id']}", json={"jobTitle": "x"})  # 404 writes still count
        while r.status_code != 429:
            r = graph("GET", "/users")
        assert r.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded"
        advanced = control(sim, "POST", "clock/advance", json={"by": f"PT{r.headers['Retry-After']}S"})
        assert advanced.status_code == 200
        assert graph("GET", "/users").status_code == 200
    assert pair_stats(sim, tenant)["retry_after_violations"] == 0


def test_a_client_that_ignores_retry_after_stays_throttled_and_is_counted(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    put_traffic(sim, profile="scaled")
    sim.clock.set_virtual()
    r = graph("GET", "/users")
    while r.status_code != 429:
        r = graph("GET", "/users")
    waits = [int(r.headers["Retry-After"])]
    for _ in range(4):
        r = graph("GET", "/users")
        assert r.status_code == 429
        waits.append(int(r.headers["Retry-After"]))
    assert waits == sorted(waits) and waits[-1] > waits[0]  # every early retry pushes the deadline out
    stats = pair_stats(sim, tenant)
    assert stats["retry_after_violations"] == 4 and stats["throttled"] == 1


def test_a_client_that_honours_retry_after_completes_without_violations(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    put_traffic(sim, profile="scaled")
    sim.clock.set_virtual()
    throttled = 0
    for _ in range(60):  # 120 RU against 35 RU per 10 s
        r = graph("GET", "/users")
        while r.status_code == 429:
            throttled += 1
            sim.clock.sleep(int(r.headers["Retry-After"]))  # what the engine's clock does: virtual time
            r = graph("GET", "/users")
        assert r.status_code == 200, r.text
    stats = pair_stats(sim, tenant)
    assert throttled > 0 and stats["throttled"] == throttled
    assert stats["retry_after_violations"] == 0


def test_canned_faults_fire_exactly_n_times_over_https(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    r = control(
        sim,
        "POST",
        "faults",
        json={"method": "GET", "path": "/users*", "count": 2, "status": 503, "tenant": tenant["id"]},
    )
    assert r.status_code == 201, r.text
    fault_id = r.json()["id"]
    first = graph("GET", "/users")
    assert_graph_error(first, 503, "serviceNotAvailable")
    assert first.headers["Retry-After"] == "1"
    assert [graph("GET", "/users").status_code for _ in range(3)] == [503, 200, 200]
    listed = control(sim, "GET", "faults").json()["value"]
    assert [(f["id"], f["fired"], f["remaining"]) for f in listed] == [(fault_id, 2, 0)]
    assert pair_stats(sim, tenant)["faults_fired"] == 2
    assert control(sim, "DELETE", "faults").json() == {"removed": 1}
    assert control(sim, "GET", "faults").json() == {"value": []}


def test_seeded_error_rate_injects_the_expected_count_over_https(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    shown = control(sim, "PUT", "chaos", json={"seed": 5, "errors": {"GET": {"503": 0.3}}, "retry_after": 1})
    assert shown.status_code == 200 and shown.json()["errors"] == {"GET": {"503": 0.3}}
    assert control(sim, "GET", "chaos").json() == shown.json()
    statuses = [graph("GET", "/organization").status_code for _ in range(40)]
    rng = random.Random(5)
    expected = sum(rng.random() < 0.3 for _ in range(40))
    assert statuses.count(503) == expected and statuses.count(200) == 40 - expected
    stats = control(sim, "GET", "traffic/stats").json()
    assert stats["totals"]["injected_errors_by_status"] == {"503": expected}
    reset = control(sim, "POST", "traffic/stats/reset", json={})
    assert reset.status_code == 200 and reset.json()["totals"]["requests"] == 0


def test_a_dropped_connection_is_a_transport_error_in_httpx(sim: Any) -> None:
    graph, tenant = graph_for(sim)
    control(sim, "POST", "faults", json={"path": "/users", "drop": True, "tenant": tenant["id"]})
    with pytest.raises(httpx.TransportError):
        graph("GET", "/users")
    assert graph("GET", "/users").status_code == 200  # the client reconnects; the fault is spent
    control(sim, "PUT", "chaos", json={"drop": {"GET": 1.0}})
    with pytest.raises(httpx.TransportError):
        graph("GET", "/groups")
    assert pair_stats(sim, tenant)["dropped_connections"] == 2


def test_msgraph_sdk_transparently_survives_two_canned_429s(sim: Any) -> None:
    _, tenant = graph_for(sim)
    doc = sim.endpoints()
    client = graph_client(doc, tenant, app_of(tenant))
    r = control(
        sim,
        "POST",
        "faults",
        json={"method": "GET", "path": "/users", "count": 2, "status": 429, "tenant": tenant["id"]},
    )
    assert r.status_code == 201 and r.json()["retry_after"] == 1

    async def list_users() -> int:
        page = await client.users.get()
        return len(page.value)

    assert asyncio.run(list_users()) > 0
    stats = pair_stats(sim, tenant)
    assert stats["faults_fired"] == 2 and stats["retry_after_violations"] == 0 and stats["requests"] == 3
