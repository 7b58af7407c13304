"""``$orderby`` paging is stable: objects created or deleted between pages never make an unchanged one
repeat or go missing (the skip token carries the last sort key and id, not an offset)."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from tests.conftest import GraphHttp
from tests.simulator.graph.directory_client import ids, new_group_body, new_user_body

_names = itertools.count()


TENANT = {"users": 40}


def _create(graph: GraphHttp, tenant: dict[str, Any], kind: str, name: str) -> str:
    body: dict[str, Any] = {"displayName": name}
    if kind == "users":
        body = new_user_body(tenant, displayName=name)
    elif kind == "groups":
        body = new_group_body(displayName=name)
    elif kind == "servicePrincipals":
        app = graph("POST", "/applications", json={"displayName": name}).json()
        body = {"appId": app["appId"]}
    r = graph("POST", f"/{kind}", json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def _all_ids(graph: GraphHttp, kind: str) -> set[str]:
    return set(ids(graph, f"/{kind}?$top=999&$select=id"))


@pytest.mark.parametrize("kind", ["users", "groups", "applications", "servicePrincipals"])
@pytest.mark.parametrize("direction", ["", " desc"])
def test_orderby_paging_neither_repeats_nor_skips_while_others_are_created_and_deleted(
    graph: GraphHttp, tenant: dict[str, Any], kind: str, direction: str
) -> None:
    for i in range(12):  # enough objects of every kind, several with the same display name (ties)
        _create(graph, tenant, kind, f"Sorted {i % 4}")
    unchanged = _all_ids(graph, kind)
    churn: list[str] = []
    seen: list[str] = []
    url = f"/{kind}?$orderby=displayName{direction}&$top=5&$select=id,displayName"
    while url:
        r = graph("GET", url)
        assert r.status_code == 200, r.text
        body = r.json()
        seen.extend(o["id"] for o in body["value"])
        url = body.get("@odata.nextLink")
        # between pages: new objects sorting before and after the cursor, and deletions of new ones
        for name in ("AAA first", "zzz last", "Sorted 2"):
            churn.append(_create(graph, tenant, kind, f"{name} {next(_names)}"))
        if len(churn) > 4:
            victim = churn.pop(0)
            assert graph("DELETE", f"/{kind}/{victim}").status_code == 204
    assert len(seen) == len(set(seen)), "an object was listed twice"
    assert unchanged <= set(seen), "an object that existed throughout was skipped"


def test_orderby_pages_follow_the_sort_order(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    got: list[str] = []
    url = "/users?$orderby=displayName&$top=7&$select=displayName"
    while url:
        body = graph("GET", url).json()
        got.extend(u["displayName"] for u in body["value"])
        url = body.get("@odata.nextLink")
    assert got == sorted(got, key=str.lower)
