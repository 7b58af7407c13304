"""``/policies/crossTenantAccessPolicy``: cloud settings, default, partners and identity synchronization."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import GraphHttp, app_of, assert_graph_error, control_tenant
from tests.simulator.graph.directory_client import state

BASE = "/policies/crossTenantAccessPolicy"
PARTNERS = f"{BASE}/partners"
NOT_FOUND = "Directory_ObjectNotFound"
CONFLICT = "Request_MultipleObjectsWithSameKeyValue"

FRESH_PARTNER_NULLS = {
    "isServiceProvider": None,
    "inboundTrust": None,
    "b2bCollaborationOutbound": None,
    "b2bCollaborationInbound": None,
    "b2bDirectConnectOutbound": None,
    "b2bDirectConnectInbound": None,
    "tenantRestrictions": None,
    "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None},
    "crossCloudMeetingConfiguration": {"inboundAllowed": None, "outboundAllowed": None},
    "protectedContentSharing": {"inboundAllowed": None, "outboundAllowed": None},
}


TENANT = {"users": 0}


@pytest.fixture(scope="module")
def gcch_tenant(ccsync_simulator: Any) -> dict[str, Any]:
    return control_tenant(ccsync_simulator, cloud="gcch", users=0)


@pytest.fixture
def fresh(ccsync_simulator: Any, endpoints: dict[str, Any]) -> GraphHttp:
    """Admin Graph of a brand-new commercial tenant, for tests that change the base policy."""
    t = control_tenant(ccsync_simulator, users=0)
    return GraphHttp(endpoints, t, app_of(t))


def partner(graph: GraphHttp, tid: str | None = None) -> str:
    tid = tid or str(uuid.uuid4())
    r = graph("POST", PARTNERS, json={"tenantId": tid})
    assert r.status_code == 201, r.text
    return tid


# -- base policy ----------------------------------------------------------------------------------


def test_base_policy_allows_no_other_cloud_by_default(fresh: GraphHttp) -> None:
    r = fresh("GET", BASE)
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#policies/crossTenantAccessPolicy/$entity")
    assert body["allowedCloudEndpoints"] == []
    assert isinstance(body["displayName"], str) and body["displayName"]


def test_patch_allowed_cloud_endpoints(fresh: GraphHttp) -> None:
    r = fresh(
        "PATCH", BASE, json={"allowedCloudEndpoints": ["microsoftonline.us", "partner.microsoftonline.cn"]}
    )
    assert r.status_code == 204 and not r.content
    assert fresh("GET", BASE).json()["allowedCloudEndpoints"] == [
        "microsoftonline.us",
        "partner.microsoftonline.cn",
    ]
    assert fresh("PATCH", BASE, json={"allowedCloudEndpoints": ["microsoftonline.us"]}).status_code == 204
    assert fresh("GET", BASE).json()["allowedCloudEndpoints"] == ["microsoftonline.us"]
    assert fresh("PATCH", BASE, json={"allowedCloudEndpoints": []}).status_code == 204
    assert fresh("GET", BASE).json()["allowedCloudEndpoints"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"allowedCloudEndpoints": ["microsoftonline.de"]},
        {"allowedCloudEndpoints": ["microsoftonline.us", "graph.microsoft.us"]},
        {"allowedCloudEndpoints": ["microsoftonline.com"]},  # the tenant's own cloud
        {"allowedCloudEndpoints": ["microsoftonline.us", "microsoftonline.com"]},
        {"allowedCloudEndpoints": "microsoftonline.us"},
        {"allowedCloudEndpoints": [1]},
        {"somethingElse": True},
        ["microsoftonline.us"],
    ],
)
def test_bad_allowed_cloud_endpoints_are_400_and_change_nothing(graph: GraphHttp, body: Any) -> None:
    before = state(graph, BASE)
    assert_graph_error(graph("PATCH", BASE, json=body), 400, "Request_BadRequest")
    assert state(graph, BASE) == before


def test_own_cloud_is_refused_in_gcch_too(endpoints: dict[str, Any], gcch_tenant: dict[str, Any]) -> None:
    gov = GraphHttp(endpoints, gcch_tenant, app_of(gcch_tenant))
    before = state(gov, BASE)
    assert_graph_error(
        gov("PATCH", BASE, json={"allowedCloudEndpoints": ["microsoftonline.us"]}), 400, "Request_BadRequest"
    )
    assert state(gov, BASE) == before


# -- default configuration -----------------------------------------------------------------------


def test_default_configuration(graph: GraphHttp) -> None:
    r = graph("GET", f"{BASE}/default")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#policies/crossTenantAccessPolicy/default/$entity")
    assert body["isServiceDefault"] is True
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": False, "outboundAllowed": False}
    assert body["inboundTrust"]["isMfaAccepted"] is False
    assert body["b2bCollaborationInbound"]["usersAndGroups"]["accessType"] == "allowed"
    assert body["b2bDirectConnectOutbound"]["usersAndGroups"]["accessType"] == "blocked"


def test_patch_default_then_reset(fresh: GraphHttp) -> None:
    r = fresh("PATCH", f"{BASE}/default", json={"automaticUserConsentSettings": {"inboundAllowed": True}})
    assert r.status_code == 204
    body = fresh("GET", f"{BASE}/default").json()
    assert body["isServiceDefault"] is False
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": True, "outboundAllowed": False}
    assert fresh("POST", f"{BASE}/default/resetToSystemDefault").status_code == 204
    body = fresh("GET", f"{BASE}/default").json()
    assert body["isServiceDefault"] is True
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": False, "outboundAllowed": False}


def test_bad_default_patch_is_400_and_changes_nothing(graph: GraphHttp) -> None:
    before = state(graph, f"{BASE}/default")
    for body in (
        {"automaticUserConsentSettings": {"inboundAllowed": "yes"}},
        {"automaticUserConsentSettings": {"sideways": True}},
        {"isServiceProvider": True},
        {"inboundTrust": "trusting"},
    ):
        assert_graph_error(graph("PATCH", f"{BASE}/default", json=body), 400, "Request_BadRequest")
    assert state(graph, f"{BASE}/default") == before


# -- partners -------------------------------------------------------------------------------------


def test_new_partner_is_201_with_every_setting_null(graph: GraphHttp) -> None:
    tid = str(uuid.uuid4())
    r = graph("POST", PARTNERS, json={"tenantId": tid})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#policies/crossTenantAccessPolicy/partners/$entity")
    assert body["tenantId"] == tid
    for key, value in FRESH_PARTNER_NULLS.items():
        assert body[key] == value, key
    got = graph("GET", f"{PARTNERS}/{tid}")
    assert got.status_code == 200
    assert {k: v for k, v in got.json().items() if k != "@odata.context"} == {
        k: v for k, v in body.items() if k != "@odata.context"
    }
    assert graph("GET", f"{PARTNERS}/{tid.upper()}").json()["tenantId"] == tid
    listed = graph("GET", PARTNERS)
    assert listed.status_code == 200
    assert listed.json()["@odata.context"].endswith("/$metadata#policies/crossTenantAccessPolicy/partners")
    assert tid in {p["tenantId"] for p in listed.json()["value"]}


def test_partner_created_with_settings(graph: GraphHttp) -> None:
    tid = str(uuid.uuid4())
    body = {"tenantId": tid, "automaticUserConsentSettings": {"inboundAllowed": True}}
    r = graph("POST", PARTNERS, json=body)
    assert r.status_code == 201, r.text
    assert r.json()["automaticUserConsentSettings"] == {"inboundAllowed": True, "outboundAllowed": None}
    got = graph("GET", f"{PARTNERS}/{tid}").json()
    assert got["automaticUserConsentSettings"] == {"inboundAllowed": True, "outboundAllowed": None}
    assert got["b2bCollaborationInbound"] is None


def test_duplicate_partner_is_409(graph: GraphHttp) -> None:
    tid = partner(graph)
    before = state(graph, PARTNERS, f"{PARTNERS}/{tid}")
    err = assert_graph_error(graph("POST", PARTNERS, json={"tenantId": tid.upper()}), 409, CONFLICT)
    assert "tenantId" in err["message"]
    assert err["details"][0]["code"] == "ConflictingObjects"
    assert state(graph, PARTNERS, f"{PARTNERS}/{tid}") == before


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"tenantId": "contoso.com"},
        {"tenantId": None},
        {"tenantId": str(uuid.uuid4()), "colour": "red"},
        {"tenantId": str(uuid.uuid4()), "automaticUserConsentSettings": {"inboundAllowed": "yes"}},
        {"tenantId": str(uuid.uuid4()), "isInMultiTenantOrganization": True},
    ],
)
def test_bad_partner_is_400_and_creates_nothing(graph: GraphHttp, body: dict[str, Any]) -> None:
    before = state(graph, PARTNERS)
    assert_graph_error(graph("POST", PARTNERS, json=body), 400, "Request_BadRequest")
    assert state(graph, PARTNERS) == before


def test_own_tenant_cannot_be_a_partner(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    before = state(graph, PARTNERS)
    assert_graph_error(graph("POST", PARTNERS, json={"tenantId": tenant["id"]}), 400, "Request_BadRequest")
    assert state(graph, PARTNERS) == before


def test_partner_in_another_cloud_needs_allowed_cloud_endpoints(
    fresh: GraphHttp, gcch_tenant: dict[str, Any]
) -> None:
    before = state(fresh, PARTNERS)
    err = assert_graph_error(
        fresh("POST", PARTNERS, json={"tenantId": gcch_tenant["id"]}), 400, "Request_BadRequest"
    )
    assert "microsoftonline.us" in err["message"]
    assert state(fresh, PARTNERS) == before
    assert_graph_error(fresh("GET", f"{PARTNERS}/{gcch_tenant['id']}"), 404, NOT_FOUND)

    assert (
        fresh("PATCH", BASE, json={"allowedCloudEndpoints": ["partner.microsoftonline.cn"]}).status_code
        == 204
    )
    assert_graph_error(
        fresh("POST", PARTNERS, json={"tenantId": gcch_tenant["id"]}), 400, "Request_BadRequest"
    )

    assert fresh("PATCH", BASE, json={"allowedCloudEndpoints": ["microsoftonline.us"]}).status_code == 204
    r = fresh("POST", PARTNERS, json={"tenantId": gcch_tenant["id"]})
    assert r.status_code == 201, r.text
    assert r.json()["automaticUserConsentSettings"] == {"inboundAllowed": None, "outboundAllowed": None}


def test_dod_partner_of_a_gcch_tenant_is_same_cloud_instance(
    ccsync_simulator: Any, endpoints: dict[str, Any], gcch_tenant: dict[str, Any]
) -> None:
    dod = control_tenant(ccsync_simulator, cloud="dod", users=0)
    gov = GraphHttp(endpoints, gcch_tenant, app_of(gcch_tenant))
    assert gov("POST", PARTNERS, json={"tenantId": dod["id"]}).status_code == 201


def test_patch_automatic_user_consent_merges(graph: GraphHttp) -> None:
    tid = partner(graph)
    r = graph("PATCH", f"{PARTNERS}/{tid}", json={"automaticUserConsentSettings": {"inboundAllowed": True}})
    assert r.status_code == 204 and not r.content
    body = graph("GET", f"{PARTNERS}/{tid}").json()
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": True, "outboundAllowed": None}
    r = graph("PATCH", f"{PARTNERS}/{tid}", json={"automaticUserConsentSettings": {"outboundAllowed": True}})
    assert r.status_code == 204
    body = graph("GET", f"{PARTNERS}/{tid}").json()
    assert body["automaticUserConsentSettings"] == {"inboundAllowed": True, "outboundAllowed": True}
    assert body["crossCloudMeetingConfiguration"] == {"inboundAllowed": None, "outboundAllowed": None}
    assert body["inboundTrust"] is None
    r = graph("PATCH", f"{PARTNERS}/{tid}", json={"automaticUserConsentSettings": {"inboundAllowed": False}})
    assert graph("GET", f"{PARTNERS}/{tid}").json()["automaticUserConsentSettings"] == {
        "inboundAllowed": False,
        "outboundAllowed": True,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"automaticUserConsentSettings": {"inboundAllowed": "true"}},
        {"automaticUserConsentSettings": {"inboundAllowed": True, "sideways": True}},
        {"automaticUserConsentSettings": True},
        {"isServiceProvider": "yes"},
        {"tenantId": str(uuid.uuid4())},
        {"isInMultiTenantOrganization": True},
        {"inboundTrust": [1]},
    ],
)
def test_bad_partner_patch_is_400_and_changes_nothing(graph: GraphHttp, body: dict[str, Any]) -> None:
    tid = partner(graph)
    graph("PATCH", f"{PARTNERS}/{tid}", json={"automaticUserConsentSettings": {"outboundAllowed": True}})
    before = state(graph, f"{PARTNERS}/{tid}", PARTNERS)
    assert_graph_error(graph("PATCH", f"{PARTNERS}/{tid}", json=body), 400, "Request_BadRequest")
    assert state(graph, f"{PARTNERS}/{tid}", PARTNERS) == before


def test_unknown_partner_is_404_directory_object_not_found(graph: GraphHttp) -> None:
    missing = str(uuid.uuid4())
    before = state(graph, PARTNERS)
    for method, path, kw in (
        ("GET", f"{PARTNERS}/{missing}", {}),
        (
            "PATCH",
            f"{PARTNERS}/{missing}",
            {"json": {"automaticUserConsentSettings": {"inboundAllowed": True}}},
        ),
        ("DELETE", f"{PARTNERS}/{missing}", {}),
        ("GET", f"{PARTNERS}/{missing}/identitySynchronization", {}),
        (
            "PUT",
            f"{PARTNERS}/{missing}/identitySynchronization",
            {"json": {"userSyncInbound": {"isSyncAllowed": True}}},
        ),
    ):
        err = assert_graph_error(graph(method, path, **kw), 404, NOT_FOUND)
        assert err["message"] == "Unable to read the company information from the directory."
    assert state(graph, PARTNERS) == before


def test_delete_partner(graph: GraphHttp) -> None:
    tid = partner(graph)
    assert (
        graph("PUT", f"{PARTNERS}/{tid}/identitySynchronization", json={"displayName": "x"}).status_code
        == 204
    )
    r = graph("DELETE", f"{PARTNERS}/{tid}")
    assert r.status_code == 204 and not r.content
    assert_graph_error(graph("GET", f"{PARTNERS}/{tid}"), 404, NOT_FOUND)
    assert tid not in {p["tenantId"] for p in graph("GET", PARTNERS).json()["value"]}
    # re-adding starts from scratch: no identity synchronization left behind
    partner(graph, tid)
    assert_graph_error(graph("GET", f"{PARTNERS}/{tid}/identitySynchronization"), 404, NOT_FOUND)


# -- identitySynchronization ----------------------------------------------------------------------


def test_identity_synchronization_lifecycle(graph: GraphHttp) -> None:
    tid = partner(graph)
    path = f"{PARTNERS}/{tid}/identitySynchronization"
    assert_graph_error(graph("GET", path), 404, NOT_FOUND)
    r = graph("PUT", path, json={"displayName": "Fabrikam", "userSyncInbound": {"isSyncAllowed": True}})
    assert r.status_code == 204 and not r.content
    got = graph("GET", path)
    assert got.status_code == 200
    body = got.json()
    assert body["@odata.context"].endswith(f"partners('{tid}')/identitySynchronization/$entity")
    assert body["tenantId"] == tid and body["displayName"] == "Fabrikam"
    assert body["userSyncInbound"] == {"isSyncAllowed": True}

    before = state(graph, path)
    err = assert_graph_error(
        graph("PUT", path, json={"userSyncInbound": {"isSyncAllowed": False}}), 409, CONFLICT
    )
    assert err["details"][0]["code"] == "ConflictingObjects"
    assert state(graph, path) == before

    assert graph("PATCH", path, json={"userSyncInbound": {"isSyncAllowed": False}}).status_code == 204
    body = graph("GET", path).json()
    assert body["userSyncInbound"] == {"isSyncAllowed": False} and body["displayName"] == "Fabrikam"
    assert graph("PATCH", path, json={"displayName": "Renamed"}).status_code == 204
    assert graph("GET", path).json()["userSyncInbound"] == {"isSyncAllowed": False}

    assert graph("DELETE", path).status_code == 204
    assert_graph_error(graph("GET", path), 404, NOT_FOUND)
    assert_graph_error(graph("DELETE", path), 404, NOT_FOUND)
    assert graph("GET", f"{PARTNERS}/{tid}").status_code == 200, "the partner itself stays"


def test_patch_missing_identity_synchronization_is_404(graph: GraphHttp) -> None:
    tid = partner(graph)
    path = f"{PARTNERS}/{tid}/identitySynchronization"
    err = assert_graph_error(
        graph("PATCH", path, json={"userSyncInbound": {"isSyncAllowed": True}}), 404, NOT_FOUND
    )
    assert err["message"] == "Unable to read the company information from the directory."
    assert_graph_error(graph("GET", path), 404, NOT_FOUND)


@pytest.mark.parametrize(
    "body",
    [
        {"userSyncInbound": {"isSyncAllowed": "yes"}},
        {"userSyncInbound": {}},
        {"userSyncInbound": True},
        {"displayName": 5},
        {"colour": "red"},
    ],
)
def test_bad_identity_synchronization_is_400_and_changes_nothing(
    graph: GraphHttp, body: dict[str, Any]
) -> None:
    tid = partner(graph)
    path = f"{PARTNERS}/{tid}/identitySynchronization"
    assert_graph_error(graph("PUT", path, json=body), 400, "Request_BadRequest")
    assert_graph_error(graph("GET", path), 404, NOT_FOUND)
    assert graph("PUT", path, json={"userSyncInbound": {"isSyncAllowed": True}}).status_code == 204
    before = state(graph, path)
    assert_graph_error(graph("PATCH", path, json=body), 400, "Request_BadRequest")
    assert state(graph, path) == before


# -- permissions, versions ------------------------------------------------------------------------


def test_read_only_app_reads_but_cannot_write(graph: GraphHttp, reader: GraphHttp) -> None:
    tid = partner(graph)
    sync = f"{PARTNERS}/{tid}/identitySynchronization"
    graph("PUT", sync, json={"userSyncInbound": {"isSyncAllowed": True}})
    paths = (BASE, f"{BASE}/default", PARTNERS, f"{PARTNERS}/{tid}", sync)
    for p in paths:
        assert reader("GET", p).status_code == 200, p
    before = state(graph, *paths)
    for method, path, body in (
        ("PATCH", BASE, {"allowedCloudEndpoints": ["microsoftonline.us"]}),
        ("PATCH", f"{BASE}/default", {"automaticUserConsentSettings": {"inboundAllowed": True}}),
        ("POST", f"{BASE}/default/resetToSystemDefault", None),
        ("POST", PARTNERS, {"tenantId": str(uuid.uuid4())}),
        ("PATCH", f"{PARTNERS}/{tid}", {"automaticUserConsentSettings": {"inboundAllowed": True}}),
        ("DELETE", f"{PARTNERS}/{tid}", None),
        ("PUT", sync, {"userSyncInbound": {"isSyncAllowed": False}}),
        ("PATCH", sync, {"userSyncInbound": {"isSyncAllowed": False}}),
        ("DELETE", sync, None),
    ):
        kw = {"json": body} if body is not None else {}
        assert_graph_error(reader(method, path, **kw), 403, "Authorization_RequestDenied")
    assert state(graph, *paths) == before


def test_beta_answers_the_policy(graph: GraphHttp) -> None:
    tid = partner(graph)
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}{PARTNERS}/{tid}")
    assert r.status_code == 200
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#policies/crossTenantAccessPolicy")
    r = graph(
        "PATCH", f"{beta}{PARTNERS}/{tid}", json={"automaticUserConsentSettings": {"outboundAllowed": True}}
    )
    assert r.status_code == 204
    assert graph("GET", f"{PARTNERS}/{tid}").json()["automaticUserConsentSettings"]["outboundAllowed"] is True
