"""``/groups``: what a Graph client sees creating, reading, changing, deleting groups and their members."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import GraphHttp, assert_graph_error, reader_of
from tests.simulator.graph.directory_client import (
    EVENTUAL,
    GRAPH_V1,
    count,
    ids,
    make_group,
    make_user,
    new_group_body,
    ref,
    state,
)

DUPLICATE_MEMBER = (
    "One or more added object references already exist for the following modified properties: 'members'."
)


TENANT = {"users": 30}


def member_ids(graph: GraphHttp, gid: str, nav: str = "members") -> set[str]:
    return set(ids(graph, f"/groups/{gid}/{nav}?$top=999"))


# -- create ------------------------------------------------------------------------------------


def test_create_security_group_is_201_with_graph_shape(graph: GraphHttp) -> None:
    body = new_group_body(description="Security people")
    r = graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    g = r.json()
    assert g["@odata.context"].endswith("/$metadata#groups/$entity")
    assert r.headers["Location"].endswith(f"/groups/{g['id']}")
    uuid.UUID(g["id"])
    assert g["displayName"] == body["displayName"]
    assert g["description"] == "Security people"
    assert g["mailEnabled"] is False and g["securityEnabled"] is True
    assert g["mailNickname"] == body["mailNickname"]
    assert g["groupTypes"] == []
    assert g.get("mail") is None
    assert g["securityIdentifier"].startswith("S-1-12-1-")
    assert g["createdDateTime"].endswith("Z")


def test_create_unified_group_gets_a_mail_address(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    g = make_group(graph, groupTypes=["Unified"], mailEnabled=True, securityEnabled=False)
    assert g["groupTypes"] == ["Unified"]
    assert g["mailEnabled"] is True and g["securityEnabled"] is False
    assert g["mail"] == f"{g['mailNickname']}@{tenant['defaultDomain']}"
    assert f"SMTP:{g['mail']}" in g["proxyAddresses"]


@pytest.mark.parametrize("missing", ["displayName", "mailEnabled", "mailNickname", "securityEnabled"])
def test_create_without_a_required_property_is_400_and_creates_nothing(
    graph: GraphHttp, missing: str
) -> None:
    before = count(graph, "/groups")
    body = new_group_body()
    body.pop(missing)
    err = assert_graph_error(graph("POST", "/groups", json=body), 400, "Request_BadRequest")
    assert missing in err["message"]
    assert count(graph, "/groups") == before


@pytest.mark.parametrize(
    "override",
    [{"securityEnabled": "yes"}, {"colour": "red"}, {"id": str(uuid.uuid4())}, {"displayName": "x" * 300}],
)
def test_create_with_a_bad_property_is_400_and_creates_nothing(
    graph: GraphHttp, override: dict[str, Any]
) -> None:
    before = count(graph, "/groups")
    assert_graph_error(graph("POST", "/groups", json=new_group_body(**override)), 400, "Request_BadRequest")
    assert count(graph, "/groups") == before


def test_read_only_app_cannot_create_a_group(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    before = count(graph, "/groups")
    assert_graph_error(reader("POST", "/groups", json=new_group_body()), 403, "Authorization_RequestDenied")
    assert count(graph, "/groups") == before
    assert reader("GET", "/groups").status_code == 200


# -- read ---------------------------------------------------------------------------------------


def test_get_list_and_count(graph: GraphHttp) -> None:
    g = make_group(graph)
    got = graph("GET", f"/groups/{g['id']}")
    assert got.status_code == 200
    assert got.json()["@odata.context"].endswith("/$metadata#groups/$entity")
    assert got.json()["displayName"] == g["displayName"]
    listed = graph("GET", "/groups?$top=999")
    assert listed.status_code == 200
    assert listed.json()["@odata.context"].endswith("/$metadata#groups")
    assert g["id"] in {x["id"] for x in listed.json()["value"]}
    n = graph("GET", "/groups/$count", headers=EVENTUAL)
    assert n.headers["content-type"].startswith("text/plain")
    assert int(n.text) == len(listed.json()["value"])
    assert_graph_error(graph("GET", "/groups/$count"), 400, "Request_BadRequest")


def test_get_with_select(graph: GraphHttp) -> None:
    g = make_group(graph)
    r = graph("GET", f"/groups/{g['id']}?$select=displayName,mailNickname")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("#groups(displayName,mailNickname)/$entity")
    assert set(body) == {"@odata.context", "id", "displayName", "mailNickname"}


def test_unknown_group_is_404(graph: GraphHttp) -> None:
    missing = str(uuid.uuid4())
    for method, path, kw in (
        ("GET", f"/groups/{missing}", {}),
        ("PATCH", f"/groups/{missing}", {"json": {"description": "x"}}),
        ("DELETE", f"/groups/{missing}", {}),
        ("GET", f"/groups/{missing}/members", {}),
        ("GET", f"/groups/{missing}/transitiveMembers", {}),
        ("POST", f"/groups/{missing}/members/$ref", {"json": ref(missing)}),
    ):
        err = assert_graph_error(graph(method, path, **kw), 404, "Request_ResourceNotFound")
        assert missing in err["message"]


def test_filter_startswith_display_name(graph: GraphHttp) -> None:
    prefix = f"Zeta{uuid.uuid4().hex[:6]}"
    made = {make_group(graph, displayName=f"{prefix} {n}")["id"] for n in range(3)}
    make_group(graph, displayName=f"Other {prefix}")
    r = graph("GET", f"/groups?$filter=startswith(displayName,'{prefix.lower()}')")
    assert r.status_code == 200, r.text
    assert {g["id"] for g in r.json()["value"]} == made
    r = graph("GET", f"/groups?$filter=startswith(displayName,'{prefix}')&$count=true", headers=EVENTUAL)
    assert r.json()["@odata.count"] == 3


def test_filter_security_enabled(graph: GraphHttp) -> None:
    unified = make_group(graph, groupTypes=["Unified"], mailEnabled=True, securityEnabled=False)
    security = make_group(graph)
    r = graph("GET", "/groups?$filter=securityEnabled eq true&$top=999")
    assert r.status_code == 200, r.text
    got = {g["id"] for g in r.json()["value"]}
    assert security["id"] in got and unified["id"] not in got
    assert all(g["securityEnabled"] is True for g in r.json()["value"])
    n = graph("GET", "/groups/$count?$filter=securityEnabled eq true", headers=EVENTUAL)
    assert int(n.text) == len(got)


def test_filter_on_unsupported_clause_is_400(graph: GraphHttp) -> None:
    assert_graph_error(graph("GET", "/groups?$filter=displayName ne 'x'"), 400, "Request_UnsupportedQuery")
    assert_graph_error(graph("GET", "/groups?$filter=nonsense eq 'x'"), 400, "Request_BadRequest")


# -- update, delete -----------------------------------------------------------------------------


def test_update_is_204_and_visible(graph: GraphHttp) -> None:
    g = make_group(graph)
    r = graph("PATCH", f"/groups/{g['id']}", json={"description": "New words", "displayName": "Renamed"})
    assert r.status_code == 204 and not r.content
    got = graph("GET", f"/groups/{g['id']}").json()
    assert got["description"] == "New words" and got["displayName"] == "Renamed"


@pytest.mark.parametrize(
    "body",
    [
        {"description": "fine", "securityEnabled": "nope"},
        {"description": "fine", "unknownThing": 1},
        {"description": "fine", "id": str(uuid.uuid4())},
        {"description": "fine", "mail": "x@y.z"},
    ],
)
def test_bad_update_is_400_and_changes_nothing(graph: GraphHttp, body: dict[str, Any]) -> None:
    g = make_group(graph, description="before")
    before = state(graph, f"/groups/{g['id']}")
    assert_graph_error(graph("PATCH", f"/groups/{g['id']}", json=body), 400, "Request_BadRequest")
    assert state(graph, f"/groups/{g['id']}") == before


def test_deleting_a_security_group_is_for_good(graph: GraphHttp) -> None:
    g = make_group(graph)
    assert graph("DELETE", f"/groups/{g['id']}").status_code == 204
    assert_graph_error(graph("GET", f"/groups/{g['id']}"), 404, "Request_ResourceNotFound")
    assert g["id"] not in ids(graph, "/directory/deletedItems/microsoft.graph.group")
    assert_graph_error(graph("GET", f"/directory/deletedItems/{g['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph("DELETE", f"/groups/{g['id']}"), 404, "Request_ResourceNotFound")


def test_deleting_a_unified_group_moves_it_to_deleted_items_and_restore_brings_it_back(
    graph: GraphHttp,
) -> None:
    g = make_group(graph, groupTypes=["Unified"], mailEnabled=True, securityEnabled=False)
    assert graph("DELETE", f"/groups/{g['id']}").status_code == 204
    assert_graph_error(graph("GET", f"/groups/{g['id']}"), 404, "Request_ResourceNotFound")
    deleted = graph("GET", "/directory/deletedItems/microsoft.graph.group?$top=999").json()["value"]
    mine = next(d for d in deleted if d["id"] == g["id"])
    assert mine["deletedDateTime"].endswith("Z")
    assert mine["displayName"] == g["displayName"]
    r = graph("POST", f"/directory/deletedItems/{g['id']}/restore")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == g["id"]
    assert r.json()["@odata.type"] == "#microsoft.graph.group"
    assert r.json().get("deletedDateTime") is None
    assert graph("GET", f"/groups/{g['id']}").status_code == 200


# -- members: $ref ------------------------------------------------------------------------------


def test_add_member_with_absolute_graph_url_and_list_it(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph)
    r = graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[0]))
    assert r.status_code == 204 and not r.content
    listed = graph("GET", f"/groups/{g['id']}/members")
    assert listed.status_code == 200
    body = listed.json()
    assert body["@odata.context"].endswith("/$metadata#directoryObjects")
    assert [(m["@odata.type"], m["id"]) for m in body["value"]] == [("#microsoft.graph.user", user_ids[0])]
    assert body["value"][0]["userPrincipalName"]


@pytest.mark.parametrize(
    "url",
    [
        "{root}/directoryObjects/{id}",
        "{root}/users/{id}",
        "https://graph.microsoft.com/v1.0/users/{id}",
        "https://graph.microsoft.com/v1.0/directoryObjects('{id}')",
        "https://graph.microsoft.com/beta/directoryObjects/{id}",
    ],
)
def test_add_member_with_other_reference_forms(graph: GraphHttp, user_ids: list[str], url: str) -> None:
    g = make_group(graph)
    body = {"@odata.id": url.format(root=graph.root, id=user_ids[1])}
    r = graph("POST", f"/groups/{g['id']}/members/$ref", json=body)
    assert r.status_code == 204, r.text
    assert member_ids(graph, g["id"]) == {user_ids[1]}


def test_duplicate_member_is_400_with_the_documented_message(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph)
    assert graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[2])).status_code == 204
    before = state(graph, f"/groups/{g['id']}/members")
    err = assert_graph_error(
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[2])), 400, "Request_BadRequest"
    )
    assert err["message"] == DUPLICATE_MEMBER
    assert state(graph, f"/groups/{g['id']}/members") == before


@pytest.mark.parametrize(
    "body",
    [
        ref(str(uuid.uuid4())),
        {"@odata.id": f"{GRAPH_V1}/directoryObjects/not-a-guid"},
        {"id": str(uuid.uuid4())},
        {"@odata.id": 42},
    ],
)
def test_bad_or_unknown_member_reference_is_400(graph: GraphHttp, body: dict[str, Any]) -> None:
    g = make_group(graph)
    err = assert_graph_error(
        graph("POST", f"/groups/{g['id']}/members/$ref", json=body), 400, "Request_BadRequest"
    )
    assert err["message"]
    assert member_ids(graph, g["id"]) == set()


def test_group_cannot_be_its_own_member(graph: GraphHttp) -> None:
    g = make_group(graph)
    assert_graph_error(
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(g["id"])), 400, "Request_BadRequest"
    )
    assert member_ids(graph, g["id"]) == set()


def test_unified_group_takes_users_only(graph: GraphHttp, user_ids: list[str]) -> None:
    unified = make_group(graph, groupTypes=["Unified"], mailEnabled=True, securityEnabled=False)
    other = make_group(graph)
    assert_graph_error(
        graph("POST", f"/groups/{unified['id']}/members/$ref", json=ref(other["id"])),
        400,
        "Request_BadRequest",
    )
    assert graph("POST", f"/groups/{unified['id']}/members/$ref", json=ref(user_ids[3])).status_code == 204
    assert member_ids(graph, unified["id"]) == {user_ids[3]}


def test_remove_member(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph)
    for uid in user_ids[:2]:
        assert graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(uid)).status_code == 204
    r = graph("DELETE", f"/groups/{g['id']}/members/{user_ids[0]}/$ref")
    assert r.status_code == 204 and not r.content
    assert member_ids(graph, g["id"]) == {user_ids[1]}
    before = state(graph, f"/groups/{g['id']}/members")
    assert_graph_error(
        graph("DELETE", f"/groups/{g['id']}/members/{user_ids[0]}/$ref"), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(
        graph("DELETE", f"/groups/{g['id']}/members/{uuid.uuid4()}/$ref"), 404, "Request_ResourceNotFound"
    )
    assert state(graph, f"/groups/{g['id']}/members") == before


def test_member_count(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph)
    for uid in user_ids[:4]:
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(uid))
    r = graph("GET", f"/groups/{g['id']}/members/$count", headers=EVENTUAL)
    assert r.status_code == 200 and int(r.text) == 4


def test_read_only_app_cannot_change_members(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp, user_ids: list[str]
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    g = make_group(graph)
    graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[0]))
    before = state(graph, f"/groups/{g['id']}/members")
    assert_graph_error(
        reader("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[1])),
        403,
        "Authorization_RequestDenied",
    )
    assert_graph_error(
        reader("DELETE", f"/groups/{g['id']}/members/{user_ids[0]}/$ref"), 403, "Authorization_RequestDenied"
    )
    assert_graph_error(reader("DELETE", f"/groups/{g['id']}"), 403, "Authorization_RequestDenied")
    assert state(graph, f"/groups/{g['id']}/members") == before


# -- members: @odata.bind -----------------------------------------------------------------------


def _binds(object_ids: list[str]) -> list[str]:
    return [f"{GRAPH_V1}/directoryObjects/{i}" for i in object_ids]


def test_members_bind_on_create(graph: GraphHttp, user_ids: list[str]) -> None:
    body = new_group_body()
    body["members@odata.bind"] = _binds(user_ids[:3])
    r = graph("POST", "/groups", json=body)
    assert r.status_code == 201, r.text
    assert "members@odata.bind" not in r.json()
    assert member_ids(graph, r.json()["id"]) == set(user_ids[:3])


def test_members_bind_on_patch(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph)
    r = graph("PATCH", f"/groups/{g['id']}", json={"members@odata.bind": _binds(user_ids[:20])})
    assert r.status_code == 204, r.text
    assert member_ids(graph, g["id"]) == set(user_ids[:20])


def test_more_than_20_binds_is_400_and_changes_nothing(graph: GraphHttp, user_ids: list[str]) -> None:
    g = make_group(graph, description="before")
    before = state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members")
    r = graph(
        "PATCH",
        f"/groups/{g['id']}",
        json={"description": "after", "members@odata.bind": _binds(user_ids[:21])},
    )
    assert_graph_error(r, 400, "Request_BadRequest")
    assert state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members") == before


@pytest.mark.parametrize("kind", ["too_many", "unknown", "duplicate_in_list"])
def test_bad_binds_on_create_are_400_and_create_nothing(
    graph: GraphHttp, user_ids: list[str], kind: str
) -> None:
    binds = {
        "too_many": _binds(user_ids[:21]),
        "unknown": _binds([user_ids[0], str(uuid.uuid4())]),
        "duplicate_in_list": _binds([user_ids[0], user_ids[0]]),
    }[kind]
    body = new_group_body()
    body["members@odata.bind"] = binds
    before = count(graph, "/groups")
    assert_graph_error(graph("POST", "/groups", json=body), 400, "Request_BadRequest")
    assert count(graph, "/groups") == before
    r = graph("GET", f"/groups?$filter=mailNickname eq '{body['mailNickname']}'")
    assert r.json()["value"] == []


@pytest.mark.parametrize("kind", ["unknown", "already_member", "duplicate_in_list"])
def test_bad_binds_on_patch_are_400_and_change_nothing(
    graph: GraphHttp, user_ids: list[str], kind: str
) -> None:
    g = make_group(graph, description="before")
    graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user_ids[0]))
    binds = {
        "unknown": _binds([user_ids[1], str(uuid.uuid4())]),
        "already_member": _binds([user_ids[1], user_ids[0]]),
        "duplicate_in_list": _binds([user_ids[1], user_ids[1]]),
    }[kind]
    before = state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members")
    r = graph("PATCH", f"/groups/{g['id']}", json={"description": "after", "members@odata.bind": binds})
    assert_graph_error(r, 400, "Request_BadRequest")
    assert state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members") == before


# -- nesting, transitive members, memberOf --------------------------------------------------------


def test_transitive_members_through_nested_groups(graph: GraphHttp, user_ids: list[str]) -> None:
    outer, middle, inner = make_group(graph), make_group(graph), make_group(graph)
    graph("POST", f"/groups/{outer['id']}/members/$ref", json=ref(user_ids[0]))
    graph("POST", f"/groups/{outer['id']}/members/$ref", json=ref(middle["id"]))
    graph("POST", f"/groups/{middle['id']}/members/$ref", json=ref(user_ids[1]))
    graph("POST", f"/groups/{middle['id']}/members/$ref", json=ref(inner["id"]))
    graph("POST", f"/groups/{inner['id']}/members/$ref", json=ref(user_ids[2]))
    graph("POST", f"/groups/{inner['id']}/members/$ref", json=ref(user_ids[0]))  # also a direct member

    direct = graph("GET", f"/groups/{outer['id']}/members").json()["value"]
    assert {(m["@odata.type"], m["id"]) for m in direct} == {
        ("#microsoft.graph.user", user_ids[0]),
        ("#microsoft.graph.group", middle["id"]),
    }
    r = graph("GET", f"/groups/{outer['id']}/transitiveMembers")
    assert r.status_code == 200
    assert r.json()["@odata.context"].endswith("/$metadata#directoryObjects")
    got = [(m["@odata.type"], m["id"]) for m in r.json()["value"]]
    assert len(got) == len(set(got)), "each transitive member is listed once"
    assert set(got) == {
        ("#microsoft.graph.user", user_ids[0]),
        ("#microsoft.graph.group", middle["id"]),
        ("#microsoft.graph.user", user_ids[1]),
        ("#microsoft.graph.group", inner["id"]),
        ("#microsoft.graph.user", user_ids[2]),
    }


def test_transitive_members_survive_a_cycle(graph: GraphHttp, user_ids: list[str]) -> None:
    a, b = make_group(graph), make_group(graph)
    graph("POST", f"/groups/{a['id']}/members/$ref", json=ref(b["id"]))
    assert graph("POST", f"/groups/{b['id']}/members/$ref", json=ref(a["id"])).status_code == 204
    graph("POST", f"/groups/{a['id']}/members/$ref", json=ref(user_ids[5]))
    graph("POST", f"/groups/{b['id']}/members/$ref", json=ref(user_ids[6]))
    assert member_ids(graph, a["id"], "transitiveMembers") == {b["id"], user_ids[5], user_ids[6]}
    assert member_ids(graph, b["id"], "transitiveMembers") == {a["id"], user_ids[5], user_ids[6]}


def test_member_of_lists_the_users_groups(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant)
    g1, g2, untouched = make_group(graph), make_group(graph), make_group(graph)
    for g in (g1, g2):
        graph("POST", f"/groups/{g['id']}/members/$ref", json=ref(user["id"]))
    r = graph("GET", f"/users/{user['id']}/memberOf")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#directoryObjects")
    assert {(m["@odata.type"], m["id"]) for m in body["value"]} == {
        ("#microsoft.graph.group", g1["id"]),
        ("#microsoft.graph.group", g2["id"]),
    }
    assert untouched["id"] not in {m["id"] for m in body["value"]}
    by_upn = graph("GET", f"/users/{user['userPrincipalName']}/memberOf").json()["value"]
    assert {m["id"] for m in by_upn} == {g1["id"], g2["id"]}
    assert_graph_error(graph("GET", f"/users/{uuid.uuid4()}/memberOf"), 404, "Request_ResourceNotFound")


def test_deleted_group_leaves_the_groups_it_was_in(graph: GraphHttp) -> None:
    parent, child = make_group(graph), make_group(graph)
    graph("POST", f"/groups/{parent['id']}/members/$ref", json=ref(child["id"]))
    assert graph("DELETE", f"/groups/{child['id']}").status_code == 204
    assert member_ids(graph, parent["id"]) == set()


def test_beta_answers_groups_too(graph: GraphHttp, endpoints: dict[str, Any], tenant: dict[str, Any]) -> None:
    g = make_group(graph)
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}/groups/{g['id']}")
    assert r.status_code == 200
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#groups")
    assert r.json()["id"] == g["id"]


def test_orderby_and_search(graph: GraphHttp) -> None:
    tag = uuid.uuid4().hex[:6]
    names = [f"Order{tag} {c}" for c in ("c", "a", "b")]
    for n in names:
        make_group(graph, displayName=n)
    # $filter with $orderby is an advanced query: the header alone is not enough
    r = graph(
        "GET", f"/groups?$filter=startswith(displayName,'Order{tag}')&$orderby=displayName", headers=EVENTUAL
    )
    assert_graph_error(r, 400, "Request_UnsupportedQuery")
    r = graph(
        "GET",
        f"/groups?$filter=startswith(displayName,'Order{tag}')&$orderby=displayName&$count=true",
        headers=EVENTUAL,
    )
    assert r.status_code == 200, r.text
    assert [g["displayName"] for g in r.json()["value"]] == sorted(names)
    r = graph("GET", f'/groups?$search="displayName:Order{tag}"', headers=EVENTUAL)
    assert r.status_code == 200, r.text
    assert sorted(g["displayName"] for g in r.json()["value"]) == sorted(names)
    assert_graph_error(
        graph("GET", f'/groups?$search="displayName:Order{tag}"'), 400, "Request_UnsupportedQuery"
    )


@pytest.mark.parametrize("binds", ["not-a-list", [42], {"a": 1}])
def test_malformed_binds_are_400(graph: GraphHttp, binds: Any) -> None:
    g = make_group(graph)
    before = state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members")
    r = graph("PATCH", f"/groups/{g['id']}", json={"members@odata.bind": binds})
    assert_graph_error(r, 400, "Request_BadRequest")
    assert state(graph, f"/groups/{g['id']}", f"/groups/{g['id']}/members") == before
