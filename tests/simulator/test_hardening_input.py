"""Bad input never poisons state: surrogates, deep nesting, long strings and NUL answer 400 and change nothing.

Each test is one reproduction from issue 8, run against a real simulator over HTTPS.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.clouds import Cloud
from simulator.directory.journal import Journal
from simulator.directory.store import Store
from simulator.json_input import MAX_DEPTH
from simulator.testing import running_simulator
from simulator.world import seed_tenant
from tests.conftest import GraphHttp, assert_graph_error

SURROGATE = b'{"displayName": "bad \\ud800 app"}'
DEEP = b"[" * 5000 + b"]" * 5000


def _user_body(tenant: dict[str, Any], **extra: Any) -> dict[str, Any]:
    nick = f"h{uuid.uuid4().hex[:10]}"
    return {
        "accountEnabled": True,
        "displayName": f"Hardening {nick}",
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@{tenant['defaultDomain']}",
        "passwordProfile": {"password": "Xy!12345678"},
        **extra,
    }


def _raw(graph: GraphHttp, method: str, path: str, body: bytes) -> httpx.Response:
    return graph(method, path, content=body, headers={"Content-Type": "application/json"})


TENANT = {"users": 3}


def test_a_lone_surrogate_is_refused_and_writes_in_every_cloud_keep_working(tmp_path: Path) -> None:
    with running_simulator(data_dir=tmp_path, durable=True, seed=3) as sim:
        doc = sim.endpoints()
        tenants = {t["id"]: t for t in doc["tenants"]}
        home = next(t for t in doc["tenants"] if t["cloud"] == "commercial")
        commercial = GraphHttp(doc, home)
        assert_graph_error(_raw(commercial, "POST", "/applications", SURROGATE), 400, "BadRequest")
        user_raw = (
            b'{"accountEnabled": true, "displayName": "x\\udc00", "mailNickname": "poison", '
            b'"userPrincipalName": "poison@' + home["defaultDomain"].encode() + b'", '
            b'"passwordProfile": {"password": "Xy!12345678"}}'
        )
        assert_graph_error(_raw(commercial, "POST", "/users", user_raw), 400, "BadRequest")
        assert commercial("GET", "/applications").status_code == 200
        made = {}
        for tid, t in tenants.items():
            body = _user_body(t)
            r = GraphHttp(doc, t)("POST", "/users", json=body)
            assert r.status_code == 201, (t["cloud"], r.text)
            made[tid] = body["userPrincipalName"]
        assert {t["cloud"] for t in tenants.values()} >= {"commercial", "gcch", "china"}
        assert commercial("GET", "/users/poison@" + home["defaultDomain"]).status_code == 404
    with running_simulator(data_dir=tmp_path, durable=True, seed=3) as sim:
        doc = sim.endpoints()
        for t in doc["tenants"]:
            assert GraphHttp(doc, t)("GET", f"/users/{made[t['id']]}").status_code == 200


def test_a_lone_surrogate_is_refused_without_a_data_dir_and_lists_keep_answering(graph: GraphHttp) -> None:
    assert_graph_error(_raw(graph, "POST", "/applications", SURROGATE), 400, "BadRequest")
    assert graph("GET", "/applications").status_code == 200
    # a paired surrogate (an emoji) is ordinary Unicode and is kept
    r = _raw(graph, "POST", "/applications", b'{"displayName": "ok \\ud83d\\ude00"}')
    assert r.status_code == 201, r.text
    assert r.json()["displayName"] == "ok \U0001f600"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/users"),
        ("POST", "/$batch"),
        ("POST", "/invitations"),
        ("PATCH", "/policies/crossTenantAccessPolicy/default"),
    ],
)
def test_deeply_nested_json_is_a_400_not_a_recursion_error(graph: GraphHttp, method: str, path: str) -> None:
    err = assert_graph_error(_raw(graph, method, path, DEEP), 400, "BadRequest")
    assert str(MAX_DEPTH) in err["message"]


def test_deeply_nested_json_to_the_control_plane_is_a_400(ccsync_simulator: Any) -> None:
    r = httpx.post(
        f"{ccsync_simulator.control_url}/_simulator/tenants",
        content=DEEP,
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert "nested" in r.json()["error"]["message"]


def test_nesting_just_under_the_limit_is_still_parsed(graph: GraphHttp) -> None:
    body = b'{"displayName": "x", "web": ' + b'{"a":' * (MAX_DEPTH - 2) + b"1" + b"}" * (MAX_DEPTH - 1)
    r = _raw(graph, "POST", "/applications", body)
    # parsed (the nesting is fine); refused only because 'web' holds an unknown shape, or accepted
    assert r.status_code in (201, 400)
    assert "nested" not in r.text


def test_a_megabyte_display_name_on_the_cross_tenant_policy_is_refused(graph: GraphHttp) -> None:
    before = graph("GET", "/policies/crossTenantAccessPolicy").json()["displayName"]
    r = graph("PATCH", "/policies/crossTenantAccessPolicy", json={"displayName": "x" * (1 << 20)})
    assert "256" in assert_graph_error(r, 400, "Request_BadRequest")["message"]
    assert graph("GET", "/policies/crossTenantAccessPolicy").json()["displayName"] == before


def test_an_invitation_with_a_huge_address_creates_no_user(graph: GraphHttp) -> None:
    users_before = graph("GET", "/users/$count", headers={"ConsistencyLevel": "eventual"}).text
    r = graph(
        "POST",
        "/invitations",
        json={
            "invitedUserEmailAddress": "a" * 100_000 + "@fabrikam.example",
            "inviteRedirectUrl": "https://x",
        },
    )
    assert_graph_error(r, 400, "Request_BadRequest")
    assert graph("GET", "/users/$count", headers={"ConsistencyLevel": "eventual"}).text == users_before


def test_nul_and_control_characters_in_a_display_name_are_refused(
    graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    assert_graph_error(
        graph("POST", "/users", json=_user_body(tenant, displayName="a\x00b")), 400, "BadRequest"
    )
    r = graph("POST", "/users", json=_user_body(tenant, displayName="a\x07b"))
    assert "control character" in assert_graph_error(r, 400, "Request_BadRequest")["message"]
    group = {"displayName": "g\x1b", "mailEnabled": False, "mailNickname": "g1", "securityEnabled": True}
    assert_graph_error(graph("POST", "/groups", json=group), 400, "Request_BadRequest")


def test_undocumented_string_lengths_default_to_256(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("POST", "/users", json=_user_body(tenant, employeeType="x" * 257))
    assert "256" in assert_graph_error(r, 400, "Request_BadRequest")["message"]
    assert graph("POST", "/users", json=_user_body(tenant, employeeType="x" * 256)).status_code == 201


def test_an_oversized_body_is_a_413_with_a_body(graph: GraphHttp) -> None:
    r = _raw(graph, "POST", "/users", b'{"displayName": "' + b"x" * (5 * 1024 * 1024) + b'"}')
    assert_graph_error(r, 413, "Request_EntityTooLarge")


# -- a commit that fails ------------------------------------------------------------------------


def test_a_failed_commit_rolls_memory_back_to_disk_and_later_commits_work(tmp_path: Path) -> None:
    store = Store()
    store.journal = Journal(tmp_path / "state.db")
    a = seed_tenant(
        store,
        name="A",
        cloud=Cloud.COMMERCIAL,
        flavor="commercial",
        users=2,
        seed=1,
        domain="a.onmicrosoft.com",
    )
    b = seed_tenant(
        store, name="B", cloud=Cloud.GCCH, flavor="gcch", users=2, seed=1, domain="b.onmicrosoft.us"
    )
    store.commit()
    kept = next(iter(a.users.values()))["id"]
    # one request changes two tenants, and one change cannot be written (it bypassed the input checks)
    b_user = next(iter(b.users.values()))
    b_user["jobTitle"] = "changed in the failed commit"
    b.users.touch(b_user["id"])
    bad = next(iter(a.users.values()))
    bad["displayName"] = "bad \ud800"
    a.users.touch(bad["id"])
    with pytest.raises(UnicodeEncodeError):
        store.commit()
    # memory is what the disk holds: neither tenant's change survived, nothing is left dirty
    a2, b2 = store.tenants[a.id], store.tenants[b.id]
    assert a2.users.get(kept)["displayName"] != "bad \ud800"
    assert b2.users.get(b_user["id"]).get("jobTitle") != "changed in the failed commit"
    assert not a2.users.dirty and not b2.users.dirty
    # and the next write commits
    u = a2.users.get(kept)
    u["jobTitle"] = "after"
    a2.users.touch(kept)
    store.commit()
    store.journal.close()
    fresh = Store()
    Journal(tmp_path / "state.db").load(fresh)
    assert fresh.tenants[a.id].users.get(kept)["jobTitle"] == "after"


def test_kill_9_after_a_refused_poisoned_write_keeps_every_acknowledged_write_and_nothing_else(
    tmp_path: Path,
) -> None:
    from tests.simulator.test_durability import _start

    proc, doc = _start(tmp_path)
    try:
        home = next(t for t in doc["tenants"] if t["cloud"] == "commercial")
        other = next(t for t in doc["tenants"] if t["cloud"] == "gcch")
        graph, graph2 = GraphHttp(doc, home), GraphHttp(doc, other)
        acked: list[tuple[GraphHttp, str]] = []
        for g, t in ((graph, home), (graph2, other), (graph, home)):
            body = _user_body(t)
            assert g("POST", "/users", json=body).status_code == 201
            acked.append((g, body["userPrincipalName"]))
        poison = _user_body(home)
        raw = httpx.Request("POST", "http://x", json={**poison, "displayName": "@@"}).content.replace(
            b"@@", b"\\ud800"
        )
        assert_graph_error(_raw(graph, "POST", "/users", raw), 400, "BadRequest")
        for g, t in ((graph2, other), (graph, home)):
            body = _user_body(t)
            assert g("POST", "/users", json=body).status_code == 201
            acked.append((g, body["userPrincipalName"]))
    finally:
        proc.kill()
        proc.wait()
    proc, doc = _start(tmp_path)
    try:
        by_id = {t["id"]: t for t in doc["tenants"]}
        for g, upn in acked:
            again = GraphHttp(doc, by_id[g.tenant["id"]])
            assert again("GET", f"/users/{upn}").status_code == 200, upn
        assert (
            GraphHttp(doc, by_id[home["id"]])("GET", f"/users/{poison['userPrincipalName']}").status_code
            == 404
        )
        listed = GraphHttp(doc, by_id[home["id"]])(
            "GET", "/users?$filter=startswith(displayName,'Hardening')"
        )
        assert {u["userPrincipalName"] for u in listed.json()["value"]} == {
            upn for g, upn in acked if g.tenant["id"] == home["id"]
        }
    finally:
        proc.kill()
        proc.wait()
