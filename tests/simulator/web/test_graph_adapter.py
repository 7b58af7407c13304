"""The Graph adapter's direct way answers byte for byte as its Flask app does, and takes the regular requests.

``GraphApp`` sends a regular request straight to the router and leaves the rest to the Flask app it wraps
(``GraphApp.flask``). Each request below is sent once each way through the same router; the answers
must match exactly once the values that differ per call (request ids, new object ids, dates) are masked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterable
from typing import Any

import pytest
from werkzeug.test import EnvironBuilder

from simulator.clouds import Cloud
from simulator.web.graph_app import GraphApp
from tests.conftest import GraphHttp

TENANT = {"cloud": "commercial", "users": 5, "name": "Adapter Twins Ltd"}
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)
_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?")
_TOKEN = re.compile(r"(\$(?:delta|skip)token=)[^\"&]+")


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, dropped: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.dropped = dropped

    def masked(self) -> tuple[str, list[tuple[str, str]], str, bool]:
        def mask(text: str) -> str:
            return _TOKEN.sub(r"\1<token>", _TIME.sub("<time>", _UUID.sub("<id>", text)))

        headers = [(k, mask(v)) for k, v in self.headers]
        for i, (k, v) in enumerate(headers):
            if k == "Content-Length":  # the masked values may differ in length
                assert int(v) == len(self.body) or not self.body  # HEAD: the length of what GET sends
                headers[i] = (k, "<length>")
        return self.status, headers, mask(self.body.decode("utf-8", "replace")), self.dropped


def call(app: Any, method: str, path: str, token: str, **kw: Any) -> Answer:
    headers = {"Authorization": f"Bearer {token}", "Host": "127.0.0.1:4443", **kw.pop("headers", {})}
    environ = EnvironBuilder(
        path=path, method=method, base_url="https://127.0.0.1:4443", headers=headers, **kw
    ).get_environ()
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, list(headers)

    chunks: Iterable[bytes] = app(environ, start_response)
    body = b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return Answer(seen["status"], seen["headers"], body, bool(environ.get("ccsync.drop_connection")))


@pytest.fixture(scope="module")
def adapter(ccsync_simulator: Any) -> GraphApp:
    return GraphApp(Cloud.COMMERCIAL, ccsync_simulator.router)


def both(adapter: GraphApp, token: str, method: str, path: str, **kw: Any) -> tuple[Answer, Answer]:
    direct = call(adapter, method, path, token, **json.loads(json.dumps(kw)))
    flask = call(adapter.flask, method, path, token, **json.loads(json.dumps(kw)))
    return direct, flask


def new_user_body() -> dict[str, Any]:
    nick = "twin" + uuid.uuid4().hex[:10]
    return {
        "accountEnabled": True,
        "displayName": nick,
        "mailNickname": nick,
        "userPrincipalName": f"{nick}@{{domain}}",
        "passwordProfile": {"password": "Xy!" + nick + "Aa1"},
    }


def test_reads_and_errors_answer_alike(adapter: GraphApp, graph: GraphHttp, tenant: dict[str, Any]) -> None:
    uid = graph("GET", "/users?$top=1").json()["value"][0]["id"]
    requests: list[tuple[str, str, dict[str, Any]]] = [
        ("GET", "/v1.0/users", {}),
        ("GET", "/v1.0/users?$top=2&$select=id,displayName", {}),
        ("GET", "/v1.0/users?%24top=2&%24count=true", {"headers": {"ConsistencyLevel": "eventual"}}),
        ("GET", f"/v1.0/users/{uid}", {"headers": {"client-request-id": "twin-1"}}),
        ("GET", f"/beta/users/{uid}/", {}),
        ("GET", f"/v1.0/users('{uid}')", {}),
        ("GET", "/v1.0/users/$count", {"headers": {"ConsistencyLevel": "eventual"}}),
        ("GET", "/v1.0/users/$count", {}),
        ("GET", f"/v1.0/users/{uuid.uuid4()}", {}),
        ("GET", "/v1.0/users?$filter=startswith(displayName,'é')", {}),
        ("GET", "/v1.0/users?$top=x", {}),
        ("GET", "/v1.0/users/delta", {}),
        ("GET", "/v1.0/notARealThing/é", {}),
        ("GET", "/v1.0/devices", {}),
        ("PUT", "/v1.0/users", {}),
        ("POST", "/v1.0/users", {"data": "{not json", "content_type": "application/json"}),
        ("POST", "/v1.0/users", {"data": "", "content_type": "application/json"}),
        ("GET", "/v1.0/users", {"headers": {"Authorization": "Bearer nope"}}),
        ("GET", "/v1.0/users", {"headers": {"Host": "LOCALHOST:4443"}}),
        # left to the Flask app by the direct way: both answers come from it, and must still agree
        ("GET", "/v1.0/users?$top=1&$top=2", {}),
        ("GET", "/v9.9/users", {}),
        ("GET", "/v1.0//users", {}),
        ("GET", "/v1.0", {}),
        ("HEAD", "/v1.0/users", {}),
        ("OPTIONS", "/v1.0/users", {}),
        ("PROPFIND", "/v1.0/users", {}),
    ]
    for method, path, kw in requests:
        direct, flask = both(adapter, graph.token, method, path, **kw)
        assert direct.masked() == flask.masked(), (method, path)


def test_writes_answer_alike(adapter: GraphApp, graph: GraphHttp, tenant: dict[str, Any]) -> None:
    domain = tenant["defaultDomain"]
    created: list[str] = []
    for app in (adapter, adapter.flask):
        body = new_user_body()
        body["userPrincipalName"] = body["userPrincipalName"].format(domain=domain)
        answer = call(app, "POST", "/v1.0/users", graph.token, json=body)
        assert answer.status == "201 CREATED", answer.body
        created.append(json.loads(answer.body)["id"])
    direct_create = call(adapter, "POST", "/v1.0/users", graph.token, json={"displayName": "x"})
    flask_create = call(adapter.flask, "POST", "/v1.0/users", graph.token, json={"displayName": "x"})
    assert direct_create.masked() == flask_create.masked()
    pairs = []
    for app, uid in zip((adapter, adapter.flask), created, strict=True):
        patched = call(app, "PATCH", f"/v1.0/users/{uid}", graph.token, json={"jobTitle": "Twin"})
        read = call(app, "GET", f"/v1.0/users/{uid}?$select=jobTitle", graph.token)
        deleted = call(app, "DELETE", f"/v1.0/users/{uid}", graph.token)
        pairs.append((patched, read, deleted))
    for direct, flask in zip(*pairs, strict=True):
        assert direct.masked() == flask.masked()
    assert pairs[0][0].status == "204 NO CONTENT" and pairs[0][2].status == "204 NO CONTENT"
    assert json.loads(pairs[0][1].body)["jobTitle"] == "Twin"


def test_regular_requests_do_not_go_through_flask(
    adapter: GraphApp, graph: GraphHttp, monkeypatch: pytest.MonkeyPatch
) -> None:
    taken: list[str] = []
    flask = adapter.flask

    def spy(environ: dict[str, Any], start_response: Any) -> Any:
        taken.append(environ["PATH_INFO"])
        return flask(environ, start_response)

    monkeypatch.setattr(adapter, "flask", spy)
    uid = json.loads(call(adapter, "GET", "/v1.0/users?$top=1", graph.token).body)["value"][0]["id"]
    call(adapter, "GET", f"/v1.0/users/{uid}", graph.token)
    call(adapter, "PATCH", f"/beta/users/{uid}", graph.token, json={"jobTitle": "Direct"})
    call(adapter, "GET", f"/v1.0/users/{uuid.uuid4()}", graph.token)  # a router error: still direct
    assert taken == []
    call(adapter, "GET", "/v1.0/users?$top=1&$top=2", graph.token)
    call(adapter, "POST", "/v1.0/users", graph.token, data=b"{" + b" " * (5 << 20) + b"}")
    assert taken == ["/v1.0/users", "/v1.0/users"]
