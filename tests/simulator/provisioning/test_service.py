"""The simulated provisioning service through Graph: job status, validateCredentials failures,
quarantine and recovery, provisionOnDemand, restart flags, deletion threshold, pause/start, licences, schema."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.conftest import CLOUD_INSTANCE, POLICY, assert_graph_error
from tests.simulator.provisioning.conftest import make_setup

SENTINEL = "0001-01-01T00:00:00Z"


def test_job_status_goes_paused_notrun_active(sim: Any) -> None:
    s = make_setup(sim, start=False)
    job = s.status()
    assert job["templateId"] == "Azure2Azure" and job["id"].startswith("Azure2Azure.")
    assert job["schedule"] == {"expiration": None, "interval": "PT40M", "state": "Disabled"}
    assert job["status"]["code"] == "Paused"
    assert job["status"]["steadyStateFirstAchievedTime"] == SENTINEL
    assert job["status"]["lastExecution"] is None
    assert s.src("POST", f"{s.job}/start").status_code == 204
    assert s.status()["status"]["code"] == "NotRun"
    assert s.status()["schedule"]["state"] == "Active"
    assert s.advance("PT1M")["cyclesRun"] == 1
    s.fresh()
    job = s.status()
    assert job["status"]["code"] == "Active"
    execution = job["status"]["lastSuccessfulExecution"]
    assert execution["state"] == "Succeeded" and execution["countExported"] > 0
    assert len(s.b2b()) == execution["countExported"]


def _break(s: Any, what: str) -> None:
    if what == "source outbound":
        s.src(
            "PATCH",
            f"{POLICY}/partners/{s.target['id']}",
            json={"automaticUserConsentSettings": {"outboundAllowed": False}},
        )
    elif what == "target inbound sync":
        s.tgt(
            "PATCH",
            f"{POLICY}/partners/{s.source['id']}/identitySynchronization",
            json={"userSyncInbound": {"isSyncAllowed": False}},
        )
    elif what == "target inbound redemption":
        s.tgt(
            "PATCH",
            f"{POLICY}/partners/{s.source['id']}",
            json={"automaticUserConsentSettings": {"inboundAllowed": False}},
        )
    elif what == "target cross-cloud setting":
        s.tgt("PATCH", POLICY, json={"allowedCloudEndpoints": []})
    elif what == "target cross-cloud sync switch":  # B2B stays on: only the separate setting goes off
        _switch(s, False)


def _fix(s: Any, what: str) -> None:
    if what == "source outbound":
        s.src(
            "PATCH",
            f"{POLICY}/partners/{s.target['id']}",
            json={"automaticUserConsentSettings": {"outboundAllowed": True}},
        )
    elif what == "target inbound sync":
        s.tgt(
            "PATCH",
            f"{POLICY}/partners/{s.source['id']}/identitySynchronization",
            json={"userSyncInbound": {"isSyncAllowed": True}},
        )
    elif what == "target inbound redemption":
        s.tgt(
            "PATCH",
            f"{POLICY}/partners/{s.source['id']}",
            json={"automaticUserConsentSettings": {"inboundAllowed": True}},
        )
    elif what == "target cross-cloud setting":
        s.tgt("PATCH", POLICY, json={"allowedCloudEndpoints": [CLOUD_INSTANCE[s.source["cloud"]]]})
    elif what == "target cross-cloud sync switch":
        _switch(s, True)


def _switch(s: Any, on: bool) -> dict[str, Any]:
    """The target's cross-cloud synchronization setting for the source cloud, through the control plane."""
    url = f"{s.sim.control_url}/_simulator/tenants/{s.target['id']}/cross-cloud-sync/{s.source['cloud']}"
    r = httpx.put(url, json={"enabled": on})
    assert r.status_code == 200, r.text
    return r.json()


FAILURES = [
    (
        "target cross-cloud sync switch",
        "AzureActiveDirectoryTokenExpired",
        "The identity of the calling application could not be established.",
    ),
    (
        "target cross-cloud setting",
        "AzureActiveDirectoryTokenExpired",
        "The identity of the calling application could not be established.",
    ),
    (
        "source outbound",
        "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure",
        "The source tenant has not enabled automatic user consent with the target tenant.",
    ),
    (
        "target inbound sync",
        "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure",
        "The target tenant has not enabled inbound synchronization with this tenant.",
    ),
    (
        "target inbound redemption",
        "AzureDirectoryB2BManagementPolicyCheckFailure",
        "Policy permitting auto-redemption of invitations not configured",
    ),
]


@pytest.mark.parametrize(("what", "code", "text"), FAILURES)
def test_validate_credentials_reports_each_documented_failure(
    sim: Any, what: str, code: str, text: str
) -> None:
    s = make_setup(sim, start=False)
    body = {"useSavedCredentials": True, "templateId": "Azure2Azure"}
    assert s.src("POST", f"{s.job}/validateCredentials", json=body).status_code == 204
    _break(s, what)
    err = assert_graph_error(s.src("POST", f"{s.job}/validateCredentials", json=body), 400, code)
    assert err["message"].startswith("You appear to have entered invalid credentials.")
    assert f"Error code: {code}" in err["message"] and text in err["message"]
    # the collection-level test connection (before a job exists) answers the same
    creds = {
        "useSavedCredentials": False,
        "templateId": "Azure2Azure",
        "credentials": [
            {"key": "CompanyId", "value": s.target["id"]},
            {"key": "AuthenticationType", "value": "SyncPolicy"},
        ],
    }
    assert_graph_error(s.src("POST", f"{s.sync}/jobs/validateCredentials", json=creds), 400, code)


@pytest.mark.parametrize(("what", "code", "text"), FAILURES)
def test_prerequisite_turned_off_quarantines_the_job_and_fixing_it_recovers(
    sim: Any, what: str, code: str, text: str
) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    assert s.status()["status"]["code"] == "Active"
    _break(s, what)
    s.advance("PT40M")
    s.fresh()
    job = s.status()
    assert job["status"]["code"] == "Quarantine"
    q = job["status"]["quarantine"]
    assert q["reason"] == "EncounteredQuarantineException"
    assert q["error"]["code"] == code
    assert q["nextAttempt"] is not None
    _fix(s, what)
    s.advance("PT6H")
    s.fresh()
    job = s.status()
    assert job["status"]["code"] == "Active" and job["status"]["quarantine"] is None


def test_provision_on_demand_returns_the_steps_and_is_rate_limited(sim: Any) -> None:
    s = make_setup(sim, start=False)
    rule = s.src("GET", f"{s.job}/schema").json()["synchronizationRules"][0]["id"]
    members = [m for m in s.members() if m.get("accountEnabled", True)]

    def body(uid):
        return {"parameters": [{"ruleId": rule, "subjects": [{"objectId": uid, "objectTypeName": "User"}]}]}  # noqa: E731

    r = s.src("POST", f"{s.job}/provisionOnDemand", json=body(members[0]["id"]))
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["key"] == "Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo"
    value = json.loads(out["value"])
    steps = value[0]["provisioningSteps"]
    assert [st["type"] for st in steps][:2] == ["Import", "Scoping"]
    assert steps[-1]["status"] == "Success" and "created" in steps[-1]["description"]
    assert members[0]["userPrincipalName"].replace("@", "_") in s.b2b()
    for m in members[1:5]:
        assert s.src("POST", f"{s.job}/provisionOnDemand", json=body(m["id"])).status_code == 200
    limited = s.src("POST", f"{s.job}/provisionOnDemand", json=body(members[5]["id"]))
    assert_graph_error(limited, 429, "TooManyRequests")
    assert int(limited.headers["Retry-After"]) >= 1
    s.advance("PT11S")
    s.fresh()
    assert s.src("POST", f"{s.job}/provisionOnDemand", json=body(members[5]["id"])).status_code == 200
    assert_graph_error(
        s.src("POST", f"{s.job}/provisionOnDemand", json={"parameters": []}), 400, "Request_BadRequest"
    )


@pytest.mark.parametrize(
    "flags",
    [
        "Watermark",
        "Escrows",
        "QuarantineState",
        "Full",
        "ForceDeletes",
        "None",
        "",
        "Watermark, Escrows",
        "ConnectorDataStore",
    ],
)
def test_restart_accepts_each_reset_scope_and_resyncs_without_duplicates(sim: Any, flags: str) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    before = s.b2b()
    assert s.src("POST", f"{s.job}/restart", json={"criteria": {"resetScope": flags}}).status_code == 204
    ran = s.advance("PT1M")["cyclesRun"]
    assert ran == 1
    s.fresh()
    assert s.b2b().keys() == before.keys()
    assert s.status()["status"]["code"] == "Active"


def test_restart_with_an_unknown_flag_is_400(sim: Any) -> None:
    s = make_setup(sim, start=False)
    err = assert_graph_error(
        s.src("POST", f"{s.job}/restart", json={"criteria": {"resetScope": "Everything"}}),
        400,
        "Request_BadRequest",
    )
    assert "Watermark" in err["message"]


def test_deletion_threshold_stages_deletes_quarantines_and_force_deletes_releases(sim: Any) -> None:
    notif = json.dumps({"Enabled": False, "DeleteThresholdEnabled": True, "DeleteThresholdValue": 3})
    s = make_setup(sim, secrets={"SyncNotificationSettings": notif})
    s.advance("PT1M")
    s.fresh()
    count = len(s.b2b())
    leavers = [m for m in s.members() if m.get("accountEnabled", True)][:4]
    for m in leavers:
        assert s.src("DELETE", f"/groups/{s.group_id}/members/{m['id']}/$ref").status_code == 204
    s.advance("PT40M")
    s.fresh()
    job = s.status()
    assert job["status"]["code"] == "Quarantine" and job["status"]["quarantine"]["reason"] == "TooManyDeletes"
    assert len(s.b2b()) == count
    assert (
        s.src("POST", f"{s.job}/restart", json={"criteria": {"resetScope": "ForceDeletes"}}).status_code
        == 204
    )
    s.advance("PT1M")
    s.fresh()
    assert len(s.b2b()) == count - 4
    assert s.status()["status"]["code"] == "Active"


def test_pause_stops_cycles_and_start_resumes(sim: Any) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    assert s.src("POST", f"{s.job}/pause").status_code == 204
    assert s.advance("PT2H")["cyclesRun"] == 0
    s.fresh()
    assert s.status()["schedule"]["state"] == "Paused" and s.status()["status"]["code"] == "Paused"
    assert s.src("POST", f"{s.job}/start").status_code == 204
    assert s.advance("PT1M")["cyclesRun"] == 1


def test_licence_warning_on_validate_start_and_job(sim: Any) -> None:
    s = make_setup(sim, start=False)
    r = s.src(
        "POST",
        f"{s.job}/validateCredentials",
        json={"useSavedCredentials": True, "templateId": "Azure2Azure"},
    )
    assert r.status_code == 204
    assert not [h for h in r.headers if h.lower().startswith("x-ccsync")]  # nothing invented on Graph
    warning = licence_warning(s)
    assert warning and "Microsoft Entra ID Governance or Microsoft Entra Suite" in warning
    s.src("POST", f"{s.job}/start")
    assert "Governance" in licence_warning(s)
    assert not [k for k in s.status() if k.startswith("@ccsync")]


def licence_warning(s: Any) -> str | None:
    """The warning an admin sees (kept on the control plane: Graph has no property for it)."""
    r = httpx.get(f"{s.sim.control_url}/_simulator/provisioning/configurations/{s.sp_id}/licence-warning")
    assert r.status_code == 200, r.text
    return r.json()["licenceWarning"]


def test_schema_changes(sim: Any) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    schema = s.src("GET", f"{s.job}/schema").json()
    rule = schema["synchronizationRules"][0]
    assert rule["name"] == "USER_INBOUND_USER"
    users = rule["objectMappings"][0]
    anchor = next(m for m in users["attributeMappings"] if m["matchingPriority"] == 1)
    assert (
        anchor["targetAttributeName"] == "alternativeSecurityIds"
        and "AltSecIdFromNetId" in anchor["source"]["expression"]
    )
    # changing the matching attribute is refused
    bad = json.loads(json.dumps(schema))
    bad["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"].append(
        {
            "targetAttributeName": "mail",
            "matchingPriority": 2,
            "flowType": "Always",
            "source": {"type": "Attribute", "name": "mail", "expression": "[mail]", "parameters": []},
        }
    )
    assert_graph_error(s.src("PUT", f"{s.job}/schema", json=bad), 400, "schemaInvalid")
    # a scoping filter: a restart that deprovisions users outside it
    scoped = json.loads(json.dumps(schema))
    scoped["synchronizationRules"][0]["objectMappings"][0]["scope"] = {
        "groups": [
            {
                "name": "Research only",
                "clauses": [
                    {
                        "operatorName": "EQUALS",
                        "sourceOperandName": "department",
                        "targetOperand": {"values": ["Research"]},
                    }
                ],
            }
        ]
    }
    assert s.src("PUT", f"{s.job}/schema", json=scoped).status_code == 204
    s.advance("PT1M")
    s.fresh()
    departments = {u.get("department") for u in s.b2b().values() if u.get("accountEnabled", True)}
    assert departments <= {"Research"}


def test_the_targets_cross_cloud_sync_setting_is_its_own_switch_distinct_from_b2b(sim: Any) -> None:
    s = make_setup(sim, start=False)
    url = f"{sim.control_url}/_simulator/tenants/{s.target['id']}/cross-cloud-sync/commercial"
    body = {"useSavedCredentials": True, "templateId": "Azure2Azure"}
    shown = httpx.get(url).json()
    assert shown["enabled"] is True  # on by default for simulator tenants
    off = _switch(s, False)
    assert off["enabled"] is False and off["default"] is False
    # B2B's allowedCloudEndpoints is untouched and still names the source cloud
    assert CLOUD_INSTANCE["commercial"] in s.tgt("GET", POLICY).json()["allowedCloudEndpoints"]
    assert_graph_error(
        s.src("POST", f"{s.job}/validateCredentials", json=body), 400, "AzureActiveDirectoryTokenExpired"
    )
    on = _switch(s, True)
    assert set(on["permissions"]) == {
        "User.ReadWrite.CrossCloud",
        "User.Invite.All",
        "Organization.Read.All",
        "Policy.Read.All",
    }
    made = s.tgt("GET", f"/servicePrincipals/{on['servicePrincipalId']}")  # the target-side principal
    assert made.status_code == 200, made.text
    assert s.src("POST", f"{s.job}/validateCredentials", json=body).status_code == 204
    assert (
        httpx.put(
            f"{sim.control_url}/_simulator/tenants/{s.target['id']}/cross-cloud-sync/gcch",
            json={"enabled": True},
        ).status_code
        == 400
    )  # the tenant's own cloud
    assert httpx.put(url, json={"enabled": "yes"}).status_code == 400


def test_a_world_file_can_turn_the_targets_cross_cloud_sync_off() -> None:
    from datetime import UTC, datetime

    from simulator.directory import cross_cloud_sync
    from simulator.world.spec import parse_world

    world = parse_world(
        "tenants:\n"
        "  - {name: Gov, cloud: gcch, users: 3, cross_cloud_sync: {commercial: false}}\n"
        "  - {name: Plain, cloud: gcch, users: 3}\n"
    )
    assert world.tenants[0].cross_cloud_sync == (("commercial", False),)
    assert world.tenants[1].cross_cloud_sync == ()
    from simulator.world.build import build_tenant

    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert cross_cloud_sync.enabled(build_tenant(world.tenants[0], 1, now), "commercial") is False
    assert cross_cloud_sync.enabled(build_tenant(world.tenants[1], 1, now), "commercial") is True


def test_the_service_infers_cross_cloud_from_the_company_id_tenant_and_ignores_the_tag(sim: Any) -> None:
    import httpx

    s = make_setup(sim, start=False)
    url = f"{sim.control_url}/_simulator/provisioning/configurations/{s.sp_id}/cross-cloud"
    assert httpx.get(url).json()["crossCloud"] is True  # commercial source, gcch target
    tags = s.src("GET", f"/servicePrincipals/{s.sp_id}").json().get("tags") or []
    assert "CrossCloudSynchronization" not in tags  # the test kit no longer adds it
    # the tag is a free-form string: adding it is valid and changes nothing
    with_tag = [*tags, "CrossCloudSynchronization"]
    assert s.src("PATCH", f"/servicePrincipals/{s.sp_id}", json={"tags": with_tag}).status_code == 204
    body = {"useSavedCredentials": True, "templateId": "Azure2Azure"}
    assert s.src("POST", f"{s.job}/validateCredentials", json=body).status_code == 204
    assert httpx.get(url).json()["crossCloud"] is True
    assert httpx.put(url, json={"enabled": False}).status_code == 405  # nothing to switch


def test_an_unsupported_cloud_pair_is_refused_when_the_company_id_is_saved(sim: Any) -> None:
    from tests.conftest import GraphHttp, control_tenant

    china = control_tenant(sim, "china", 3, name="China source")
    commercial = control_tenant(sim, "commercial", 3, name="Commercial target")
    graph = GraphHttp(sim.endpoints(), china)
    created = graph(
        "POST",
        "/applicationTemplates/518e5f48-1fc8-4c48-9387-9fdf28b0dfe7/instantiate",
        json={"displayName": "China to commercial"},
    )
    assert created.status_code == 201, created.text
    sp_id = created.json()["servicePrincipal"]["id"]
    secrets = {
        "value": [
            {"key": "CompanyId", "value": commercial["id"]},
            {"key": "AuthenticationType", "value": "SyncPolicy"},
        ]
    }
    refused = graph("PUT", f"/servicePrincipals/{sp_id}/synchronization/secrets", json=secrets)
    assert_graph_error(refused, 400, "UnsupportedCloudPair")
    assert "from a china tenant to a commercial tenant is not supported" in refused.text


def test_a_durable_simulator_keeps_its_jobs_across_a_restart(tmp_path: Any) -> None:
    from simulator.testing import running_simulator
    from tests.conftest import GraphHttp

    with running_simulator(seed=5, empty=True, durable=True, data_dir=tmp_path) as first:
        first.clock.set_virtual()
        s = make_setup(first)
        s.advance("PT1M")
        s.fresh()
        created = len(s.b2b())
        job_url = s.job
        before = s.status()
        assert before["status"]["code"] == "Active" and created > 0
    # not empty: open the saved state (a durable data dir restores instead of building the world)
    with running_simulator(seed=5, durable=True, data_dir=tmp_path) as second:
        src = GraphHttp(second.endpoints(), s.source)
        after = src("GET", job_url).json()
        assert after["status"]["code"] == "Active"
        assert after["status"]["lastSuccessfulExecution"] == before["status"]["lastSuccessfulExecution"]
        assert after["schedule"] == before["schedule"]
        secrets_kept = second.provisioning.secrets[s.sp_id]["CompanyId"] == s.target["id"]
        assert secrets_kept
        # the restored job keeps running on the restored clock: its next cycle is incremental
        import httpx

        assert (
            httpx.post(f"{second.control_url}/_simulator/clock/advance", json={"by": "PT40M"}).json()[
                "cyclesRun"
            ]
            == 1
        )
        tgt = GraphHttp(second.endpoints(), s.target)
        users = tgt(
            "GET", "/users?$top=999&$select=userPrincipalName&$filter=creationType eq 'Invitation'"
        ).json()["value"]
        assert len([u for u in users if "#EXT#" in u["userPrincipalName"]]) == created


def test_licence_policy_enforce_as_a_job_setting_skips_unlicensed_users(sim: Any) -> None:
    s = make_setup(sim, start=False)
    assert s.src("DELETE", s.job).status_code == 204
    job = s.src(
        "POST",
        f"{s.sync}/jobs",
        json={
            "templateId": "Azure2Azure",
            "synchronizationJobSettings": [{"name": "LicensePolicy", "value": "enforce"}],
        },
    )
    assert job.status_code == 201
    assert {"name": "LicensePolicy", "value": "enforce"} in job.json()["synchronizationJobSettings"]
    s.job_id = job.json()["id"]
    assert s.src("POST", f"{s.job}/start").status_code == 204
    s.advance("PT1M")
    s.fresh()
    warning = licence_warning(s)
    assert "enforce" in warning
    unlicensed = int(warning.split(" of ")[0])
    members = [
        m for m in s.members() if m.get("accountEnabled", True) and "#EXT#" not in m["userPrincipalName"]
    ]
    assert unlicensed > 0
    assert len(s.b2b()) == len(members) - unlicensed
    bad = s.src(
        "POST", f"{s.sync}/jobs", json={"templateId": "Azure2Azure", "synchronizationJobSettings": "enforce"}
    )
    assert_graph_error(bad, 400, "Request_BadRequest")
