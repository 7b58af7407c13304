"""``directory/deletedItems``: soft delete, restore, hard delete, and what each does to UPNs and groups."""

from __future__ import annotations

import uuid
from typing import Any

from tests.conftest import GraphHttp, assert_graph_error, reader_of
from tests.simulator.graph.directory_client import (
    count,
    ids,
    make_user,
    new_group_body,
    new_user_body,
    ref,
    state,
)

DELETED_USERS = "/directory/deletedItems/microsoft.graph.user"


TENANT = {"users": 5}


def deleted_user(graph: GraphHttp, tenant: dict[str, Any]) -> dict[str, Any]:
    u = make_user(graph, tenant)
    assert graph("DELETE", f"/users/{u['id']}").status_code == 204
    return u


def test_soft_deleted_user_moves_to_deleted_items(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant, jobTitle="Leaver")
    users_before = count(graph, "/users")
    r = graph("DELETE", f"/users/{u['userPrincipalName']}")
    assert r.status_code == 204 and not r.content
    assert count(graph, "/users") == users_before - 1
    assert_graph_error(graph("GET", f"/users/{u['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph("GET", f"/users/{u['userPrincipalName']}"), 404, "Request_ResourceNotFound")
    assert u["id"] not in ids(graph, "/users?$select=id&$top=999")
    assert_graph_error(graph("GET", f"/directoryObjects/{u['id']}"), 404, "Request_ResourceNotFound")

    listed = graph("GET", f"{DELETED_USERS}?$top=999")
    assert listed.status_code == 200
    assert "$metadata#" in listed.json()["@odata.context"]
    mine = next(d for d in listed.json()["value"] if d["id"] == u["id"])
    # Entra shows "{id without dashes}{upn}" here; the simulator keeps the UPN (docs/fidelity.md)
    assert mine["userPrincipalName"].endswith(u["userPrincipalName"])
    one = graph("GET", f"/directory/deletedItems/{u['id']}?$select=id,deletedDateTime,jobTitle")
    assert one.status_code == 200, one.text
    assert one.json()["id"] == u["id"]
    assert one.json()["deletedDateTime"].endswith("Z")
    assert one.json()["jobTitle"] == "Leaver"


def test_deleting_twice_is_404(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = deleted_user(graph, tenant)
    assert_graph_error(graph("DELETE", f"/users/{u['id']}"), 404, "Request_ResourceNotFound")


def test_restore_brings_the_same_user_back(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = deleted_user(graph, tenant)
    r = graph("POST", f"/directory/deletedItems/{u['id']}/restore")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == u["id"]
    assert body["@odata.type"] == "#microsoft.graph.user"
    assert body["userPrincipalName"] == u["userPrincipalName"]
    assert body.get("deletedDateTime") is None
    back = graph("GET", f"/users/{u['userPrincipalName']}")
    assert back.status_code == 200 and back.json()["id"] == u["id"]
    assert u["id"] not in ids(graph, f"{DELETED_USERS}?$top=999")
    assert_graph_error(graph("GET", f"/directory/deletedItems/{u['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(
        graph("POST", f"/directory/deletedItems/{u['id']}/restore"), 404, "Request_ResourceNotFound"
    )


def test_deleted_users_upn_is_free_and_restore_then_conflicts(
    graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    u = deleted_user(graph, tenant)
    body = new_user_body(tenant)
    body["userPrincipalName"] = u["userPrincipalName"]
    reuse = graph("POST", "/users", json=body)
    assert reuse.status_code == 201, reuse.text
    assert reuse.json()["id"] != u["id"]

    before = state(graph, f"/directory/deletedItems/{u['id']}", f"/users/{u['userPrincipalName']}")
    r = graph("POST", f"/directory/deletedItems/{u['id']}/restore")
    err = assert_graph_error(r, 400, "Request_MultipleObjectsWithSameKeyValue")
    assert "userPrincipalName" in err["message"]
    assert state(graph, f"/directory/deletedItems/{u['id']}", f"/users/{u['userPrincipalName']}") == before

    # Once the newcomer is renamed, the deleted user can come back.
    new_upn = f"renamed.{uuid.uuid4().hex[:6]}@{tenant['defaultDomain']}"
    assert (
        graph("PATCH", f"/users/{reuse.json()['id']}", json={"userPrincipalName": new_upn}).status_code == 204
    )
    assert graph("POST", f"/directory/deletedItems/{u['id']}/restore").status_code == 200
    assert graph("GET", f"/users/{u['userPrincipalName']}").json()["id"] == u["id"]


def test_hard_delete_is_for_good(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = deleted_user(graph, tenant)
    r = graph("DELETE", f"/directory/deletedItems/{u['id']}")
    assert r.status_code == 204 and not r.content
    assert u["id"] not in ids(graph, f"{DELETED_USERS}?$top=999")
    assert_graph_error(graph("GET", f"/directory/deletedItems/{u['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(
        graph("POST", f"/directory/deletedItems/{u['id']}/restore"), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(graph("DELETE", f"/directory/deletedItems/{u['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph("GET", f"/users/{u['id']}"), 404, "Request_ResourceNotFound")


def test_unknown_ids_are_404(graph: GraphHttp) -> None:
    before = state(graph, f"{DELETED_USERS}?$top=999")
    missing = str(uuid.uuid4())
    for method, path in (
        ("GET", f"/directory/deletedItems/{missing}"),
        ("POST", f"/directory/deletedItems/{missing}/restore"),
        ("DELETE", f"/directory/deletedItems/{missing}"),
    ):
        err = assert_graph_error(graph(method, path), 404, "Request_ResourceNotFound")
        assert missing in err["message"]
    assert state(graph, f"{DELETED_USERS}?$top=999") == before


def test_live_user_cannot_be_restored_or_purged(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    assert_graph_error(
        graph("POST", f"/directory/deletedItems/{u['id']}/restore"), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(graph("DELETE", f"/directory/deletedItems/{u['id']}"), 404, "Request_ResourceNotFound")
    assert graph("GET", f"/users/{u['id']}").status_code == 200


def test_unsupported_deleted_items_type_is_400(graph: GraphHttp) -> None:
    assert_graph_error(
        graph("GET", "/directory/deletedItems/microsoft.graph.device"), 400, "Request_BadRequest"
    )


def test_deleted_user_leaves_its_groups(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    g = graph("POST", "/groups", json=new_group_body()).json()
    assert graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(u["id"])).status_code == 204
    assert graph("DELETE", f"/users/{u['id']}").status_code == 204
    assert graph("GET", f"/groups/{g['id']}/members").json()["value"] == []
    assert graph("GET", f"/groups/{g['id']}/transitiveMembers").json()["value"] == []
    # a deleted user cannot be added back as a member either
    assert_graph_error(
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(u["id"])), 400, "Request_BadRequest"
    )
    # Decision (docs/fidelity.md): a restored user comes back without its former memberships.
    assert graph("POST", f"/directory/deletedItems/{u['id']}/restore").status_code == 200
    assert graph("GET", f"/users/{u['id']}/memberOf").json()["value"] == []


def test_read_only_app_can_list_but_not_restore_or_purge(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    u = deleted_user(graph, tenant)
    assert u["id"] in ids(reader, f"{DELETED_USERS}?$top=999")
    before = state(graph, f"/directory/deletedItems/{u['id']}")
    assert_graph_error(
        reader("POST", f"/directory/deletedItems/{u['id']}/restore"), 403, "Authorization_RequestDenied"
    )
    assert_graph_error(
        reader("DELETE", f"/directory/deletedItems/{u['id']}"), 403, "Authorization_RequestDenied"
    )
    assert_graph_error(reader("DELETE", f"/users/{u['id']}"), 403, "Authorization_RequestDenied")
    assert state(graph, f"/directory/deletedItems/{u['id']}") == before


def test_directory_object_of_a_live_user(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = make_user(graph, tenant)
    r = graph("GET", f"/directoryObjects/{u['id']}")
    assert r.status_code == 200
    assert r.json()["@odata.type"] == "#microsoft.graph.user" and r.json()["id"] == u["id"]


def test_beta_answers_deleted_items(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    u = deleted_user(graph, tenant)
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}/directory/deletedItems/microsoft.graph.user?$top=999")
    assert r.status_code == 200
    assert u["id"] in {d["id"] for d in r.json()["value"]}
