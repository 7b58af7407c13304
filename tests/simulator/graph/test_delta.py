"""Delta queries: initial and incremental rounds, removals, tracking by $select, members, tokens."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import GraphHttp, app_of, assert_graph_error
from tests.simulator.graph.directory_client import make_user


@pytest.fixture
def tenant(new_tenant: Any) -> dict[str, Any]:
    """Unlike the shared module-wide tenant: a fresh one per test, so each delta round sees only its test's changes."""
    return new_tenant("commercial", users=60)


@pytest.fixture
def graph(endpoints: dict[str, Any], tenant: dict[str, Any]) -> GraphHttp:
    """Per test, because ``tenant`` is (the shared ``graph`` is module-wide)."""
    return GraphHttp(endpoints, tenant, app_of(tenant))


def run_round(graph: GraphHttp, url: str, page: int | None = None) -> tuple[list[dict[str, Any]], str, int]:
    """Follow nextLinks to the deltaLink; returns (entries, deltaLink, pages)."""
    entries: list[dict[str, Any]] = []
    pages = 0
    headers = {"Prefer": f"odata.maxpagesize={page}"} if page else {}
    while True:
        r = graph("GET", url, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        pages += 1
        entries.extend(body["value"])
        assert not ("@odata.nextLink" in body and "@odata.deltaLink" in body)
        if "@odata.deltaLink" in body:
            return entries, body["@odata.deltaLink"], pages
        url = body["@odata.nextLink"]


@pytest.mark.parametrize("spelling", ["/users/delta", "/users/delta()", "/users/microsoft.graph.delta()"])
def test_initial_round_pages_through_every_user(graph: GraphHttp, spelling: str) -> None:
    entries, link, pages = run_round(graph, spelling, page=25)
    listed = graph("GET", "/users?$top=999&$select=id").json()["value"]
    assert sorted(e["id"] for e in entries) == sorted(u["id"] for u in listed)
    assert pages >= 3
    assert "$deltatoken=" in link


def test_incremental_round_reports_creates_updates_and_both_kinds_of_removal(
    graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    _, link, _ = run_round(graph, "/users/delta?$select=displayName,jobTitle,accountEnabled")
    created = make_user(graph, tenant)
    updated, soft, hard, untouched = [
        u["id"] for u in graph("GET", "/users?$top=4&$select=id").json()["value"]
    ]
    assert graph("PATCH", f"/users/{updated}", json={"jobTitle": "Chief Delta Officer"}).status_code == 204
    assert graph("DELETE", f"/users/{soft}").status_code == 204
    assert graph("DELETE", f"/users/{hard}").status_code == 204
    assert graph("DELETE", f"/directory/deletedItems/{hard}").status_code == 204

    entries, link2, _ = run_round(graph, link)
    by_id = {e["id"]: e for e in entries}
    assert set(by_id) == {created["id"], updated, soft, hard}
    assert untouched not in by_id
    assert by_id[created["id"]]["displayName"] == created["displayName"]
    assert by_id[updated]["jobTitle"] == "Chief Delta Officer"
    assert set(by_id[updated]) == {"id", "displayName", "jobTitle", "accountEnabled"}
    assert by_id[soft]["@removed"] == {"reason": "changed"}
    assert by_id[hard]["@removed"] == {"reason": "deleted"}

    # nothing changed since: an empty round with a fresh delta link
    entries, _, _ = run_round(graph, link2)
    assert entries == []


def test_select_decides_which_changes_surface(graph: GraphHttp) -> None:
    _, link, _ = run_round(graph, "/users/delta?$select=displayName")
    uid = graph("GET", "/users?$top=1&$select=id").json()["value"][0]["id"]
    graph("PATCH", f"/users/{uid}", json={"jobTitle": "Not tracked"})
    entries, link, _ = run_round(graph, link)
    assert entries == []
    graph("PATCH", f"/users/{uid}", json={"displayName": "Tracked Name"})
    entries, _, _ = run_round(graph, link)
    assert entries == [{"id": uid, "displayName": "Tracked Name"}]


def test_restore_and_return_minimal(graph: GraphHttp) -> None:
    uid = graph("GET", "/users?$top=1&$select=id").json()["value"][0]["id"]
    _, link, _ = run_round(graph, "/users/delta?$select=displayName,jobTitle")
    graph("DELETE", f"/users/{uid}")
    assert graph("POST", f"/directory/deletedItems/{uid}/restore").status_code == 200
    graph("PATCH", f"/users/{uid}", json={"jobTitle": "Back"})
    entries, link, _ = run_round(graph, link)
    assert [e["id"] for e in entries] == [uid] and "@removed" not in entries[0]
    graph("PATCH", f"/users/{uid}", json={"jobTitle": "Minimal"})
    r = graph("GET", link, headers={"Prefer": "return=minimal"})
    assert r.json()["value"] == [{"id": uid, "jobTitle": "Minimal"}]


def test_delta_token_latest_skips_existing_objects(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("GET", "/users/delta?$deltatoken=latest")
    body = r.json()
    assert body["value"] == [] and "@odata.deltaLink" in body
    created = make_user(graph, tenant)
    entries, _, _ = run_round(graph, body["@odata.deltaLink"])
    assert [e["id"] for e in entries] == [created["id"]]


def test_filter_by_ids(graph: GraphHttp) -> None:
    ids = [u["id"] for u in graph("GET", "/users?$top=3&$select=id").json()["value"]]
    flt = " or ".join(f"id eq '{i}'" for i in ids[:2])
    entries, link, _ = run_round(graph, f"/users/delta?$filter={flt}")
    assert sorted(e["id"] for e in entries) == sorted(ids[:2])
    for i in ids:
        graph("PATCH", f"/users/{i}", json={"displayName": "Renamed"})
    entries, _, _ = run_round(graph, link)
    assert sorted(e["id"] for e in entries) == sorted(ids[:2])
    bad = graph("GET", "/users/delta?$filter=displayName eq 'x'")
    assert_graph_error(bad, 400, "Request_UnsupportedQuery")
    too_many = " or ".join(f"id eq '{uuid.uuid4()}'" for _ in range(51))
    assert_graph_error(graph("GET", f"/users/delta?$filter={too_many}"), 400, "Request_UnsupportedQuery")


def test_group_members_delta(graph: GraphHttp) -> None:
    users = [u["id"] for u in graph("GET", "/users?$top=5&$select=id").json()["value"]]
    g = graph(
        "POST",
        "/groups",
        json={
            "displayName": "Delta group",
            "mailEnabled": False,
            "mailNickname": "dg",
            "securityEnabled": True,
        },
    ).json()
    graph(
        "POST",
        f"/groups/{g['id']}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{users[0]}"},
    )
    graph(
        "POST",
        f"/groups/{g['id']}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{users[1]}"},
    )
    entries, link, _ = run_round(graph, "/groups/delta")
    mine = [e for e in entries if e["id"] == g["id"]]
    assert [m["id"] for m in mine[0]["members@delta"]] == users[:2]
    assert all(m["@odata.type"] == "#microsoft.graph.user" for m in mine[0]["members@delta"])
    graph("DELETE", f"/groups/{g['id']}/members/{users[0]}/$ref")
    graph(
        "POST",
        f"/groups/{g['id']}/members/$ref",
        json={"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{users[2]}"},
    )
    entries, _, _ = run_round(graph, link)
    assert [e["id"] for e in entries] == [g["id"]]
    members = {m["id"]: m for m in entries[0]["members@delta"]}
    assert members[users[0]]["@removed"] == {"reason": "deleted"}
    assert "@removed" not in members[users[2]]
    assert users[1] not in members


def test_large_group_is_split_across_pages(
    ccsync_simulator: Any, endpoints: dict[str, Any], new_tenant: Any
) -> None:
    t = new_tenant("gcch", users=1300)
    graph = GraphHttp(endpoints, t, app_of(t))
    from simulator.directory import groups as dir_groups

    with ccsync_simulator.store.lock:
        tenant = ccsync_simulator.store.tenants[t["id"]]
        group = dir_groups.create_group(
            tenant,
            {
                "displayName": "Everyone",
                "mailEnabled": False,
                "mailNickname": "everyone",
                "securityEnabled": True,
            },
            ccsync_simulator.clock.now(),
        )
        member_ids = [u["id"] for u in tenant.users.values()][:1200]
        for uid in member_ids:
            dir_groups.add_member(tenant, group, uid)
    entries, _, pages = run_round(graph, f"/groups/delta?$filter=id eq '{group['id']}'")
    assert pages >= 3
    assert all(e["id"] == group["id"] for e in entries) and len(entries) >= 3
    seen = [m["id"] for e in entries for m in e["members@delta"]]
    assert seen == member_ids


def test_expired_token_is_sync_state_not_found(
    ccsync_simulator: Any, endpoints: dict[str, Any], graph: GraphHttp
) -> None:
    _, link, _ = run_round(graph, "/users/delta?$select=id")
    clock = ccsync_simulator.clock
    clock.set_virtual()
    try:
        clock.advance(timedelta(days=6, hours=23))
        # a new bearer token each time: the access token itself lives only an hour
        assert GraphHttp(endpoints, graph.tenant)("GET", link).status_code == 200
        clock.advance(timedelta(hours=2))
        err = assert_graph_error(GraphHttp(endpoints, graph.tenant)("GET", link), 400, "syncStateNotFound")
        assert "expired" in err["message"]
    finally:
        clock.set_real()


def test_forced_reset_answers_410_with_location(
    ccsync_simulator: Any, graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    _, link, _ = run_round(graph, "/users/delta?$select=id")
    r = httpx.post(f"{ccsync_simulator.control_url}/_simulator/tenants/{tenant['id']}/delta/reset", json={})
    assert r.status_code == 200
    gone = graph("GET", link)
    assert_graph_error(gone, 410, "resyncRequired")
    restart = gone.headers["Location"]
    assert restart.endswith("/users/delta?$deltatoken=")
    entries, _, _ = run_round(graph, restart)
    assert len(entries) >= 60


def test_tokens_are_bound_to_their_resource_and_tamper_proof(graph: GraphHttp) -> None:
    _, link, _ = run_round(graph, "/users/delta")
    token = link.split("$deltatoken=")[1]
    assert_graph_error(graph("GET", f"/groups/delta?$deltatoken={token}"), 400, "Request_BadRequest")
    assert_graph_error(graph("GET", f"/users/delta?$deltatoken={token[:-3]}abc"), 400, "Request_BadRequest")
    assert_graph_error(graph("GET", "/users/delta?$top=5"), 400, "Request_BadRequest")
