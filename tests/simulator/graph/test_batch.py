"""JSON batching (``POST /$batch``): batch-level 400s, per-item answers, dependencies, real msgraph-sdk."""

from __future__ import annotations

import asyncio
import base64
import json
import urllib.request
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from simulator.clouds import Cloud
from simulator.directory.store import Store
from simulator.graph import batch
from simulator.graph.resources import batch as batch_resource
from simulator.graph.resources import users as users_resource
from simulator.graph.router import GraphRouter, Route
from simulator.wire.message import GraphRequest, GraphResponse, Headers
from simulator.world import seed_tenant
from tests.conftest import GraphHttp, app_of, assert_graph_error, reader_of
from tests.simulator.graph.directory_client import count, new_user_body

JSON = {"Content-Type": "application/json"}


TENANT = {"cloud": "commercial", "users": 12, "name": "Batch Ltd"}


def run(graph: GraphHttp, *items: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """POST a batch that must parse; its responses by id (checking they come back in array order)."""
    r = graph("POST", "/$batch", json={"requests": list(items)})
    assert r.status_code == 200, r.text
    responses = r.json()["responses"]
    assert [x["id"] for x in responses] == [i["id"] for i in items]
    for x in responses:
        assert all(isinstance(v, str) for v in x["headers"].values())
    return {x["id"]: x for x in responses}


def assert_item_error(item: dict[str, Any], status: int, code: str) -> dict[str, Any]:
    assert item["status"] == status, item
    assert item["headers"]["Content-Type"].startswith("application/json")
    err = item["body"]["error"]
    assert err["code"] == code, err
    assert err["message"]
    assert set(err["innerError"]) >= {"date", "request-id", "client-request-id"}
    return err


# -- items run and answer one by one ----------------------------------------------------------


def test_mixed_reads_and_writes_answer_per_item(
    graph: GraphHttp, tenant: dict[str, Any], user_ids: list[str]
) -> None:
    doomed = graph("POST", "/users", json=new_user_body(tenant)).json()["id"]
    created = new_user_body(tenant)
    out = run(
        graph,
        {"id": "get", "method": "GET", "url": f"/users/{user_ids[0]}?$select=id,displayName"},
        {"id": "post", "method": "POST", "url": "/users", "headers": JSON, "body": created},
        {
            "id": "patch",
            "method": "PATCH",
            "url": f"users/{user_ids[1]}",
            "headers": JSON,
            "body": {"jobTitle": "Batcher"},
        },
        {"id": "delete", "method": "delete", "url": f"/users/{doomed}"},
    )
    assert out["get"]["status"] == 200
    assert out["get"]["body"]["id"] == user_ids[0]
    assert set(out["get"]["body"]) == {"@odata.context", "id", "displayName"}
    assert out["get"]["headers"]["OData-Version"] == "4.0"
    assert out["post"]["status"] == 201
    new_id = out["post"]["body"]["id"]
    assert out["post"]["body"]["userPrincipalName"] == created["userPrincipalName"]
    assert out["post"]["headers"]["Location"].endswith(f"/users/{new_id}")
    for key in ("patch", "delete"):
        assert out[key]["status"] == 204
        assert "body" not in out[key] and "Content-Type" not in out[key]["headers"]
    # the writes really happened
    assert graph("GET", f"/users/{new_id}").status_code == 200
    assert graph("GET", f"/users/{user_ids[1]}?$select=jobTitle").json()["jobTitle"] == "Batcher"
    assert graph("GET", f"/users/{doomed}").status_code == 404


def test_missing_object_is_an_item_404(graph: GraphHttp, user_ids: list[str]) -> None:
    out = run(
        graph,
        {"id": "1", "method": "GET", "url": "/users/00000000-0000-0000-0000-000000000000"},
        {"id": "2", "method": "GET", "url": f"/users/{user_ids[0]}"},
    )
    assert_item_error(out["1"], 404, "Request_ResourceNotFound")
    assert out["2"]["status"] == 200


def test_count_item_answers_a_text_body(graph: GraphHttp) -> None:
    out = run(
        graph,
        {"id": "n", "method": "GET", "url": "/users/$count", "headers": {"ConsistencyLevel": "eventual"}},
        {"id": "no-header", "method": "GET", "url": "/users/$count"},
    )
    assert out["n"]["headers"]["Content-Type"].startswith("text/plain")
    assert out["n"]["body"] == str(count(graph, "/users"))
    assert_item_error(out["no-header"], 400, "Request_BadRequest")


def test_item_query_is_percent_decoded(graph: GraphHttp, user_ids: list[str]) -> None:
    out = run(
        graph,
        {"id": "1", "method": "GET", "url": f"/users?$filter=id%20eq%20%27{user_ids[2]}%27&$select=id"},
        {"id": "2", "method": "GET", "url": f"/users?$filter=id eq '{user_ids[3]}'&$select=id"},
    )
    assert [u["id"] for u in out["1"]["body"]["value"]] == [user_ids[2]]
    assert [u["id"] for u in out["2"]["body"]["value"]] == [user_ids[3]]


def test_absolute_urls_of_this_version_work(graph: GraphHttp, user_ids: list[str]) -> None:
    host_root = graph.root.rsplit("/", 1)[0]
    out = run(
        graph,
        {"id": "1", "method": "GET", "url": f"{graph.root}/users/{user_ids[0]}"},
        {"id": "2", "method": "GET", "url": f"https://graph.microsoft.com/v1.0/users/{user_ids[1]}"},
        {"id": "3", "method": "GET", "url": f"{host_root}/beta/users/{user_ids[0]}"},
        {"id": "4", "method": "GET", "url": f"{host_root}/_simulator/tenants"},
    )
    assert out["1"]["body"]["id"] == user_ids[0]
    assert out["2"]["body"]["id"] == user_ids[1]
    for key in ("3", "4"):
        assert "/v1.0" in assert_item_error(out[key], 400, "BadRequest")["message"]


def test_item_faults_are_item_400s(graph: GraphHttp, tenant: dict[str, Any], user_ids: list[str]) -> None:
    before = count(graph, "/users")
    out = run(
        graph,
        {"id": "no-ctype", "method": "POST", "url": "/users", "body": new_user_body(tenant)},
        {"id": "nested", "method": "POST", "url": "/$batch", "headers": JSON, "body": {"requests": []}},
        {"id": "verb", "method": "HEAD", "url": f"/users/{user_ids[0]}"},
        {"id": "b64", "method": "POST", "url": "/users", "headers": JSON, "body": "not base64!"},
        {"id": "ok", "method": "GET", "url": f"/users/{user_ids[0]}"},
    )
    assert "Content-Type" in assert_item_error(out["no-ctype"], 400, "BadRequest")["message"]
    assert "$batch" in assert_item_error(out["nested"], 400, "BadRequest")["message"]
    assert "HEAD" in assert_item_error(out["verb"], 400, "BadRequest")["message"]
    assert "base64" in assert_item_error(out["b64"], 400, "BadRequest")["message"]
    assert out["ok"]["status"] == 200
    assert count(graph, "/users") == before


def test_base64_body_is_decoded(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    body = new_user_body(tenant)
    encoded = base64.b64encode(json.dumps(body).encode()).decode()
    out = run(graph, {"id": "1", "method": "POST", "url": "/users", "headers": JSON, "body": encoded})
    assert out["1"]["status"] == 201
    assert out["1"]["body"]["userPrincipalName"] == body["userPrincipalName"]


def test_read_only_app_gets_item_403_for_writes(
    endpoints: dict[str, Any], tenant: dict[str, Any], user_ids: list[str]
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    out = run(
        reader,
        {"id": "read", "method": "GET", "url": f"/users/{user_ids[0]}"},
        {"id": "write", "method": "POST", "url": "/users", "headers": JSON, "body": new_user_body(tenant)},
        {"id": "read-again", "method": "GET", "url": "/users?$top=1"},
    )
    assert_item_error(out["write"], 403, "Authorization_RequestDenied")
    assert out["read"]["status"] == 200 and out["read-again"]["status"] == 200


def test_client_request_id_of_an_item_is_echoed_in_its_error(graph: GraphHttp) -> None:
    out = run(
        graph,
        {
            "id": "1",
            "method": "GET",
            "url": "/users/nobody",
            "headers": {"client-request-id": "abc-123"},
        },
    )
    assert assert_item_error(out["1"], 404, "Request_ResourceNotFound")["innerError"][
        "client-request-id"
    ] == ("abc-123")


# -- dependencies ------------------------------------------------------------------------------


def test_dependents_of_a_failed_item_get_424(
    graph: GraphHttp, tenant: dict[str, Any], user_ids: list[str]
) -> None:
    before = count(graph, "/users")
    out = run(
        graph,
        {"id": "missing", "method": "GET", "url": "/users/nobody"},
        {
            "id": "create",
            "method": "POST",
            "url": "/users",
            "headers": JSON,
            "body": new_user_body(tenant),
            "dependsOn": ["MISSING"],
        },
        {"id": "after", "method": "GET", "url": f"/users/{user_ids[0]}", "dependsOn": ["create"]},
        {"id": "free", "method": "GET", "url": f"/users/{user_ids[0]}"},
        {"id": "fine", "method": "GET", "url": f"/users/{user_ids[1]}", "dependsOn": ["free"]},
    )
    assert_item_error(out["missing"], 404, "Request_ResourceNotFound")
    assert_item_error(out["create"], 424, "FailedDependency")
    assert_item_error(out["after"], 424, "FailedDependency")
    assert out["free"]["status"] == 200 and out["fine"]["status"] == 200
    assert count(graph, "/users") == before


def test_snake_case_depends_on_is_ignored(graph: GraphHttp, user_ids: list[str]) -> None:
    out = run(
        graph,
        {"id": "1", "method": "GET", "url": "/users/nobody", "depends_on": []},
        {"id": "2", "method": "GET", "url": f"/users/{user_ids[0]}", "depends_on": ["1"]},
        {"id": "3", "method": "GET", "url": f"/users/{user_ids[0]}", "depends_on": ["later-or-unknown"]},
    )
    assert out["1"]["status"] == 404
    assert out["2"]["status"] == 200 and out["3"]["status"] == 200


def test_snake_case_depends_on_can_be_honoured() -> None:
    doc = {
        "requests": [
            {"id": "a", "method": "GET", "url": "/users"},
            {"id": "b", "method": "GET", "url": "/users", "depends_on": ["A"], "dependsOn": ["a"]},
        ]
    }
    assert batch.parse_batch(doc)[1].depends_on == ("a",)
    assert batch.parse_batch(doc, honour_snake_depends_on=True)[1].depends_on == ("a",)
    doc["requests"][1].pop("dependsOn")
    assert batch.parse_batch(doc)[1].depends_on == ()
    assert batch.parse_batch(doc, honour_snake_depends_on=True)[1].depends_on == ("A",)


# -- whole-batch 400s --------------------------------------------------------------------------


def batch_400(graph: GraphHttp, payload: Any, fragment: str, **kw: Any) -> None:
    before = count(graph, "/users")
    r = (
        graph("POST", "/$batch", json=payload, **kw)
        if payload is not None
        else graph("POST", "/$batch", **kw)
    )
    err = assert_graph_error(r, 400, "BadRequest")
    assert fragment.lower() in err["message"].lower(), err["message"]
    assert count(graph, "/users") == before


def test_dependency_on_a_later_or_unknown_id_fails_the_batch(
    graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    write = {"id": "w", "method": "POST", "url": "/users", "headers": JSON, "body": new_user_body(tenant)}
    read = {"id": "r", "method": "GET", "url": "/users"}
    batch_400(
        graph,
        {"requests": [write, {**read, "dependsOn": ["later"]}, {**read, "id": "later"}]},
        "Invalid dependency",
    )
    batch_400(
        graph,
        {"requests": [write, {**read, "dependsOn": ["ghost"]}]},
        "Invalid dependency for request Id 'r'",
    )
    batch_400(graph, {"requests": [write, {**read, "dependsOn": ["r"]}]}, "Invalid dependency")


def test_duplicate_ids_ignoring_case_fail_the_batch(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    write = {"id": "Same", "method": "POST", "url": "/users", "headers": JSON, "body": new_user_body(tenant)}
    batch_400(graph, {"requests": [write, {"id": "sAME", "method": "GET", "url": "/users"}]}, "duplicated")


def test_batch_of_none_or_more_than_20_items_is_400(graph: GraphHttp, user_ids: list[str]) -> None:
    item = {"method": "GET", "url": f"/users/{user_ids[0]}"}
    batch_400(graph, {"requests": [{**item, "id": str(i)} for i in range(21)]}, "limit of 20")
    batch_400(graph, {"requests": []}, "at least one")
    assert len(run(graph, *({**item, "id": str(i)} for i in range(20)))) == 20


def test_malformed_batch_documents_are_400(graph: GraphHttp) -> None:
    batch_400(graph, None, "JSON", content=b"{not json", headers=JSON)
    batch_400(graph, None, "Empty Payload", headers=JSON)
    batch_400(graph, [{"id": "1", "method": "GET", "url": "/users"}], "JSON object")
    batch_400(graph, {"requests": {"id": "1"}}, "'requests' must be an array")
    batch_400(graph, {"value": []}, "'requests' must be an array")
    for bad_item, fragment in (
        ("GET /users", "not a JSON object"),
        ({"method": "GET", "url": "/users"}, "no 'id'"),
        ({"id": 1, "method": "GET", "url": "/users"}, "no 'id'"),
        ({"id": "1", "url": "/users"}, "'method'"),
        ({"id": "1", "method": "GET"}, "'url'"),
        ({"id": "1", "method": "GET", "url": "/users", "headers": ["a"]}, "'headers'"),
        ({"id": "1", "method": "GET", "url": "/users", "dependsOn": "0"}, "'dependsOn'"),
    ):
        batch_400(graph, {"requests": [bad_item]}, fragment)


def test_batch_is_post_only(graph: GraphHttp) -> None:
    assert_graph_error(graph("GET", "/$batch"), 405, "Request_BadRequest")


# -- in-process: throttling per item, registration flag -----------------------------------------------------------


@dataclass(frozen=True)
class _Caller:
    tenant_id: str
    app_id: str = "app"
    roles: frozenset[str] = frozenset({"User.ReadWrite.All"})
    sp_id: str = "sp"


class _ThrottleUserReads:
    """A Traffic that answers every ``GET /users/{id}`` with 429 and counts what it saw."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def admit(self, cloud: Cloud, req: GraphRequest, caller: Any, route: Route) -> GraphResponse | None:
        self.seen.append(f"{req.method} {req.path}")
        if req.method == "GET" and req.path.startswith("/users/"):
            return GraphResponse(429, {"error": {"code": "TooManyRequests"}}, {"Retry-After": "7"})
        return None

    def settle(self, cloud: Cloud, req: GraphRequest, caller: Any, route: Route, resp: GraphResponse) -> None:
        resp.headers["x-ms-resource-unit"] = "1"


def in_process(
    *, honour_snake_depends_on: bool = batch.HONOUR_SNAKE_DEPENDS_ON
) -> tuple[GraphRouter, str, str]:
    """A router over a small fresh store with users and $batch: (router, tenant id, a user id)."""
    store = Store()
    t = seed_tenant(store, name="Inproc", cloud=Cloud.COMMERCIAL, users=3, seed=5)

    def no_tokens(auth: str | None, cloud: Cloud) -> Any:
        raise AssertionError("batch items must not be re-authenticated")

    router = GraphRouter(store, no_tokens)
    users_resource.register(router)
    batch_resource.register(router, honour_snake_depends_on=honour_snake_depends_on)
    return router, t.id, next(iter(t.users.items))


def post_in_process(router: GraphRouter, tenant_id: str, *items: dict[str, Any]) -> list[dict[str, Any]]:
    body = json.dumps({"requests": list(items)}).encode()
    req = GraphRequest("POST", "/$batch", headers=Headers(JSON), body=body, base_url="https://sim")
    resp = router.handle(Cloud.COMMERCIAL, req, caller=_Caller(tenant_id))
    assert resp.status == 200, resp.body
    return resp.body["responses"]


def test_items_are_throttled_one_by_one_and_keep_retry_after() -> None:
    router, tenant_id, uid = in_process()
    traffic = _ThrottleUserReads()
    router.traffic = traffic
    first, second = post_in_process(
        router,
        tenant_id,
        {"id": "1", "method": "GET", "url": f"/users/{uid}"},
        {"id": "2", "method": "GET", "url": "/users?$top=1"},
    )
    assert first["status"] == 429 and first["headers"]["Retry-After"] == "7"
    assert second["status"] == 200 and second["headers"]["x-ms-resource-unit"] == "1"
    assert second["body"]["@odata.context"].startswith("https://sim/v1.0/")
    assert traffic.seen == ["POST /$batch", f"GET /users/{uid}", "GET /users"]


def test_registration_flag_sequences_on_snake_case_depends_on() -> None:
    items = (
        {"id": "1", "method": "GET", "url": "/users/nobody", "depends_on": []},
        {"id": "2", "method": "GET", "url": "/users?$top=1", "depends_on": ["1"]},
    )
    router, tenant_id, _ = in_process(honour_snake_depends_on=True)
    assert [x["status"] for x in post_in_process(router, tenant_id, *items)] == [404, 424]
    router, tenant_id, _ = in_process()
    assert [x["status"] for x in post_in_process(router, tenant_id, *items)] == [404, 200]


# -- the real msgraph-sdk ----------------------------------------------------------------------


def test_msgraph_sdk_batch_round_trip(
    endpoints: dict[str, Any], tenant: dict[str, Any], user_ids: list[str]
) -> None:
    pytest.importorskip(
        "deprecated", reason="msgraph-core's batch module imports 'deprecated' without declaring it"
    )
    from msgraph.generated.models.password_profile import PasswordProfile
    from msgraph.generated.models.user import User
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem

    from tests.simulator.graph.test_msgraph_sdk import graph_client

    client = graph_client(endpoints, tenant, app_of(tenant))
    root = f"{endpoints['clouds'][tenant['cloud']]['graph']}/v1.0"
    nick = f"sdkb{uuid.uuid4().hex[:8]}"
    upn = f"{nick}@{tenant['defaultDomain']}"

    async def scenario() -> None:
        content = BatchRequestContent()
        for n, uid in enumerate(user_ids[:2], start=1):
            info = client.users.by_user_id(uid).to_get_request_information()
            content.add_request(str(n), BatchRequestItem(info, id=str(n)))
        missing = client.users.by_user_id("nobody").to_get_request_information()
        content.add_request("3", BatchRequestItem(missing, id="3"))
        create = client.users.to_post_request_information(
            User(
                account_enabled=True,
                display_name="Sdk Batch",
                mail_nickname=nick,
                user_principal_name=upn,
                password_profile=PasswordProfile(password="Xy!12345678"),
            )
        )
        # depends_on is serialized snake case; the simulator, like Graph, does not sequence on it
        content.add_request("4", BatchRequestItem(create, id="4", depends_on=["3"]))
        # an absolute URL, as msgraph-core sends for urllib requests and adapter-bound request infos
        content.add_urllib_request(urllib.request.Request(f"{root}/users/{user_ids[2]}"), "5")
        result = await client.batch.post(batch_request_content=content)
        codes = result.get_response_status_codes()
        five = next(k for k in codes if k not in {"1", "2", "3", "4"})
        assert {k: v for k, v in codes.items() if k != five} == {"1": 200, "2": 200, "3": 404, "4": 201}
        assert codes[five] == 200
        assert result.get_response_by_id("4").content_type.startswith("application/json")
        got = await client.users.by_user_id(upn).get()
        assert got.display_name == "Sdk Batch"

    asyncio.run(scenario())
