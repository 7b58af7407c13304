"""Licences: ``subscribedSkus``, ``assignLicense``, ``licenseDetails`` and the ``assignedLicenses`` filter."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.conftest import GraphHttp, assert_graph_error, reader_of
from tests.simulator.graph.directory_client import EVENTUAL, everything, make_user, state

#: skuId -> skuPartNumber, from Microsoft's licensing reference (graph-protocol.md §6.4).
REAL_SKUS = {
    "078d2b04-f1bd-4111-bbd4-b4b1b354cef4": "AAD_PREMIUM",
    "84a661c4-e949-4bd2-a560-ed7766fcaf2b": "AAD_PREMIUM_P2",
    "cf6b0d46-4093-4546-a0ab-0b1546dcc10e": "Microsoft_Entra_ID_Governance",
    "f9602137-2203-447b-9fff-41b36e08ce5d": "Microsoft_Entra_Suite",
    "de597797-22fb-4d65-a9fe-b7dbe8893914": "AAD_PREMIUM_USGOV_GCCHIGH",
}
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
P2 = "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
GOVERNANCE = "cf6b0d46-4093-4546-a0ab-0b1546dcc10e"
MFA_PLAN = "8a256a2b-b617-496d-b51b-e76466e88db0"
P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"


#: 60 people leave a few free units of each SKU (the seed buys 10 % more than it assigns).
TENANT = {"users": 60}


def skus(graph: GraphHttp) -> dict[str, dict[str, Any]]:
    r = graph("GET", "/subscribedSkus")
    assert r.status_code == 200, r.text
    return {s["skuId"]: s for s in r.json()["value"]}


def consumed(graph: GraphHttp, sku_id: str) -> int:
    return skus(graph)[sku_id]["consumedUnits"]


def assign(graph: GraphHttp, uid: str, add: list[dict[str, Any]], remove: list[str]) -> Any:
    return graph("POST", f"/users/{uid}/assignLicense", json={"addLicenses": add, "removeLicenses": remove})


# -- subscribedSkus ----------------------------------------------------------------------------


def test_subscribed_skus_have_real_ids_and_graph_shape(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    r = graph("GET", "/subscribedSkus")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#subscribedSkus")
    assert body["value"], "a seeded tenant has licences"
    for s in body["value"]:
        assert REAL_SKUS[s["skuId"]] == s["skuPartNumber"]
        assert s["id"] == f"{tenant['id']}_{s['skuId']}"
        assert s["accountId"] == tenant["id"]
        assert s["appliesTo"] == "User" and s["capabilityStatus"] == "Enabled"
        units = s["prepaidUnits"]
        assert set(units) == {"enabled", "lockedOut", "suspended", "warning"}
        assert isinstance(s["consumedUnits"], int) and 0 <= s["consumedUnits"] <= units["enabled"]
        assert s["servicePlans"]
        for p in s["servicePlans"]:
            uuid.UUID(p["servicePlanId"])
            assert p["servicePlanName"] and p["provisioningStatus"] == "Success"
    p2 = next(s for s in body["value"] if s["skuId"] == P2)
    assert {p["servicePlanName"] for p in p2["servicePlans"]} >= {
        "AAD_PREMIUM",
        "AAD_PREMIUM_P2",
        "MFA_PREMIUM",
    }


def test_one_subscribed_sku_by_id(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    sid = f"{tenant['id']}_{P1}"
    r = graph("GET", f"/subscribedSkus/{sid}")
    assert r.status_code == 200
    assert r.json()["skuId"] == P1 and r.json()["@odata.context"].endswith("#subscribedSkus/$entity")
    assert_graph_error(
        graph("GET", f"/subscribedSkus/{tenant['id']}_{uuid.uuid4()}"), 404, "Request_ResourceNotFound"
    )


def test_consumed_units_match_the_users_holding_the_sku(graph: GraphHttp) -> None:
    for sku_id, s in skus(graph).items():
        holders = everything(graph, f"/users?$filter=assignedLicenses/any(x:x/skuId eq {sku_id})&$select=id")
        assert len(holders) == s["consumedUnits"], sku_id


# -- assignLicense -----------------------------------------------------------------------------


def test_assign_and_remove_a_licence(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    before = consumed(graph, P1)
    r = assign(graph, user["id"], [{"skuId": P1, "disabledPlans": [MFA_PLAN]}], [])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#users/$entity")
    assert body["id"] == user["id"]
    assert body["assignedLicenses"] == [{"disabledPlans": [MFA_PLAN], "skuId": P1}]
    assert consumed(graph, P1) == before + 1

    got = graph("GET", f"/users/{user['id']}?$select=assignedLicenses,assignedPlans").json()
    assert got["assignedLicenses"] == [{"disabledPlans": [MFA_PLAN], "skuId": P1}]
    plan_ids = {p["servicePlanId"] for p in got["assignedPlans"]}
    assert MFA_PLAN not in plan_ids and "41781fb2-bc02-4b7c-bd55-b576c07bb09d" in plan_ids
    assert all(p["capabilityStatus"] == "Enabled" for p in got["assignedPlans"])

    r = assign(graph, user["id"], [], [P1])
    assert r.status_code == 200, r.text
    assert r.json()["assignedLicenses"] == []
    assert consumed(graph, P1) == before
    got = graph("GET", f"/users/{user['id']}?$select=assignedLicenses,assignedPlans").json()
    assert got["assignedLicenses"] == [] and got["assignedPlans"] == []


def test_swap_licences_in_one_call(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="DE")
    assert assign(graph, user["id"], [{"skuId": P1, "disabledPlans": []}], []).status_code == 200
    p1, gov = consumed(graph, P1), consumed(graph, GOVERNANCE)
    r = assign(graph, user["id"], [{"skuId": GOVERNANCE, "disabledPlans": []}], [P1])
    assert r.status_code == 200, r.text
    assert [lic["skuId"] for lic in r.json()["assignedLicenses"]] == [GOVERNANCE]
    assert (consumed(graph, P1), consumed(graph, GOVERNANCE)) == (p1 - 1, gov + 1)


def test_without_usage_location_is_400_and_changes_nothing(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant)
    before = state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus")
    err = assert_graph_error(
        assign(graph, user["id"], [{"skuId": P1, "disabledPlans": []}], []), 400, "Request_BadRequest"
    )
    assert "usage location" in err["message"]
    assert state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus") == before


def test_unknown_sku_is_400_and_changes_nothing(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    before = state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus")
    for sku_id in (
        str(uuid.uuid4()),
        "de597797-22fb-4d65-a9fe-b7dbe8893914",
    ):  # GCC High SKU: not bought here
        r = assign(graph, user["id"], [{"skuId": P1, "disabledPlans": []}, {"skuId": sku_id}], [])
        err = assert_graph_error(r, 400, "Request_BadRequest")
        assert sku_id in err["message"]
    assert state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus") == before


def test_removing_a_licence_the_user_does_not_have_is_400(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    assert assign(graph, user["id"], [{"skuId": P1, "disabledPlans": []}], []).status_code == 200
    before = state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus")
    assert_graph_error(assign(graph, user["id"], [], [P1, P2]), 400, "Request_BadRequest")
    assert state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus") == before


@pytest.mark.parametrize(
    "body",
    [
        {"addLicenses": [{"skuId": P1}]},
        {"removeLicenses": []},
        {"addLicenses": "P1", "removeLicenses": []},
        {"addLicenses": [{"sku": P1}], "removeLicenses": []},
        {"addLicenses": [], "removeLicenses": [42]},
        {"addLicenses": [{"skuId": P1, "disabledPlans": MFA_PLAN}], "removeLicenses": []},
        {"addLicenses": [{"skuId": P1, "disabledPlans": [7]}], "removeLicenses": []},
    ],
)
def test_malformed_assign_body_is_400(graph: GraphHttp, tenant: dict[str, Any], body: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    before = state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus")
    assert_graph_error(
        graph("POST", f"/users/{user['id']}/assignLicense", json=body), 400, "Request_BadRequest"
    )
    assert state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus") == before


def test_no_units_left_is_400(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    sku = skus(graph)[P2]
    free = sku["prepaidUnits"]["enabled"] - sku["consumedUnits"]
    assert 0 <= free < 20
    for _ in range(free):
        user = make_user(graph, tenant, usageLocation="US")
        assert assign(graph, user["id"], [{"skuId": P2, "disabledPlans": []}], []).status_code == 200
    assert consumed(graph, P2) == sku["prepaidUnits"]["enabled"]
    last = make_user(graph, tenant, usageLocation="US")
    before = state(graph, f"/users/{last['id']}?$select=assignedLicenses", "/subscribedSkus")
    err = assert_graph_error(
        assign(graph, last["id"], [{"skuId": P2, "disabledPlans": []}], []), 400, "Request_BadRequest"
    )
    assert P2 in err["message"]
    assert state(graph, f"/users/{last['id']}?$select=assignedLicenses", "/subscribedSkus") == before


def test_deleting_a_licensed_user_frees_its_unit_and_restore_takes_it_back(
    graph: GraphHttp, tenant: dict[str, Any]
) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    assert assign(graph, user["id"], [{"skuId": GOVERNANCE, "disabledPlans": []}], []).status_code == 200
    held = consumed(graph, GOVERNANCE)
    assert graph("DELETE", f"/users/{user['id']}").status_code == 204
    assert consumed(graph, GOVERNANCE) == held - 1
    assert graph("POST", f"/directory/deletedItems/{user['id']}/restore").status_code == 200
    assert consumed(graph, GOVERNANCE) == held


def test_assign_license_to_unknown_user_is_404(graph: GraphHttp) -> None:
    missing = str(uuid.uuid4())
    assert_graph_error(
        assign(graph, missing, [{"skuId": P1, "disabledPlans": []}], []), 404, "Request_ResourceNotFound"
    )
    assert_graph_error(graph("GET", f"/users/{missing}/licenseDetails"), 404, "Request_ResourceNotFound")


def test_read_only_app_can_read_skus_but_not_assign(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    assert reader("GET", "/subscribedSkus").status_code == 200
    user = make_user(graph, tenant, usageLocation="US")
    before = state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus")
    r = assign(reader, user["id"], [{"skuId": P1, "disabledPlans": []}], [])
    assert_graph_error(r, 403, "Authorization_RequestDenied")
    assert state(graph, f"/users/{user['id']}?$select=assignedLicenses", "/subscribedSkus") == before


# -- licenseDetails, filter ----------------------------------------------------------------------


def test_license_details(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    assert assign(graph, user["id"], [{"skuId": P1, "disabledPlans": [MFA_PLAN]}], []).status_code == 200
    r = graph("GET", f"/users/{user['id']}/licenseDetails")
    assert r.status_code == 200
    body = r.json()
    assert body["@odata.context"].endswith(f"users('{user['id']}')/licenseDetails")
    [detail] = body["value"]
    assert detail["skuId"] == P1 and detail["skuPartNumber"] == "AAD_PREMIUM"
    assert detail["id"]
    names = {p["servicePlanName"] for p in detail["servicePlans"]}
    assert "AAD_PREMIUM" in names and "MFA_PREMIUM" not in names
    empty = make_user(graph, tenant)
    assert graph("GET", f"/users/{empty['id']}/licenseDetails").json()["value"] == []


def test_assigned_licenses_any_filter(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    user = make_user(graph, tenant, usageLocation="US")
    assert assign(graph, user["id"], [{"skuId": P1, "disabledPlans": []}], []).status_code == 200
    r = graph(
        "GET", f"/users?$filter=assignedLicenses/any(x:x/skuId eq {P1})&$select=id,assignedLicenses&$top=999"
    )
    assert r.status_code == 200, r.text
    got = r.json()["value"]
    assert user["id"] in {u["id"] for u in got}
    assert all(any(lic["skuId"] == P1 for lic in u["assignedLicenses"]) for u in got)
    n = graph("GET", f"/users/$count?$filter=assignedLicenses/any(x:x/skuId eq {P1})", headers=EVENTUAL)
    assert int(n.text) == len(got) == consumed(graph, P1)
    none = graph("GET", f"/users?$filter=assignedLicenses/any(x:x/skuId eq {uuid.uuid4()})")
    assert none.status_code == 200 and none.json()["value"] == []
