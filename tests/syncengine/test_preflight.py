"""Preflight against a running simulator: each missing prerequisite yields exactly its documented failure."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, replace
from typing import Any

import pytest

from simulator.simulated_graph import SimulatedGraph
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.clouds import CLOUDS
from syncengine.model import JobConfig
from syncengine.preflight import (
    PreflightError,
    PreflightFailure,
    check_pair,
    require_preflight,
    run_preflight,
    validate_credentials_message,
)
from tests.conftest import CLOUD_INSTANCE, POLICY, app_of, reader_of
from tests.syncengine.pairs import identity

# The documented texts, written out here so a change to the engine's copies is caught.
SOURCE_MESSAGE = (
    "The source tenant has not enabled automatic user consent with the target tenant. Please enable the "
    "outbound cross-tenant access policy for automatic user consent in the source tenant. "
    "aka.ms/TroubleshootingCrossTenantSyncPolicyCheck"
)
TARGET_MESSAGE = (
    "The target tenant has not enabled inbound synchronization with this tenant. Please request the target "
    "tenant admin to enable the inbound synchronization on their cross-tenant access policy. Learn more: "
    "aka.ms/TroubleshootingCrossTenantSyncPolicyCheck"
)
SYNC_CHECK = "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure"
B2B_CHECK = "AzureDirectoryB2BManagementPolicyCheckFailure"
TOKEN_EXPIRED = "AzureActiveDirectoryTokenExpired"
ENDPOINT = "CrossCloudEndpointNotAllowed"


@dataclass
class Pair:
    """A source and a target tenant, each with its admin client (for set-up) and reader client (for preflight)."""

    source: dict[str, Any]
    target: dict[str, Any]
    source_admin: GraphClient
    target_admin: GraphClient
    source_reader: GraphClient
    target_reader: GraphClient

    def job(self, *, cross_cloud: bool | None = None) -> JobConfig:
        src = self.source_reader.identity
        tgt = self.target_reader.identity
        flag = src.cloud != tgt.cloud if cross_cloud is None else cross_cloud
        return JobConfig("preflight", src, tgt, (), cross_cloud=flag)

    def preflight(self, **kw: Any) -> list[PreflightFailure]:
        return run_preflight(self.job(**kw), self.source_reader, self.target_reader)

    def codes(self, **kw: Any) -> list[tuple[str, str]]:
        return [(f.code, f.side) for f in self.preflight(**kw)]

    # -- the documented configuration, one prerequisite per step (reference §1.4) ------------

    def target_ticks_cross_cloud_sync(self) -> None:
        """Target, Microsoft cloud settings: cross-cloud synchronization for the source cloud."""
        self.target_admin.patch(POLICY, {"allowedCloudEndpoints": [CLOUD_INSTANCE[self.source["cloud"]]]})

    def source_allows_target_cloud(self) -> None:
        self.source_admin.patch(POLICY, {"allowedCloudEndpoints": [CLOUD_INSTANCE[self.target["cloud"]]]})

    def target_adds_partner(self) -> None:
        self.target_admin.post(f"{POLICY}/partners", {"tenantId": self.source["id"]})

    def target_allows_inbound_sync(self, allowed: bool = True) -> None:
        self.target_admin.put(
            f"{POLICY}/partners/{self.source['id']}/identitySynchronization",
            {"displayName": self.source["displayName"], "userSyncInbound": {"isSyncAllowed": allowed}},
        )

    def target_allows_inbound_redemption(self, allowed: bool | None = True) -> None:
        self.target_admin.patch(
            f"{POLICY}/partners/{self.source['id']}",
            {"automaticUserConsentSettings": {"inboundAllowed": allowed}},
        )

    def source_adds_partner(self) -> None:
        self.source_admin.post(f"{POLICY}/partners", {"tenantId": self.target["id"]})

    def source_allows_outbound_redemption(self, allowed: bool | None = True) -> None:
        self.source_admin.patch(
            f"{POLICY}/partners/{self.target['id']}",
            {"automaticUserConsentSettings": {"outboundAllowed": allowed}},
        )

    def configure_all(self) -> None:
        if self.job().is_cross_cloud:
            self.target_ticks_cross_cloud_sync()
            self.source_allows_target_cloud()
        self.target_adds_partner()
        self.target_allows_inbound_sync()
        self.target_allows_inbound_redemption()
        self.source_adds_partner()
        self.source_allows_outbound_redemption()


def client(backend: SimulatedGraph, tenant: dict[str, Any], app: dict[str, Any]) -> GraphClient:
    return GraphClient(backend, identity(tenant, app))


@pytest.fixture
def make_pair(new_tenant: Any, backend: SimulatedGraph):
    def make(source_cloud: str = "commercial", target_cloud: str = "gcch") -> Pair:
        s, t = new_tenant(source_cloud, users=0), new_tenant(target_cloud, users=0)
        admin = "Policy.ReadWrite.CrossTenantAccess"
        return Pair(
            s,
            t,
            client(backend, s, app_of(s, admin)),
            client(backend, t, app_of(t, admin)),
            client(backend, s, reader_of(s)),
            client(backend, t, reader_of(t)),
        )

    return make


@pytest.fixture
def configured(make_pair: Any) -> Pair:
    """Commercial → GCC High with every documented prerequisite in place."""
    pair = make_pair("commercial", "gcch")
    pair.configure_all()
    return pair


# -- building commercial → GCC High step by step -------------------------------------------------


def test_each_configuration_step_clears_exactly_its_failures_in_documented_order(make_pair: Any) -> None:
    pair = make_pair("commercial", "gcch")
    src, tgt = ("source", "target")
    expected_after = [
        (
            None,
            [(TOKEN_EXPIRED, tgt), (ENDPOINT, src), (SYNC_CHECK, src), (SYNC_CHECK, tgt), (B2B_CHECK, tgt)],
        ),
        (
            pair.target_ticks_cross_cloud_sync,
            [(ENDPOINT, src), (SYNC_CHECK, src), (SYNC_CHECK, tgt), (B2B_CHECK, tgt)],
        ),
        (pair.source_allows_target_cloud, [(SYNC_CHECK, src), (SYNC_CHECK, tgt), (B2B_CHECK, tgt)]),
        (pair.source_adds_partner, [(SYNC_CHECK, src), (SYNC_CHECK, tgt), (B2B_CHECK, tgt)]),
        (pair.source_allows_outbound_redemption, [(SYNC_CHECK, tgt), (B2B_CHECK, tgt)]),
        (pair.target_adds_partner, [(SYNC_CHECK, tgt), (B2B_CHECK, tgt)]),
        (pair.target_allows_inbound_redemption, [(SYNC_CHECK, tgt)]),
        (pair.target_allows_inbound_sync, []),
    ]
    for step, expected in expected_after:
        if step is not None:
            step()
        assert pair.codes() == expected, step.__name__ if step else "nothing configured"


def test_complete_cross_cloud_configuration_has_no_failure(configured: Pair) -> None:
    assert configured.preflight() == []
    require_preflight(configured.job(), configured.source_reader, configured.target_reader)


def test_1_cross_cloud_job_created_without_the_cross_cloud_choice_fails_external_tenant_not_found(
    configured: Pair,
) -> None:
    [failure] = configured.preflight(cross_cloud=False)
    tid = configured.target["id"]
    assert failure.code == "ExternalTenantNotFound"
    assert failure.side == "source"
    assert failure.message == (
        f"This tenant was not found by the authentication authority of the current cloud: {tid}. "
        f"The authentication authority is https://login.microsoftonline.com/{tid}."
    )
    assert "across Microsoft clouds" in failure.fix


def test_1_authority_is_the_source_clouds_login_host(make_pair: Any) -> None:
    pair = make_pair("gcch", "commercial")
    pair.configure_all()
    [failure] = pair.preflight(cross_cloud=False)
    tid = pair.target["id"]
    assert failure.message.endswith(
        f"The authentication authority is https://login.microsoftonline.us/{tid}."
    )


def test_2_target_without_cross_cloud_sync_for_the_source_cloud_fails_token_expired(configured: Pair) -> None:
    configured.target_admin.patch(POLICY, {"allowedCloudEndpoints": []})
    [failure] = configured.preflight()
    assert (failure.code, failure.side) == (TOKEN_EXPIRED, "target")
    assert failure.message == "The identity of the calling application could not be established."
    assert "microsoftonline.com" in failure.fix


def test_3_source_without_the_target_cloud_in_allowed_cloud_endpoints_fails_endpoint_not_allowed(
    configured: Pair,
) -> None:
    configured.source_admin.patch(POLICY, {"allowedCloudEndpoints": []})
    [failure] = configured.preflight()
    assert (failure.code, failure.side) == (ENDPOINT, "source")
    assert configured.target["id"] in failure.message and "microsoftonline.us" in failure.message


@pytest.mark.parametrize("outbound", [False, None])
def test_4_source_outbound_auto_redemption_off_or_unset_fails_with_the_source_message(
    configured: Pair, outbound: bool | None
) -> None:
    configured.source_allows_outbound_redemption(outbound)
    [failure] = configured.preflight()
    assert (failure.code, failure.side, failure.message) == (SYNC_CHECK, "source", SOURCE_MESSAGE)


def test_4_source_without_the_target_as_partner_fails_with_the_source_message(configured: Pair) -> None:
    configured.source_admin.delete(f"{POLICY}/partners/{configured.target['id']}")
    [failure] = configured.preflight()
    assert (failure.code, failure.message) == (SYNC_CHECK, SOURCE_MESSAGE)
    assert "Organizational settings" in failure.fix


def test_4_an_unset_partner_setting_inherits_the_default(configured: Pair) -> None:
    configured.source_allows_outbound_redemption(None)
    configured.source_admin.patch(
        f"{POLICY}/default", {"automaticUserConsentSettings": {"outboundAllowed": True}}
    )
    assert configured.preflight() == []
    configured.source_allows_outbound_redemption(False)
    assert configured.codes() == [(SYNC_CHECK, "source")]


@pytest.mark.parametrize("how", ["isSyncAllowed false", "identitySynchronization missing"])
def test_5_target_not_allowing_inbound_sync_fails_with_the_target_message(configured: Pair, how: str) -> None:
    sync = f"{POLICY}/partners/{configured.source['id']}/identitySynchronization"
    if how == "isSyncAllowed false":
        configured.target_admin.patch(sync, {"userSyncInbound": {"isSyncAllowed": False}})
    else:
        configured.target_admin.delete(sync)
    [failure] = configured.preflight()
    assert (failure.code, failure.side, failure.message) == (SYNC_CHECK, "target", TARGET_MESSAGE)


def test_5_and_6_target_without_the_source_as_partner_fails_both_target_checks(configured: Pair) -> None:
    configured.target_admin.delete(f"{POLICY}/partners/{configured.source['id']}")
    assert configured.codes() == [(SYNC_CHECK, "target"), (B2B_CHECK, "target")]


@pytest.mark.parametrize("inbound", [False, None])
def test_6_target_inbound_auto_redemption_off_or_unset_fails_b2b_policy_check(
    configured: Pair, inbound: bool | None
) -> None:
    configured.target_allows_inbound_redemption(inbound)
    [failure] = configured.preflight()
    assert (failure.code, failure.side) == (B2B_CHECK, "target")
    assert failure.message == "Policy permitting auto-redemption of invitations not configured"


# -- same cloud, and who may read -----------------------------------------------------------------


@pytest.mark.parametrize("clouds", [("commercial", "commercial"), ("gcch", "dod"), ("dod", "gcch")])
def test_same_cloud_pairs_need_no_cloud_settings(make_pair: Any, clouds: tuple[str, str]) -> None:
    pair = make_pair(*clouds)
    pair.configure_all()
    assert pair.source_admin.get(POLICY)["allowedCloudEndpoints"] == []
    assert pair.preflight() == []
    pair.source_allows_outbound_redemption(False)
    assert pair.codes() == [(SYNC_CHECK, "source")]


def test_unreadable_target_policy_is_a_failure_not_an_exception(
    configured: Pair, backend: SimulatedGraph
) -> None:
    # an app registered through Graph holds no application permission at all
    app = configured.target_admin.post("/applications", {"displayName": "no permissions"})
    configured.target_admin.post(f"/applications/{app['id']}/addPassword", {})
    bare = GraphClient(backend, Identity("gcch", configured.target["id"], app["appId"]))
    configured.source_allows_outbound_redemption(False)
    failures = run_preflight(configured.job(), configured.source_reader, bare)
    assert [(f.code, f.side) for f in failures] == [
        ("CrossTenantAccessPolicyUnreadable", "target"),
        (SYNC_CHECK, "source"),
    ]
    assert "403 Authorization_RequestDenied" in failures[0].message
    assert "Policy.Read.All" in failures[0].fix and app["appId"] in failures[0].fix


def test_target_app_without_a_token_is_a_failure_not_an_exception(
    configured: Pair, backend: SimulatedGraph
) -> None:
    stranger = GraphClient(
        backend, Identity("gcch", configured.target["id"], "00000000-0000-0000-0000-00000000abcd")
    )
    [failure] = run_preflight(configured.job(), configured.source_reader, stranger)
    assert (failure.code, failure.side) == ("CrossTenantAccessPolicyUnreadable", "target")
    assert "AADSTS700016" in failure.message


def test_clients_must_belong_to_the_jobs_tenants(configured: Pair) -> None:
    with pytest.raises(ValueError, match="target"):
        run_preflight(configured.job(), configured.source_reader, configured.source_reader)


# -- cloud pairs ----------------------------------------------------------------------------------

SUPPORTED = [
    ("commercial", "commercial"),
    ("gcch", "gcch"),
    ("dod", "dod"),
    ("gcch", "dod"),
    ("dod", "gcch"),
    ("china", "china"),  # contradictory in the docs; allowed
    ("commercial", "gcch"),
    ("commercial", "dod"),
    ("gcch", "commercial"),
    ("dod", "commercial"),
    ("commercial", "china"),
]
REFUSED = [p for p in itertools.product(CLOUDS, CLOUDS) if p not in SUPPORTED]


def test_refused_pairs_are_exactly_the_undocumented_ones() -> None:
    assert sorted(REFUSED) == sorted(
        [("china", "commercial"), ("china", "gcch"), ("china", "dod"), ("gcch", "china"), ("dod", "china")]
    )


@pytest.mark.parametrize("pair", SUPPORTED, ids="->".join)
def test_supported_cloud_pair_is_allowed(pair: tuple[str, str]) -> None:
    assert check_pair(*pair) is None


@pytest.mark.parametrize("pair", REFUSED, ids="->".join)
def test_unsupported_cloud_pair_is_refused_naming_both_clouds_and_the_supported_pairs(
    pair: tuple[str, str],
) -> None:
    failure = check_pair(*pair)
    assert failure is not None
    assert (failure.code, failure.side) == ("UnsupportedCloudPair", "pair")
    source, target = pair
    assert f"from a {source} tenant to a {target} tenant is not supported" in failure.message
    assert "commercial → gcch" in failure.message and "commercial → china" in failure.message
    assert failure.fix


def test_unknown_cloud_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="unknown cloud"):
        check_pair("germany", "commercial")


def test_refused_pair_is_reported_alone_before_any_policy_is_read(make_pair: Any) -> None:
    pair = make_pair("china", "commercial")
    assert pair.codes() == [("UnsupportedCloudPair", "pair")]
    with pytest.raises(PreflightError) as err:
        require_preflight(pair.job(), pair.source_reader, pair.target_reader)
    assert [f.code for f in err.value.failures] == ["UnsupportedCloudPair"]


def test_commercial_to_china_is_checked_with_the_china_instance(make_pair: Any) -> None:
    pair = make_pair("commercial", "china")
    pair.configure_all()
    assert pair.preflight() == []
    pair.source_admin.patch(POLICY, {"allowedCloudEndpoints": ["microsoftonline.us"]})
    [failure] = pair.preflight()
    assert failure.code == ENDPOINT and "partner.microsoftonline.cn" in failure.message


# -- the portal's text ----------------------------------------------------------------------------


def test_validate_credentials_message_is_generic_line_then_code_then_details() -> None:
    failure = PreflightFailure(SYNC_CHECK, SOURCE_MESSAGE, "source", "fix it")
    assert validate_credentials_message(failure).splitlines() == [
        "You appear to have entered invalid credentials. Please confirm you are using the correct "
        "information for an administrative account.",
        f"Error code: {SYNC_CHECK}",
        f"Details: {SOURCE_MESSAGE}",
    ]


def test_preflight_error_carries_every_failure() -> None:
    a = PreflightFailure(TOKEN_EXPIRED, "x", "target", "f")
    b = replace(a, code=B2B_CHECK)
    err = PreflightError([a, b])
    assert err.failures == (a, b)
    assert str(err).startswith(TOKEN_EXPIRED) and "+1 more" in str(err)
