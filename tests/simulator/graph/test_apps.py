"""``/applications`` and ``/servicePrincipals``: registration, secrets that sign in, app role assignments."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import pytest

from tests.conftest import (
    GraphHttp,
    assert_graph_error,
    msal_token,
    token_result,
)
from tests.simulator.graph.directory_client import ids, new_group_body, state

DEFAULT_ACCESS = "00000000-0000-0000-0000-000000000000"


TENANT = {"users": 5}


def make_app(graph: GraphHttp, **over: Any) -> dict[str, Any]:
    r = graph("POST", "/applications", json={"displayName": f"App {uuid.uuid4().hex[:8]}", **over})
    assert r.status_code == 201, r.text
    return r.json()


def make_sp(graph: GraphHttp, app_id: str) -> dict[str, Any]:
    r = graph("POST", "/servicePrincipals", json={"appId": app_id})
    assert r.status_code == 201, r.text
    return r.json()


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def sp_count(graph: GraphHttp) -> int:
    return len(ids(graph, "/servicePrincipals?$select=id&$top=999"))


def app_count(graph: GraphHttp) -> int:
    return len(ids(graph, "/applications?$select=id&$top=999"))


# -- applications -------------------------------------------------------------------------------


def test_create_application(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("POST", "/applications", json={"displayName": "Payroll connector", "tags": ["hr"]})
    assert r.status_code == 201, r.text
    app = r.json()
    assert app["@odata.context"].endswith("/$metadata#applications/$entity")
    assert r.headers["Location"].endswith(f"/applications/{app['id']}")
    uuid.UUID(app["id"])
    uuid.UUID(app["appId"])
    assert app["id"] != app["appId"]
    assert app["displayName"] == "Payroll connector" and app["tags"] == ["hr"]
    assert app["signInAudience"] == "AzureADMyOrg"
    assert app["publisherDomain"] == tenant["defaultDomain"]
    assert app["passwordCredentials"] == [] and app["keyCredentials"] == []
    assert app["createdDateTime"].endswith("Z")
    got = graph("GET", f"/applications/{app['id']}")
    assert got.status_code == 200 and got.json()["appId"] == app["appId"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"displayName": ""},
        {"displayName": "x", "colour": "red"},
        {"displayName": "x", "appId": str(uuid.uuid4())},
    ],
)
def test_bad_application_is_400_and_creates_nothing(graph: GraphHttp, body: dict[str, Any]) -> None:
    before = app_count(graph)
    assert_graph_error(graph("POST", "/applications", json=body), 400, "Request_BadRequest")
    assert app_count(graph) == before


def test_update_application(graph: GraphHttp) -> None:
    app = make_app(graph)
    assert graph("PATCH", f"/applications/{app['id']}", json={"notes": "hello"}).status_code == 204
    assert graph("GET", f"/applications/{app['id']}").json()["notes"] == "hello"
    before = state(graph, f"/applications/{app['id']}")
    assert_graph_error(
        graph("PATCH", f"/applications/{app['id']}", json={"notes": "x", "appId": str(uuid.uuid4())}),
        400,
        "Request_BadRequest",
    )
    assert state(graph, f"/applications/{app['id']}") == before


def test_application_by_app_id_alternate_key(graph: GraphHttp) -> None:
    app = make_app(graph)
    r = graph("GET", f"/applications(appId='{app['appId']}')")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == app["id"]
    assert_graph_error(
        graph("GET", f"/applications(appId='{uuid.uuid4()}')"), 404, "Request_ResourceNotFound"
    )


def test_filter_and_select_applications(graph: GraphHttp) -> None:
    name = f"Filtered {uuid.uuid4().hex[:8]}"
    app = make_app(graph, displayName=name)
    make_app(graph, displayName=f"Other {name}")
    r = graph("GET", f"/applications?$filter=displayName eq '{name}'&$select=id,appId,displayName")
    assert r.status_code == 200, r.text
    assert r.json()["@odata.context"].endswith("#applications(id,appId,displayName)")
    assert r.json()["value"] == [{"id": app["id"], "appId": app["appId"], "displayName": name}]
    r = graph("GET", f"/applications?$filter=startswith(displayName,'{name[:12]}')")
    assert [a["id"] for a in r.json()["value"]] == [app["id"]]
    r = graph("GET", f"/applications?$filter=appId eq '{app['appId']}'")
    assert [a["id"] for a in r.json()["value"]] == [app["id"]]
    assert_graph_error(graph("GET", "/applications?$select=nonsense"), 400, "Request_BadRequest")


def test_unknown_application_is_404(graph: GraphHttp) -> None:
    missing = str(uuid.uuid4())
    for method, path, kw in (
        ("GET", f"/applications/{missing}", {}),
        ("PATCH", f"/applications/{missing}", {"json": {"notes": "x"}}),
        ("DELETE", f"/applications/{missing}", {}),
        ("POST", f"/applications/{missing}/addPassword", {"json": {}}),
    ):
        assert_graph_error(graph(method, path, **kw), 404, "Request_ResourceNotFound")


# -- service principals --------------------------------------------------------------------------


def test_create_service_principal(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    app = make_app(graph)
    r = graph("POST", "/servicePrincipals", json={"appId": app["appId"]})
    assert r.status_code == 201, r.text
    sp = r.json()
    assert sp["@odata.context"].endswith("/$metadata#servicePrincipals/$entity")
    assert r.headers["Location"].endswith(f"/servicePrincipals/{sp['id']}")
    assert sp["appId"] == app["appId"] and sp["id"] not in (app["id"], app["appId"])
    assert sp["displayName"] == app["displayName"] == sp["appDisplayName"]
    assert sp["servicePrincipalType"] == "Application"
    assert sp["appOwnerOrganizationId"] == tenant["id"]
    assert app["appId"] in sp["servicePrincipalNames"]
    assert sp["accountEnabled"] is True and sp["appRoleAssignmentRequired"] is False


def test_duplicate_service_principal_is_409(graph: GraphHttp) -> None:
    app = make_app(graph)
    make_sp(graph, app["appId"])
    before = sp_count(graph)
    err = assert_graph_error(
        graph("POST", "/servicePrincipals", json={"appId": app["appId"]}),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    )
    assert app["appId"] in err["message"]
    assert sp_count(graph) == before


@pytest.mark.parametrize("body", [{"appId": str(uuid.uuid4())}, {}, {"appId": ""}, {"appId": 7}])
def test_service_principal_for_unknown_app_is_400(graph: GraphHttp, body: dict[str, Any]) -> None:
    before = sp_count(graph)
    assert_graph_error(graph("POST", "/servicePrincipals", json=body), 400, "Request_BadRequest")
    assert sp_count(graph) == before


def test_service_principal_by_app_id_alternate_key_and_filter(graph: GraphHttp) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    r = graph("GET", f"/servicePrincipals(appId='{app['appId']}')")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == sp["id"]
    assert r.json()["@odata.context"].endswith("#servicePrincipals/$entity")
    sel = graph("GET", f"/servicePrincipals(appId='{app['appId']}')?$select=id,appId")
    assert set(sel.json()) == {"@odata.context", "id", "appId"}
    err = assert_graph_error(
        graph("GET", f"/servicePrincipals(appId='{uuid.uuid4()}')"), 404, "Request_ResourceNotFound"
    )
    assert err["message"]
    r = graph("GET", f"/servicePrincipals?$filter=appId eq '{app['appId']}'")
    assert r.status_code == 200, r.text
    assert [s["id"] for s in r.json()["value"]] == [sp["id"]]
    r = graph(
        "GET", f"/servicePrincipals?$filter=displayName eq '{app['displayName']}'&$select=id,displayName"
    )
    assert r.json()["value"] == [{"id": sp["id"], "displayName": app["displayName"]}]


def test_update_service_principal(graph: GraphHttp) -> None:
    sp = make_sp(graph, make_app(graph)["appId"])
    r = graph("PATCH", f"/servicePrincipals/{sp['id']}", json={"appRoleAssignmentRequired": True})
    assert r.status_code == 204
    assert graph("GET", f"/servicePrincipals/{sp['id']}").json()["appRoleAssignmentRequired"] is True
    before = state(graph, f"/servicePrincipals/{sp['id']}")
    for body in ({"appId": str(uuid.uuid4())}, {"accountEnabled": "no"}, {"colour": 1}):
        assert_graph_error(
            graph("PATCH", f"/servicePrincipals/{sp['id']}", json=body), 400, "Request_BadRequest"
        )
    assert state(graph, f"/servicePrincipals/{sp['id']}") == before


def test_delete_service_principal_by_app_id(graph: GraphHttp) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    assert graph("DELETE", f"/servicePrincipals(appId='{app['appId']}')").status_code == 204
    assert_graph_error(graph("GET", f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph("DELETE", f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")
    assert graph("GET", f"/applications/{app['id']}").status_code == 200
    assert make_sp(graph, app["appId"])["id"] != sp["id"]


def test_deleting_an_application_deletes_its_service_principal(graph: GraphHttp) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    assert graph("DELETE", f"/applications/{app['id']}").status_code == 204
    assert_graph_error(graph("GET", f"/applications/{app['id']}"), 404, "Request_ResourceNotFound")
    assert_graph_error(graph("GET", f"/servicePrincipals/{sp['id']}"), 404, "Request_ResourceNotFound")


def test_read_only_app_can_read_but_not_write_apps(graph: GraphHttp, reader: GraphHttp) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    assert reader("GET", f"/applications/{app['id']}").status_code == 200
    assert reader("GET", f"/servicePrincipals/{sp['id']}").status_code == 200
    before = state(graph, f"/applications/{app['id']}", f"/servicePrincipals/{sp['id']}")
    napps, nsps = app_count(graph), sp_count(graph)
    for method, path, body in (
        ("POST", "/applications", {"displayName": "nope"}),
        ("PATCH", f"/applications/{app['id']}", {"notes": "nope"}),
        ("POST", f"/applications/{app['id']}/addPassword", {}),
        ("DELETE", f"/applications/{app['id']}", None),
        ("POST", "/servicePrincipals", {"appId": app["appId"]}),
        ("PATCH", f"/servicePrincipals/{sp['id']}", {"notes": "nope"}),
        ("DELETE", f"/servicePrincipals/{sp['id']}", None),
    ):
        kw = {"json": body} if body is not None else {}
        assert_graph_error(reader(method, path, **kw), 403, "Authorization_RequestDenied")
    assert state(graph, f"/applications/{app['id']}", f"/servicePrincipals/{sp['id']}") == before
    assert (app_count(graph), nsps) == (napps, sp_count(graph))


# -- secrets --------------------------------------------------------------------------------------


def test_add_password_returns_the_secret_once_and_it_signs_in(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    r = graph(
        "POST", f"/applications/{app['id']}/addPassword", json={"passwordCredential": {"displayName": "ci"}}
    )
    assert r.status_code == 200, r.text
    cred = r.json()
    assert cred["@odata.context"].endswith("#microsoft.graph.passwordCredential")
    secret = cred["secretText"]
    assert isinstance(secret, str) and len(secret) >= 32
    assert cred["hint"] == secret[:3] and cred["displayName"] == "ci"
    uuid.UUID(cred["keyId"])
    assert cred["startDateTime"] < cred["endDateTime"]

    stored = graph("GET", f"/applications/{app['id']}").json()["passwordCredentials"]
    [mine] = [c for c in stored if c["keyId"] == cred["keyId"]]
    assert mine["secretText"] is None and mine["hint"] == secret[:3]

    token = msal_token(endpoints, tenant, {"clientId": app["appId"], "clientSecret": secret})
    c = claims(token)
    assert c["appid"] == app["appId"] and c["tid"] == tenant["id"] and c["oid"] == sp["id"]
    assert "roles" not in c
    # a token without application permissions is authenticated, but refused by Graph
    fresh = GraphHttp(endpoints, tenant, {"clientId": app["appId"], "clientSecret": secret})
    assert_graph_error(fresh("GET", "/users"), 403, "Authorization_RequestDenied")

    wrong = token_result(endpoints, tenant, app["appId"], secret[:-1] + ("A" if secret[-1] != "A" else "B"))
    assert wrong.get("error") == "invalid_client", wrong


def test_every_password_works_alongside_the_others(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    app = make_app(graph)
    make_sp(graph, app["appId"])
    path = f"/applications/{app['id']}/addPassword"
    secrets = [
        graph("POST", path, json={}).json()["secretText"],
        graph("POST", path).json()["secretText"],  # no body at all
        graph("POST", path, json={"passwordCredential": None}).json()["secretText"],
    ]
    assert len(set(secrets)) == 3
    for secret in secrets:
        assert "access_token" in token_result(endpoints, tenant, app["appId"], secret)
    assert len(graph("GET", f"/applications/{app['id']}").json()["passwordCredentials"]) == 3


def test_service_principal_created_after_the_secret_is_the_tokens_oid(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    app = make_app(graph)
    secret = graph("POST", f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    sp = make_sp(graph, app["appId"])
    token = msal_token(endpoints, tenant, {"clientId": app["appId"], "clientSecret": secret})
    assert claims(token)["oid"] == sp["id"]


def test_deleted_application_cannot_sign_in(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    app = make_app(graph)
    make_sp(graph, app["appId"])
    secret = graph("POST", f"/applications/{app['id']}/addPassword", json={}).json()["secretText"]
    assert "access_token" in token_result(endpoints, tenant, app["appId"], secret)
    assert graph("DELETE", f"/applications/{app['id']}").status_code == 204
    result = token_result(endpoints, tenant, app["appId"], secret)
    assert "access_token" not in result and result.get("error") in ("unauthorized_client", "invalid_client")


# -- appRoleAssignedTo ----------------------------------------------------------------------------


def assignment(principal: str, sp: dict[str, Any], role: str = DEFAULT_ACCESS) -> dict[str, str]:
    return {"principalId": principal, "resourceId": sp["id"], "appRoleId": role}


def test_app_role_assignment_lifecycle(graph: GraphHttp, user_ids: list[str]) -> None:
    sp = make_sp(graph, make_app(graph)["appId"])
    path = f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"
    r = graph("POST", path, json=assignment(user_ids[0], sp))
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["@odata.context"].endswith(f"servicePrincipals('{sp['id']}')/appRoleAssignedTo/$entity")
    assert a["appRoleId"] == DEFAULT_ACCESS
    assert a["principalId"] == user_ids[0] and a["principalType"] == "User"
    assert a["principalDisplayName"]
    assert a["resourceId"] == sp["id"] and a["resourceDisplayName"] == sp["displayName"]
    assert a["id"] and a["createdDateTime"].endswith("Z")

    listed = graph("GET", path)
    assert listed.status_code == 200
    assert listed.json()["@odata.context"].endswith(f"servicePrincipals('{sp['id']}')/appRoleAssignedTo")
    assert [x["id"] for x in listed.json()["value"]] == [a["id"]]

    r = graph("DELETE", f"{path}/{a['id']}")
    assert r.status_code == 204 and not r.content
    assert graph("GET", path).json()["value"] == []
    assert_graph_error(graph("DELETE", f"{path}/{a['id']}"), 404, "Request_ResourceNotFound")


def test_group_and_service_principal_principals(graph: GraphHttp) -> None:
    sp = make_sp(graph, make_app(graph)["appId"])
    group = graph("POST", "/groups", json=new_group_body()).json()
    other = make_sp(graph, make_app(graph)["appId"])
    path = f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"
    g = graph("POST", path, json=assignment(group["id"], sp))
    s = graph("POST", path, json=assignment(other["id"], sp))
    assert (g.status_code, s.status_code) == (201, 201), (g.text, s.text)
    assert g.json()["principalType"] == "Group" and s.json()["principalType"] == "ServicePrincipal"


def test_assignment_with_a_custom_app_role(graph: GraphHttp, user_ids: list[str]) -> None:
    role_id = str(uuid.uuid4())
    role = {
        "id": role_id,
        "allowedMemberTypes": ["User"],
        "displayName": "msiam_access",
        "description": "msiam_access",
        "value": None,
        "isEnabled": True,
    }
    app = make_app(graph, appRoles=[role])
    sp = make_sp(graph, app["appId"])
    assert [r["id"] for r in sp["appRoles"]] == [role_id]
    r = graph(
        "POST", f"/servicePrincipals/{sp['id']}/appRoleAssignedTo", json=assignment(user_ids[1], sp, role_id)
    )
    assert r.status_code == 201, r.text
    assert r.json()["appRoleId"] == role_id


def test_refused_assignments_change_nothing(graph: GraphHttp, user_ids: list[str]) -> None:
    sp = make_sp(graph, make_app(graph)["appId"])
    other = make_sp(graph, make_app(graph)["appId"])
    path = f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"
    assert graph("POST", path, json=assignment(user_ids[2], sp)).status_code == 201
    before = state(graph, path)
    err = assert_graph_error(graph("POST", path, json=assignment(user_ids[2], sp)), 400, "Request_BadRequest")
    assert "already exists" in err["message"]
    missing = str(uuid.uuid4())
    err = assert_graph_error(
        graph("POST", path, json=assignment(missing, sp)), 404, "Request_ResourceNotFound"
    )
    assert missing in err["message"]
    application = make_app(graph)  # an application object is not a principal
    assert_graph_error(
        graph("POST", path, json=assignment(application["id"], sp)), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(
        graph("POST", path, json=assignment(user_ids[3], sp, str(uuid.uuid4()))), 400, "Request_BadRequest"
    )
    assert_graph_error(graph("POST", path, json=assignment(user_ids[3], other)), 400, "Request_BadRequest")
    assert_graph_error(
        graph("POST", path, json={"principalId": user_ids[3], "resourceId": sp["id"]}),
        400,
        "Request_BadRequest",
    )
    assert state(graph, path) == before
    assert_graph_error(graph("DELETE", f"{path}/no-such-assignment"), 404, "Request_ResourceNotFound")
    assert_graph_error(
        graph("GET", f"/servicePrincipals/{uuid.uuid4()}/appRoleAssignedTo"), 404, "Request_ResourceNotFound"
    )


def test_read_only_app_cannot_assign(graph: GraphHttp, reader: GraphHttp, user_ids: list[str]) -> None:
    sp = make_sp(graph, make_app(graph)["appId"])
    path = f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"
    a = graph("POST", path, json=assignment(user_ids[0], sp)).json()
    before = state(graph, path)
    assert reader("GET", path).status_code == 200
    assert_graph_error(
        reader("POST", path, json=assignment(user_ids[1], sp)), 403, "Authorization_RequestDenied"
    )
    assert_graph_error(reader("DELETE", f"{path}/{a['id']}"), 403, "Authorization_RequestDenied")
    assert state(graph, path) == before


def test_deleting_the_service_principal_removes_its_assignments(
    graph: GraphHttp, user_ids: list[str]
) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    a = graph(
        "POST", f"/servicePrincipals/{sp['id']}/appRoleAssignedTo", json=assignment(user_ids[0], sp)
    ).json()
    assert graph("DELETE", f"/servicePrincipals/{sp['id']}").status_code == 204
    assert_graph_error(
        graph("GET", f"/servicePrincipals/{sp['id']}/appRoleAssignedTo"), 404, "Request_ResourceNotFound"
    )
    fresh = make_sp(graph, app["appId"])
    assert a["id"] not in ids(graph, f"/servicePrincipals/{fresh['id']}/appRoleAssignedTo")


def test_beta_answers_service_principals(graph: GraphHttp) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}/servicePrincipals(appId='{app['appId']}')")
    assert r.status_code == 200, r.text
    assert r.json()["id"] == sp["id"]
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#servicePrincipals")
    r = graph("GET", f"{beta}/applications?$filter=appId eq '{app['appId']}'")
    assert [a["id"] for a in r.json()["value"]] == [app["id"]]


def test_alternate_key_reaches_nested_paths(graph: GraphHttp, user_ids: list[str]) -> None:
    app = make_app(graph)
    sp = make_sp(graph, app["appId"])
    r = graph("POST", f"/applications(appId='{app['appId']}')/addPassword", json={})
    assert r.status_code == 200, r.text
    path = f"/servicePrincipals(appId='{app['appId']}')/appRoleAssignedTo"
    r = graph("POST", path, json=assignment(user_ids[0], sp))
    assert r.status_code == 201, r.text
    assert [a["id"] for a in graph("GET", path).json()["value"]] == [r.json()["id"]]


@pytest.mark.parametrize(
    "body",
    [
        {"passwordCredential": "ci"},
        {"passwordCredential": {"displayName": 7}},
        [],
    ],
)
def test_malformed_add_password_is_400_and_adds_nothing(graph: GraphHttp, body: Any) -> None:
    app = make_app(graph)
    before = state(graph, f"/applications/{app['id']}")
    r = graph("POST", f"/applications/{app['id']}/addPassword", json=body)
    assert_graph_error(r, 400, "Request_BadRequest")
    assert state(graph, f"/applications/{app['id']}") == before
