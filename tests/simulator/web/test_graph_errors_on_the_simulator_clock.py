"""Every Graph error over HTTPS is built the same way and dated by the simulator's clock, not the wall's.

The simulator's clock is moved years away from the wall clock; each way a Graph error can arise (the
router, the Flask adapter before the router, werkzeug's own HTTP errors, a ``$batch`` item) must carry
``innerError.date`` at the virtual time, the request ids in both the body and the headers, and the
headers Graph sends with every answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from simulator.graph.body import MAX_BODY_BYTES
from tests.conftest import GraphHttp, assert_graph_error

TENANT = {"cloud": "gcch", "users": 3, "name": "Clocked Errors Ltd"}
#: Far from any wall clock this test can run on.
VIRTUAL = datetime(2041, 7, 8, 9, 10, 11, tzinfo=UTC)
DATE = "2041-07-08T09:10:11"


@pytest.fixture
def far_graph(
    ccsync_simulator: Any, endpoints: dict[str, Any], tenant: dict[str, Any]
) -> Iterator[GraphHttp]:
    """Graph on ``tenant`` with a token issued while the simulator's clock shows ``VIRTUAL``."""
    clock = ccsync_simulator.clock
    clock.set_virtual(VIRTUAL)
    try:
        graph = GraphHttp(endpoints, tenant)
        yield graph
        graph.client.close()
    finally:
        clock.set_real()


def assert_dated(resp: httpx.Response, status: int, code: str, client_request_id: str) -> dict[str, Any]:
    err = assert_graph_error(resp, status, code)
    inner = err["innerError"]
    assert inner["date"] == DATE, inner
    assert inner["client-request-id"] == client_request_id
    assert resp.headers["client-request-id"] == client_request_id
    assert resp.headers["content-type"].startswith("application/json")
    # the headers Graph sends with every answer, whoever decided the error
    assert resp.headers["odata-version"] == "4.0" and resp.headers["cache-control"] == "no-cache"
    assert "x-ms-ags-diagnostic" in resp.headers and "strict-transport-security" in resp.headers
    return err


def test_a_router_error_is_dated_by_the_simulator_clock(far_graph: GraphHttp) -> None:
    r = far_graph(
        "GET", "/users/00000000-0000-0000-0000-00000000abcd", headers={"client-request-id": "c-router"}
    )
    assert_dated(r, 404, "Request_ResourceNotFound", "c-router")


def test_errors_the_adapter_decides_before_the_router_are_dated_by_the_simulator_clock(
    far_graph: GraphHttp,
) -> None:
    root = far_graph.root.removesuffix("/v1.0")
    bad_version = far_graph("GET", f"{root}/v9.9/users", headers={"client-request-id": "c-version"})
    err = assert_dated(bad_version, 400, "BadRequest", "c-version")
    assert "v9.9" in err["message"]
    twice = far_graph("GET", "/users?$top=1&$top=2", headers={"client-request-id": "c-twice"})
    assert_dated(twice, 400, "BadRequest", "c-twice")


def test_werkzeugs_http_errors_are_graph_errors_dated_by_the_simulator_clock(far_graph: GraphHttp) -> None:
    not_allowed = far_graph("PROPFIND", "/users", headers={"client-request-id": "c-method"})
    assert_dated(not_allowed, 405, "Request_BadRequest", "c-method")
    too_large = far_graph(
        "POST",
        "/users",
        content=b"{" + b" " * MAX_BODY_BYTES + b"}",
        headers={"Content-Type": "application/json", "client-request-id": "c-large"},
    )
    assert_dated(too_large, 413, "Request_EntityTooLarge", "c-large")
    unnamed = far_graph("GET", "/users")  # no client-request-id: Graph echoes its own request id
    assert unnamed.status_code == 200
    without = far_graph("PROPFIND", "/users")
    err = assert_graph_error(without, 405, "Request_BadRequest")
    assert err["innerError"]["date"] == DATE
    assert err["innerError"]["client-request-id"] == err["innerError"]["request-id"]
    assert without.headers["client-request-id"] == without.headers["request-id"]


def test_a_batch_items_own_error_is_dated_by_the_simulator_clock(far_graph: GraphHttp) -> None:
    r = far_graph(
        "POST",
        "/$batch",
        json={
            "requests": [
                {"id": "1", "method": "GET", "url": "/users/00000000-0000-0000-0000-00000000abcd"},
                {"id": "2", "dependsOn": ["1"], "method": "GET", "url": "/users"},
            ]
        },
    )
    assert r.status_code == 200, r.text
    answers = {x["id"]: x for x in r.json()["responses"]}
    assert answers["1"]["status"] == 404
    assert answers["2"]["status"] == 424
    for item in answers.values():
        assert item["body"]["error"]["innerError"]["date"] == DATE
