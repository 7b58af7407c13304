"""Issue acceptance: the documented setup with msgraph-sdk, for every supported cross-cloud pair;
after the clock moves, the target holds the in-scope users as B2B members."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph.generated.audit_logs.provisioning.provisioning_request_builder import ProvisioningRequestBuilder
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

from tests.conftest import app_of, control_tenant
from tests.simulator.graph.test_msgraph_sdk import graph_client
from tests.simulator.provisioning.sdk_setup import configure_source, configure_target

#: A simulator per test: the 40-minute schedule is asserted on a clock no other job shares.
SIMULATOR = {"seed": 9, "empty": True, "virtual_clock": True}


@pytest.mark.parametrize(
    ("source_cloud", "target_cloud"),
    [("commercial", "gcch"), ("commercial", "dod"), ("gcch", "commercial"), ("commercial", "china")],
)
def test_documented_setup_with_msgraph_sdk_synchronizes_in_scope_users(
    sim: Any, source_cloud: str, target_cloud: str
) -> None:
    src = control_tenant(sim, source_cloud, 40, name=f"Src {source_cloud} {target_cloud}")
    tgt = control_tenant(sim, target_cloud, 5, name=f"Tgt {source_cloud} {target_cloud}")
    doc = sim.endpoints()
    source, target = graph_client(doc, src, app_of(src)), graph_client(doc, tgt, app_of(tgt))

    async def scenario() -> None:
        await configure_target(target, src, tgt)
        configured = await configure_source(source, src, tgt, cross_cloud=True)
        r = httpx.post(f"{sim.control_url}/_simulator/clock/advance", json={"by": "PT1M"})
        assert r.json()["cyclesRun"] >= 1
        members = (await source.groups.by_group_id(configured.group_id).members.get()).value
        # internal, enabled members are in scope (a disabled user is not provisioned while disabled)
        internal = [
            m for m in members if "#EXT#" not in m.user_principal_name and m.account_enabled is not False
        ]
        select = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                select=["userPrincipalName", "userType", "creationType"], top=999
            )
        )
        users = (await target.users.get(request_configuration=select)).value
        b2b = {u.user_principal_name.split("#EXT#")[0]: u for u in users if "#EXT#" in u.user_principal_name}
        assert internal
        assert {m.user_principal_name.replace("@", "_") for m in internal} == set(b2b)
        assert all(u.user_type == "Member" for u in b2b.values())
        job = (
            await source.service_principals.by_service_principal_id(configured.sp_id)
            .synchronization.jobs.by_synchronization_job_id(configured.job_id)
            .get()
        )
        assert job.status.code.value == "Active"
        assert job.schedule.state.value == "Active"
        assert job.status.last_successful_execution is not None

        # the provisioning logs, read with the documented filter, show the creates
        sp = configured.sp_id
        day = sim.clock.now().strftime("%Y-%m-%d")
        flt = (
            f"((contains(tolower(servicePrincipal/id), '{sp}') or contains(tolower(servicePrincipal/displayName), '{sp}'))"
            f" and activityDateTime gt {day} and activityDateTime lt 2099-01-01)"
        )
        logs_cfg = RequestConfiguration(
            query_parameters=ProvisioningRequestBuilder.ProvisioningRequestBuilderGetQueryParameters(
                filter=flt, top=500, orderby=["activityDateTime desc"]
            )
        )
        logs = (await source.audit_logs.provisioning.get(request_configuration=logs_cfg)).value
        creates = [
            r
            for r in logs
            if r.provisioning_action.value == "create"
            and r.provisioning_status_info.status.value == "success"
        ]
        assert len(creates) == len(internal)
        assert {r.source_identity.id for r in creates} == {m.id for m in internal}

        # source audit log: the configuration's ProvisioningManagement events
        src_audit = (await source.audit_logs.directory_audits.get()).value
        activities = {(a.category, a.activity_display_name) for a in src_audit}
        assert ("ProvisioningManagement", "Add provisioning configuration") in activities
        assert ("ProvisioningManagement", "Enable/start provisioning configuration") in activities
        assert ("CrossTenantAccessSettings", "Add a partner to cross-tenant access setting") in activities
        # target audit log: the users the sync identity made, and the policy changes
        tgt_audit = (await target.audit_logs.directory_audits.get()).value
        by_sync = [
            a
            for a in tgt_audit
            if a.initiated_by.app and a.initiated_by.app.app_id == "00000014-0000-0000-c000-000000000000"
        ]
        assert by_sync and all(
            a.initiated_by.app.display_name == "Microsoft.Azure.SyncFabric" for a in by_sync
        )
        assert {a.category for a in by_sync} >= {"UserManagement"}
        assert ("CrossTenantIdentitySyncSettings", "Create a partner cross-tenant identity sync setting") in {
            (a.category, a.activity_display_name) for a in tgt_audit
        }

    asyncio.run(scenario())
    # the next cycle comes 40 minutes after the first began (at the start, 1 minute before the first advance ended)
    assert (
        httpx.post(f"{sim.control_url}/_simulator/clock/advance", json={"by": "PT38M"}).json()["cyclesRun"]
        == 0
    )
    assert (
        httpx.post(f"{sim.control_url}/_simulator/clock/advance", json={"by": "PT1M"}).json()["cyclesRun"]
        >= 1
    )


@pytest.mark.parametrize(
    ("source_cloud", "target_cloud"), [("china", "commercial"), ("gcch", "china"), ("dod", "china")]
)
def test_unsupported_cloud_pairs_are_refused_at_validate_credentials(
    sim: Any, source_cloud: str, target_cloud: str
) -> None:
    src = control_tenant(sim, source_cloud, 10, name=f"Bad {source_cloud} {target_cloud}")
    tgt = control_tenant(sim, target_cloud, 5, name=f"Bad target {source_cloud} {target_cloud}")
    doc = sim.endpoints()
    source, target = graph_client(doc, src, app_of(src)), graph_client(doc, tgt, app_of(tgt))

    async def setup() -> None:
        await configure_target(target, src, tgt)
        await configure_source(source, src, tgt, cross_cloud=True)

    with pytest.raises(ODataError) as refused:
        asyncio.run(setup())
    assert refused.value.response_status_code == 400
    assert refused.value.error.code == "UnsupportedCloudPair"
    assert source_cloud in refused.value.error.message and target_cloud in refused.value.error.message
