"""What the directory resource tests share: bodies and makers of users and groups, and "nothing changed" probes."""

from __future__ import annotations

import itertools
import uuid
from typing import Any

from tests.conftest import GraphHttp

EVENTUAL = {"ConsistencyLevel": "eventual"}
GRAPH_V1 = "https://graph.microsoft.com/v1.0"

_names = itertools.count(1)


def count(graph: GraphHttp, path: str) -> int:
    """``GET {path}/$count`` with ``ConsistencyLevel: eventual``."""
    r = graph("GET", f"{path}/$count", headers=EVENTUAL)
    assert r.status_code == 200, r.text
    return int(r.text)


def everything(graph: GraphHttp, path: str) -> list[dict[str, Any]]:
    """Every object of a collection, following ``@odata.nextLink``."""
    out: list[dict[str, Any]] = []
    url: str | None = path
    while url:
        r = graph("GET", url)
        assert r.status_code == 200, r.text
        out.extend(r.json()["value"])
        url = r.json().get("@odata.nextLink")
    return out


def ids(graph: GraphHttp, path: str) -> list[str]:
    return [o["id"] for o in everything(graph, path)]


def state(graph: GraphHttp, *paths: str) -> list[Any]:
    """The bodies of GETs on ``paths``, without per-response annotations: equal before and after = unchanged."""
    out = []
    for p in paths:
        r = graph("GET", p)
        body = r.json() if r.headers.get("content-type", "").startswith("application/json") else r.text
        if isinstance(body, dict) and "error" in body:
            body["error"].pop("innerError", None)
        out.append((r.status_code, body))
    return out


def new_group_body(**over: Any) -> dict[str, Any]:
    nick = f"g{next(_names)}{uuid.uuid4().hex[:6]}"
    body: dict[str, Any] = {
        "displayName": f"Group {nick}",
        "mailEnabled": False,
        "mailNickname": nick,
        "securityEnabled": True,
    }
    body.update(over)
    return body


def new_user_body(tenant: dict[str, Any], **over: Any) -> dict[str, Any]:
    nick = f"u{next(_names)}{uuid.uuid4().hex[:6]}"
    body: dict[str, Any] = {
        "accountEnabled": True,
        "displayName": f"User {nick}",
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@{tenant['defaultDomain']}",
        "passwordProfile": {"password": "Xy!12345678"},
    }
    body.update(over)
    return body


def make_user(graph: GraphHttp, tenant: dict[str, Any], **over: Any) -> dict[str, Any]:
    """A user created through Graph (``new_user_body`` with ``over``)."""
    r = graph("POST", "/users", json=new_user_body(tenant, **over))
    assert r.status_code == 201, r.text
    return r.json()


def make_group(graph: GraphHttp, **over: Any) -> dict[str, Any]:
    """A group created through Graph (``new_group_body`` with ``over``)."""
    r = graph("POST", "/groups", json=new_group_body(**over))
    assert r.status_code == 201, r.text
    return r.json()


def ref(object_id: str) -> dict[str, str]:
    """The ``$ref`` body a Graph client sends, with the absolute directoryObjects URL."""
    return {"@odata.id": f"{GRAPH_V1}/directoryObjects/{object_id}"}
