"""Licence rules: P1 for same-cloud users, Governance or Suite across clouds, decided by service plan."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.simulated_graph import SimulatedGraph
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.licences import (
    AAD_PREMIUM_PLAN,
    CROSS_CLOUD_REQUIREMENT,
    GOVERNANCE_PLAN,
    KNOWN_SKUS,
    P1_REQUIREMENT,
    LicenceCatalogue,
    LicenceRequirement,
    licence_report,
    requirement_for,
    skip_reason,
)
from syncengine.model import JobConfig, LicencePolicy
from tests.syncengine.pairs import identity

P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
P2 = "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
P1_GCCH = "de597797-22fb-4d65-a9fe-b7dbe8893914"
GOVERNANCE = "cf6b0d46-4093-4546-a0ab-0b1546dcc10e"
SUITE = "f9602137-2203-447b-9fff-41b36e08ce5d"
SUITE_ADD_ON = "2ef3064c-c95c-426c-96dd-9ffeaa2f2c37"
UNKNOWN = "11111111-2222-3333-4444-555555555555"

SELECT = {"$select": "id,userPrincipalName,userType,assignedLicenses", "$top": "999"}


def user(*skus: str, disabled: tuple[str, ...] = (), uid: str = "u1") -> dict[str, Any]:
    return {
        "id": uid,
        "userPrincipalName": f"{uid}@contoso.com",
        "assignedLicenses": [{"skuId": s, "disabledPlans": list(disabled)} for s in skus],
    }


def job(source_cloud: str, target_cloud: str) -> JobConfig:
    src = Identity(source_cloud, "00000000-0000-0000-0000-000000000001", "app")
    tgt = Identity(target_cloud, "00000000-0000-0000-0000-000000000002", "app")
    return JobConfig("licences", src, tgt, (), cross_cloud=True)


# -- which licence a pair needs ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "target", "expected"),
    [
        ("commercial", "commercial", P1_REQUIREMENT),
        ("gcch", "dod", P1_REQUIREMENT),
        ("china", "china", P1_REQUIREMENT),
        ("commercial", "gcch", CROSS_CLOUD_REQUIREMENT),
        ("dod", "commercial", CROSS_CLOUD_REQUIREMENT),
        ("commercial", "china", CROSS_CLOUD_REQUIREMENT),
    ],
)
def test_same_cloud_needs_p1_and_cross_cloud_needs_governance_or_suite(
    source: str, target: str, expected: LicenceRequirement
) -> None:
    assert requirement_for(job(source, target)) == expected


def test_requirements_name_the_documented_licences_and_plans() -> None:
    assert (P1_REQUIREMENT.name, P1_REQUIREMENT.service_plan_id, P1_REQUIREMENT.cross_cloud) == (
        "Microsoft Entra ID P1",
        "41781fb2-bc02-4b7c-bd55-b576c07bb09d",
        False,
    )
    assert (CROSS_CLOUD_REQUIREMENT.name, CROSS_CLOUD_REQUIREMENT.service_plan_id) == (
        "Microsoft Entra ID Governance or Microsoft Entra Suite",
        "e866a266-3cff-43a3-acca-0c90a7e00c8b",
    )
    assert CROSS_CLOUD_REQUIREMENT.cross_cloud


# -- per SKU ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sku", "p1", "cross_cloud"),
    [
        (P1, True, False),
        (P2, True, False),
        (P1_GCCH, True, False),
        (GOVERNANCE, False, True),  # an add-on: it carries no AAD_PREMIUM plan
        (SUITE, True, True),
        (SUITE_ADD_ON, False, True),
        (UNKNOWN, False, False),
    ],
    ids=["P1", "P2", "P1 GCC High", "Governance", "Suite", "Suite add-on", "unknown"],
)
def test_each_sku_meets_the_requirements_its_service_plans_carry(
    sku: str, p1: bool, cross_cloud: bool
) -> None:
    catalogue = LicenceCatalogue.builtin()
    assert catalogue.has_plan(user(sku), AAD_PREMIUM_PLAN) is p1
    assert catalogue.has_plan(user(sku), GOVERNANCE_PLAN) is cross_cloud


def test_p1_plus_governance_meets_both() -> None:
    catalogue = LicenceCatalogue.builtin()
    both = user(P1, GOVERNANCE)
    assert catalogue.has_plan(both, AAD_PREMIUM_PLAN) and catalogue.has_plan(both, GOVERNANCE_PLAN)


def test_a_disabled_plan_does_not_count() -> None:
    catalogue = LicenceCatalogue.builtin()
    assert not catalogue.has_plan(user(P1, disabled=(AAD_PREMIUM_PLAN,)), AAD_PREMIUM_PLAN)
    suite_without_governance = user(SUITE, disabled=(GOVERNANCE_PLAN.upper(),))
    assert not catalogue.has_plan(suite_without_governance, GOVERNANCE_PLAN)
    assert catalogue.has_plan(suite_without_governance, AAD_PREMIUM_PLAN)
    # disabled on one licence only: another licence carrying the plan still counts
    mixed = user(P1, P2)
    mixed["assignedLicenses"][0]["disabledPlans"] = [AAD_PREMIUM_PLAN]
    assert catalogue.has_plan(mixed, AAD_PREMIUM_PLAN)


def test_an_unknown_sku_counts_when_subscribed_skus_lists_the_plan() -> None:
    skus = {
        "value": [
            {
                "skuId": UNKNOWN,
                "skuPartNumber": "CONTOSO_GOVERNANCE_BUNDLE",
                "servicePlans": [
                    {"servicePlanId": GOVERNANCE_PLAN, "servicePlanName": "Entra_Identity_Governance"}
                ],
            },
            {"skuId": P1, "skuPartNumber": "AAD_PREMIUM", "servicePlans": []},
        ]
    }
    catalogue = LicenceCatalogue.from_subscribed_skus(skus)
    assert catalogue.has_plan(user(UNKNOWN), GOVERNANCE_PLAN)
    assert not LicenceCatalogue.builtin().has_plan(user(UNKNOWN), GOVERNANCE_PLAN)
    # listed without plans: the built-in plans stay
    assert catalogue.has_plan(user(P1), AAD_PREMIUM_PLAN)


def test_subscribed_skus_are_the_source_of_truth_for_a_known_sku() -> None:
    skus = [
        {"skuId": P1.upper(), "servicePlans": [{"servicePlanId": "8a256a2b-b617-496d-b51b-e76466e88db0"}]}
    ]
    assert not LicenceCatalogue.from_subscribed_skus(skus).has_plan(user(P1), AAD_PREMIUM_PLAN)


def test_a_user_read_without_assigned_licences_is_refused_not_judged_unlicensed() -> None:
    with pytest.raises(ValueError, match="assignedLicenses"):
        LicenceCatalogue.builtin().has_plan({"id": "u1", "userPrincipalName": "a@b"}, AAD_PREMIUM_PLAN)


# -- the report -------------------------------------------------------------------------------


def population(licensed: int, unlicensed: int) -> list[dict[str, Any]]:
    return [user(SUITE, uid=f"ok{i}") for i in range(licensed)] + [
        user(P1, uid=f"p1only{i}") for i in range(unlicensed)
    ]


def test_warn_report_names_the_licence_and_the_count() -> None:
    report = licence_report(
        population(117, 3), CROSS_CLOUD_REQUIREMENT, LicenceCatalogue.builtin(), LicencePolicy.WARN
    )
    assert report.checked == 120
    assert report.unlicensed == tuple((f"p1only{i}", f"p1only{i}@contoso.com") for i in range(3))
    assert report.warning == (
        "3 of 120 users in scope of this cross-cloud synchronization lack a Microsoft Entra ID Governance or "
        "Microsoft Entra Suite licence in the source tenant. They are provisioned anyway (policy: warn); "
        "assign the licence or set the policy to enforce."
    )
    assert report.skipped_ids == frozenset()


def test_enforce_report_says_the_users_are_skipped() -> None:
    report = licence_report(
        population(117, 3), CROSS_CLOUD_REQUIREMENT, LicenceCatalogue.builtin(), LicencePolicy.ENFORCE
    )
    assert report.warning == (
        "3 of 120 users in scope of this cross-cloud synchronization lack a Microsoft Entra ID Governance or "
        "Microsoft Entra Suite licence in the source tenant. They are skipped (policy: enforce); assign the "
        "licence to provision them."
    )
    assert report.skipped_ids == {"p1only0", "p1only1", "p1only2"}


def test_same_cloud_report_speaks_of_p1_and_a_single_user() -> None:
    users = [user(P1, uid="a"), user(uid="b")]
    report = licence_report(users, P1_REQUIREMENT, LicenceCatalogue.builtin(), LicencePolicy.WARN)
    assert report.warning == (
        "1 of 2 users in scope of this cross-tenant synchronization lacks a Microsoft Entra ID P1 licence in the "
        "source tenant. The user is provisioned anyway (policy: warn); assign the licence or set the policy "
        "to enforce."
    )


def test_no_warning_when_everyone_is_licensed() -> None:
    report = licence_report(
        population(5, 0), CROSS_CLOUD_REQUIREMENT, LicenceCatalogue.builtin(), LicencePolicy.ENFORCE
    )
    assert (report.checked, report.unlicensed, report.warning, report.skipped_ids) == (
        5,
        (),
        None,
        frozenset(),
    )


def test_skip_reason_has_a_code_and_names_the_licence() -> None:
    code, reason = skip_reason(CROSS_CLOUD_REQUIREMENT)
    assert code == "LicenseRequirementNotMet"
    assert "Microsoft Entra ID Governance or Microsoft Entra Suite" in reason and "enforce" in reason
    assert "Microsoft Entra ID P1" in skip_reason(P1_REQUIREMENT)[1]


# -- against the simulator --------------------------------------------------------------------


def admin(backend: SimulatedGraph, tenant: dict[str, Any]) -> GraphClient:
    return GraphClient(backend, identity(tenant))


def members(client: GraphClient) -> list[dict[str, Any]]:
    return [u for u in client.list_all("/users", SELECT) if u["userType"] == "Member"]


def test_a_tenants_subscribed_skus_agree_with_the_engines_catalogue(
    new_tenant: Any, backend: SimulatedGraph
) -> None:
    client = admin(backend, new_tenant("commercial", users=20))
    listed = client.list_all("/subscribedSkus")
    assert listed
    catalogue = LicenceCatalogue.from_graph(client)
    for sku in listed:
        assert catalogue.plans_of(sku["skuId"]) == KNOWN_SKUS[sku["skuId"]]


def test_licences_assigned_through_graph_decide_who_is_reported(
    new_tenant: Any, backend: SimulatedGraph
) -> None:
    client = admin(backend, new_tenant("commercial", users=20))
    chosen = members(client)[:6]
    for u in chosen:  # start from nothing, which also frees units for the assignments below
        held = [lic["skuId"] for lic in u["assignedLicenses"]]
        if held:
            client.post(f"/users/{u['id']}/assignLicense", {"addLicenses": [], "removeLicenses": held})
    plan = {
        "p1": [{"skuId": P1, "disabledPlans": []}],
        "p2": [{"skuId": P2, "disabledPlans": []}],
        "governance": [{"skuId": GOVERNANCE, "disabledPlans": []}],
        "suite": [{"skuId": SUITE, "disabledPlans": []}],
        "p1 disabled": [{"skuId": P1, "disabledPlans": [AAD_PREMIUM_PLAN]}],
        "none": [],
    }
    who = dict(zip(plan, chosen, strict=True))
    for name, licences in plan.items():
        if licences:
            client.post(
                f"/users/{who[name]['id']}/assignLicense", {"addLicenses": licences, "removeLicenses": []}
            )
    ids = {u["id"] for u in chosen}
    fresh = [u for u in members(client) if u["id"] in ids]
    catalogue = LicenceCatalogue.from_graph(client)

    def lacking(requirement: LicenceRequirement) -> set[str]:
        report = licence_report(fresh, requirement, catalogue, LicencePolicy.WARN)
        assert report.checked == 6
        by_id = {v["id"]: k for k, v in who.items()}
        return {by_id[uid] for uid, _ in report.unlicensed}

    assert lacking(P1_REQUIREMENT) == {"governance", "p1 disabled", "none"}
    assert lacking(CROSS_CLOUD_REQUIREMENT) == {"p1", "p2", "p1 disabled", "none"}


def default_tenant(ccsync_simulator: Any, name: str) -> dict[str, Any]:
    return next(t for t in ccsync_simulator.endpoints()["tenants"] if t["displayName"] == name)


@pytest.mark.parametrize(
    ("name", "p1_skus"),
    [("Contoso", {P1, P2, SUITE}), ("Contoso Government", {P1, P1_GCCH, P2, SUITE})],
)
def test_default_world_tenants_have_unlicensed_and_p1_only_users(
    ccsync_simulator: Any, backend: SimulatedGraph, name: str, p1_skus: set[str]
) -> None:
    client = admin(backend, default_tenant(ccsync_simulator, name))
    users = members(client)
    catalogue = LicenceCatalogue.from_graph(client)
    skus = {u["id"]: {lic["skuId"] for lic in u["assignedLicenses"]} for u in users}
    # the oracle, by SKU id: which products license what
    no_p1 = {uid for uid, held in skus.items() if not held & p1_skus}
    no_cross = {uid for uid, held in skus.items() if not held & {GOVERNANCE, SUITE, SUITE_ADD_ON}}

    same = licence_report(users, P1_REQUIREMENT, catalogue, LicencePolicy.WARN)
    cross = licence_report(users, CROSS_CLOUD_REQUIREMENT, catalogue, LicencePolicy.ENFORCE)
    assert same.checked == cross.checked == len(users)
    assert {uid for uid, _ in same.unlicensed} == no_p1
    assert {uid for uid, _ in cross.unlicensed} == no_cross
    p1_only = no_cross - no_p1
    assert no_p1 and p1_only, "the default world keeps unlicensed and P1-only users"
    assert cross.skipped_ids == no_cross
    assert cross.warning is not None and cross.warning.startswith(
        f"{len(no_cross)} of {len(users)} users in scope of this cross-cloud synchronization lack a "
        "Microsoft Entra ID Governance or Microsoft Entra Suite licence"
    )
    if name == "Contoso Government":  # GCC High P1 alone satisfies same-cloud sync, not cross-cloud
        gcch_only = {uid for uid, held in skus.items() if held == {P1_GCCH}}
        assert gcch_only and gcch_only <= p1_only
