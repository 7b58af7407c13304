"""``/organization``: one object per tenant, whose id is the tenant id, with its verified domains."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import CLOUD_INSTANCE, GraphHttp, app_of, assert_graph_error, control_tenant, reader_of

TENANT = {"users": 0}


def test_organization_is_one_object_with_the_tenant_id(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("GET", "/organization")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#organization")
    [org] = body["value"]
    assert org["id"] == tenant["id"]
    assert org["displayName"] == tenant["displayName"]
    assert org["tenantType"] == "AAD"
    assert org["createdDateTime"].endswith("Z")
    assert isinstance(org["technicalNotificationMails"], list)
    assert isinstance(org["assignedPlans"], list) and isinstance(org["provisionedPlans"], list)
    assert "@odata.nextLink" not in body


def test_verified_domains(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    [org] = graph("GET", "/organization").json()["value"]
    domains = org["verifiedDomains"]
    assert domains
    for d in domains:
        assert set(d) >= {"name", "isDefault", "isInitial", "type", "capabilities"}
        assert d["type"] in ("Managed", "Federated")
    [initial] = [d for d in domains if d["isInitial"]]
    [default] = [d for d in domains if d["isDefault"]]
    assert initial["name"].endswith(".onmicrosoft.com")
    assert default["name"] == tenant["defaultDomain"]


def test_organization_by_id_and_select(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("GET", f"/organization/{tenant['id']}")
    assert r.status_code == 200
    assert r.json()["@odata.context"].endswith("/$metadata#organization/$entity")
    assert r.json()["id"] == tenant["id"]
    upper = graph("GET", f"/organization/{tenant['id'].upper()}")
    assert upper.status_code == 200 and upper.json()["id"] == tenant["id"]
    sel = graph("GET", f"/organization/{tenant['id']}?$select=id,displayName")
    assert sel.status_code == 200
    assert set(sel.json()) == {"@odata.context", "id", "displayName"}
    listed = graph("GET", "/organization?$select=id,verifiedDomains").json()["value"][0]
    assert set(listed) == {"id", "verifiedDomains"}


def test_wrong_organization_id_is_404(graph: GraphHttp, ccsync_simulator: Any) -> None:
    other = control_tenant(ccsync_simulator, users=0)
    for oid in (str(uuid.uuid4()), other["id"]):
        err = assert_graph_error(graph("GET", f"/organization/{oid}"), 404, "Request_ResourceNotFound")
        assert oid in err["message"]


def test_reader_can_read_organization(endpoints: dict[str, Any], tenant: dict[str, Any]) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    assert reader("GET", "/organization").json()["value"][0]["id"] == tenant["id"]


@pytest.mark.parametrize("cloud", ["gcch", "china"])
def test_organization_in_other_clouds(ccsync_simulator: Any, endpoints: dict[str, Any], cloud: str) -> None:
    t = control_tenant(ccsync_simulator, cloud=cloud, users=0)
    graph = GraphHttp(endpoints, t, app_of(t))
    [org] = graph("GET", "/organization").json()["value"]
    assert org["id"] == t["id"]
    if "cloudInstance" in org:
        assert org["cloudInstance"] == CLOUD_INSTANCE[cloud]
    assert graph.root.startswith(endpoints["clouds"][cloud]["graph"])


def test_beta_answers_organization(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph("GET", f"{beta}/organization")
    assert r.status_code == 200
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#organization")
    assert r.json()["value"][0]["id"] == tenant["id"]
