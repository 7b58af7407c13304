"""Every Graph error the simulator emits: status, code, body shape, and an unchanged directory."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import (
    GraphHttp,
    app_of,
    assert_graph_error,
    msal_token,
    reader_of,
    tenant_of,
)
from tests.simulator.graph.directory_client import count, new_user_body

TENANT = {"cloud": "commercial", "users": 30, "name": "Errors Ltd"}


# -- 401 -----------------------------------------------------------------------------------


def test_missing_token_is_401(endpoints: dict[str, Any], tenant: dict[str, Any]) -> None:
    r = httpx.get(f"{endpoints['clouds']['commercial']['graph']}/v1.0/users", verify=endpoints["ca_bundle"])
    err = assert_graph_error(r, 401, "InvalidAuthenticationToken")
    assert "empty" in err["message"].lower()


def test_garbage_and_tampered_tokens_are_401(graph: GraphHttp) -> None:
    for token in ("not-a-jwt", graph.token[:-6] + "AAAAAA"):
        r = graph("GET", "/users", headers={"Authorization": f"Bearer {token}"})
        assert_graph_error(r, 401, "InvalidAuthenticationToken")


def test_token_with_forged_claims_is_401(graph: GraphHttp) -> None:
    head, payload, sig = graph.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["Directory.ReadWrite.All"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).decode().rstrip("=")
    r = graph("GET", "/users", headers={"Authorization": f"Bearer {head}.{forged}.{sig}"})
    assert_graph_error(r, 401, "InvalidAuthenticationToken")


def test_token_of_another_cloud_is_401_with_invalid_audience(endpoints: dict[str, Any]) -> None:
    for source, target in (
        ("gcch", "commercial"),
        ("commercial", "china"),
        ("gcch", "dod"),
        ("china", "gcch"),
    ):
        t = tenant_of(endpoints, source)
        token = msal_token(endpoints, t, app_of(t))
        r = httpx.get(
            f"{endpoints['clouds'][target]['graph']}/v1.0/users",
            headers={"Authorization": f"Bearer {token}"},
            verify=endpoints["ca_bundle"],
        )
        assert_graph_error(r, 401, "InvalidAuthenticationToken")


def test_expired_token_is_401(ccsync_simulator: Any, graph: GraphHttp) -> None:
    clock = ccsync_simulator.clock
    clock.set_virtual()
    try:
        clock.advance(timedelta(hours=2))
        r = graph("GET", "/users")
        err = assert_graph_error(r, 401, "InvalidAuthenticationToken")
        assert "expired" in err["message"].lower()
    finally:
        clock.set_real()


# -- 403, 404 ------------------------------------------------------------------------------


def test_read_only_app_gets_403_on_write_and_directory_is_unchanged(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    before = count(graph, "/users")
    r = reader("POST", "/users", json=new_user_body(tenant))
    assert_graph_error(r, 403, "Authorization_RequestDenied")
    assert count(graph, "/users") == before


def test_unknown_user_is_404(graph: GraphHttp) -> None:
    missing = str(uuid.uuid4())
    err = assert_graph_error(graph("GET", f"/users/{missing}"), 404, "Request_ResourceNotFound")
    assert missing in err["message"]
    assert_graph_error(
        graph("PATCH", f"/users/{missing}", json={"jobTitle": "x"}), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(graph("DELETE", f"/users/{missing}"), 404, "Request_ResourceNotFound")


# -- 400 bad bodies: never a changed directory ----------------------------------------------


@pytest.mark.parametrize(
    ("content", "headers"),
    [
        (b"{not json", {"Content-Type": "application/json"}),
        (b"", {"Content-Type": "application/json"}),
        (b"[1, 2]", {"Content-Type": "application/json"}),
        (b"\xff\xfe\x00", {"Content-Type": "application/json"}),
    ],
)
def test_malformed_bodies_are_400(graph: GraphHttp, content: bytes, headers: dict[str, str]) -> None:
    before = count(graph, "/users")
    r = graph("POST", "/users", content=content, headers=headers)
    assert r.status_code == 400
    assert_graph_error(r, 400, r.json()["error"]["code"])
    assert r.json()["error"]["code"] in ("BadRequest", "Request_BadRequest")
    assert count(graph, "/users") == before


@pytest.mark.parametrize(
    "override",
    [
        {"accountEnabled": "yes"},
        {"displayName": 42},
        {"displayName": "x" * 300},
        {"otherMails": "a@b.c"},
        {"favouriteColour": "blue"},
        {"id": "11111111-1111-1111-1111-111111111111"},
        {"userPrincipalName": "someone@not-a-verified-domain.example"},
        {"userPrincipalName": "no-at-sign"},
        {"mailNickname": "has space"},
        {"passwordProfile": None},
        {"userType": "Robot"},
    ],
)
def test_invalid_user_properties_are_400_and_nothing_is_created(
    graph: GraphHttp, tenant: dict[str, Any], override: dict[str, Any]
) -> None:
    before = count(graph, "/users")
    body = new_user_body(tenant, **override)
    if override == {"passwordProfile": None}:
        body.pop("passwordProfile")
    err = assert_graph_error(graph("POST", "/users", json=body), 400, "Request_BadRequest")
    assert err["message"]
    assert count(graph, "/users") == before


def test_duplicate_upn_is_400(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    body = new_user_body(tenant)
    assert graph("POST", "/users", json=body).status_code == 201
    err = assert_graph_error(graph("POST", "/users", json=body), 400, "Request_BadRequest")
    assert "userPrincipalName" in err["message"]


def test_invalid_patch_changes_nothing(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    created = graph("POST", "/users", json=new_user_body(tenant, jobTitle="Before")).json()
    r = graph("PATCH", f"/users/{created['id']}", json={"jobTitle": "After", "accountEnabled": "nope"})
    assert_graph_error(r, 400, "Request_BadRequest")
    got = graph("GET", f"/users/{created['id']}?$select=jobTitle").json()
    assert got["jobTitle"] == "Before"


def test_oversized_body_is_413_graph_shaped(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    before = count(graph, "/users")
    body = new_user_body(tenant, jobTitle="x" * (5 * 1024 * 1024))
    r = graph("POST", "/users", json=body)
    assert_graph_error(r, 413, "Request_EntityTooLarge")
    assert count(graph, "/users") == before


# -- 400 odd queries ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("$top=1000", "Request_BadRequest"),
        ("$top=0", "Request_BadRequest"),
        ("$top=abc", "Request_BadRequest"),
        ("$foo=bar", "Request_BadRequest"),
        ("$top=5&$top=6", "BadRequest"),
        ("$filter=displayName eq", "Request_BadRequest"),
        ("$filter=startswith(displayName,'a'", "Request_BadRequest"),
        ("$filter=displayName ne 'x'", "Request_UnsupportedQuery"),
        ("$filter=endswith(mail,'x.com')", "Request_UnsupportedQuery"),
        ("$filter=companyName eq 'x'", "Request_UnsupportedQuery"),
        ('$search="displayName:room"', "Request_UnsupportedQuery"),
        ("$select=nonsense", "Request_BadRequest"),
        ("$orderby=jobTitle", "Request_UnsupportedQuery"),
        ("$skip=5", "Request_BadRequest"),
    ],
)
def test_odd_queries_are_graph_shaped_400(graph: GraphHttp, query: str, code: str) -> None:
    assert_graph_error(graph("GET", f"/users?{query}"), 400, code)


def test_advanced_query_works_with_header_and_count(graph: GraphHttp) -> None:
    r = graph(
        "GET",
        "/users?$filter=endswith(userPrincipalName,'.com')&$count=true",
        headers={"ConsistencyLevel": "eventual"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["@odata.count"] == len(r.json()["value"]) or "@odata.nextLink" in r.json()


def test_count_endpoint_needs_consistency_level(graph: GraphHttp) -> None:
    err = assert_graph_error(graph("GET", "/users/$count"), 400, "Request_BadRequest")
    assert "$count" in err["message"]


# -- 405, 501, unknown segment, version -------------------------------------------------------


def test_not_implemented_endpoint_is_501(graph: GraphHttp) -> None:
    assert_graph_error(graph("GET", "/devices"), 501, "NotImplemented")
    assert_graph_error(graph("GET", "/users/x/manager"), 501, "NotImplemented")


def test_unknown_segment_is_400(graph: GraphHttp) -> None:
    err = assert_graph_error(graph("GET", "/notARealThing"), 400, "BadRequest")
    assert "notARealThing" in err["message"]


def test_wrong_method_is_405(graph: GraphHttp) -> None:
    assert_graph_error(graph("PUT", "/users"), 405, "Request_BadRequest")


def test_unknown_version_is_400(endpoints: dict[str, Any], graph: GraphHttp) -> None:
    r = graph("GET", f"{endpoints['clouds']['commercial']['graph']}/v9.9/users")
    assert_graph_error(r, 400, "BadRequest")


def test_client_request_id_is_echoed(graph: GraphHttp) -> None:
    cid = str(uuid.uuid4())
    ok = graph("GET", "/users?$top=1", headers={"client-request-id": cid})
    assert ok.headers["client-request-id"] == cid and ok.headers["request-id"] != cid
    bad = graph("GET", f"/users/{uuid.uuid4()}", headers={"client-request-id": cid})
    assert bad.json()["error"]["innerError"]["client-request-id"] == cid
