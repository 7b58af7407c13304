"""Users beyond CRUD: id spellings, renames, memberships and ``directoryObjects`` as a client sees them."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import GraphHttp, assert_graph_error
from tests.simulator.graph.directory_client import (
    EVENTUAL,
    ids,
    make_group,
    make_user,
    new_user_body,
    ref,
)

TENANT = {"users": 5}


def test_ids_are_case_insensitive(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    g = make_group(graph)
    for path in (f"/users/{u['id'].upper()}", f"/users/{u['userPrincipalName'].upper()}"):
        r = graph("GET", path)
        assert r.status_code == 200, path
        assert r.json()["id"] == u["id"]
    assert graph("GET", f"/groups/{g['id'].upper()}").json()["id"] == g["id"]
    assert graph("PATCH", f"/users/{u['id'].upper()}", json={"jobTitle": "Upper"}).status_code == 204
    assert graph("GET", f"/users/{u['id']}?$select=jobTitle").json()["jobTitle"] == "Upper"
    assert graph("GET", f"/users/{u['id'].upper()}/memberOf").status_code == 200
    assert graph("GET", f"/directoryObjects/{u['id'].upper()}").json()["id"] == u["id"]


def test_users_key_segment_form(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    r = graph("GET", f"/users('{u['id']}')")
    assert r.status_code == 200 and r.json()["id"] == u["id"]


def test_rename_moves_the_upn(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    new_upn = f"renamed.{uuid.uuid4().hex[:6]}@{tenant['defaultDomain']}"
    assert graph("PATCH", f"/users/{u['id']}", json={"userPrincipalName": new_upn}).status_code == 204
    assert graph("GET", f"/users/{new_upn}").json()["id"] == u["id"]
    assert_graph_error(graph("GET", f"/users/{u['userPrincipalName']}"), 404, "Request_ResourceNotFound")
    # the old name is free again
    body = new_user_body(tenant)
    body["userPrincipalName"] = u["userPrincipalName"]
    assert graph("POST", "/users", json=body).status_code == 201
    # and a taken one is refused, changing nothing
    err = assert_graph_error(
        graph(
            "PATCH", f"/users/{u['id']}", json={"userPrincipalName": u["userPrincipalName"], "jobTitle": "x"}
        ),
        400,
        "Request_BadRequest",
    )
    assert "userPrincipalName" in err["message"]
    got = graph("GET", f"/users/{u['id']}?$select=userPrincipalName,jobTitle").json()
    assert got["userPrincipalName"] == new_upn and got["jobTitle"] is None


def test_member_of_is_direct_membership_only(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    outer, inner = make_group(graph), make_group(graph)
    graph("POST", f"/groups/{outer['id']}/members/$ref", json=ref(inner["id"]))
    graph("POST", f"/groups/{inner['id']}/members/$ref", json=ref(u["id"]))
    assert ids(graph, f"/users/{u['id']}/memberOf") == [inner["id"]]
    assert graph("DELETE", f"/groups/{inner['id']}").status_code == 204
    assert ids(graph, f"/users/{u['id']}/memberOf") == []


def test_member_of_pages_and_selects(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    groups = [make_group(graph) for _ in range(5)]
    for g in groups:
        assert graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(u["id"])).status_code == 204
    first = graph("GET", f"/users/{u['id']}/memberOf?$top=2&$select=id,displayName")
    assert first.status_code == 200, first.text
    assert len(first.json()["value"]) == 2 and "@odata.nextLink" in first.json()
    assert set(first.json()["value"][0]) == {"@odata.type", "id", "displayName"}
    assert sorted(ids(graph, f"/users/{u['id']}/memberOf?$top=2")) == sorted(g["id"] for g in groups)


def test_group_members_page_and_count(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    g = make_group(graph)
    users = [make_user(graph, tenant) for _ in range(5)]
    for u in users:
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(u["id"]))
    assert ids(graph, f"/groups/{g['id']}/members?$top=2") == [u["id"] for u in users]
    r = graph("GET", f"/groups/{g['id']}/members?$count=true&$top=2", headers=EVENTUAL)
    assert r.status_code == 200, r.text
    assert r.json()["@odata.count"] == 5


def test_directory_objects_of_every_kind(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    g = make_group(graph)
    app = graph("POST", "/applications", json={"displayName": "Directory object app"}).json()
    sp = graph("POST", "/servicePrincipals", json={"appId": app["appId"]}).json()
    for obj, kind in ((u, "user"), (g, "group"), (app, "application"), (sp, "servicePrincipal")):
        r = graph("GET", f"/directoryObjects/{obj['id']}")
        assert r.status_code == 200, r.text
        assert r.json()["@odata.type"] == f"#microsoft.graph.{kind}"
        assert r.json()["id"] == obj["id"]
    assert_graph_error(graph("GET", f"/directoryObjects/{uuid.uuid4()}"), 404, "Request_ResourceNotFound")


def test_service_principal_can_be_a_group_member(graph: GraphHttp) -> None:
    app = graph("POST", "/applications", json={"displayName": "Member app"}).json()
    sp = graph("POST", "/servicePrincipals", json={"appId": app["appId"]}).json()
    g = make_group(graph)
    assert graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(sp["id"])).status_code == 204
    [m] = graph("GET", f"/groups/{g['id']}/members").json()["value"]
    assert (m["@odata.type"], m["id"]) == ("#microsoft.graph.servicePrincipal", sp["id"])
    # an application object is not a principal
    assert_graph_error(
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(app["id"])), 400, "Request_BadRequest"
    )
    # a deleted service principal leaves the group
    assert graph("DELETE", f"/servicePrincipals/{sp['id']}").status_code == 204
    assert graph("GET", f"/groups/{g['id']}/members").json()["value"] == []


def test_beta_answers_users(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}/users/{u['id']}/memberOf")
    assert r.status_code == 200
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#")
