"""``/auditLogs``: what successful writes leave in the directory audit log, and the provisioning log."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import pytest

from simulator.clock import Clock
from simulator.clouds import Cloud
from simulator.directory.audit import (
    SYNC_FABRIC_APP_ID,
    AuditLog,
    graph_time,
    record_provisioning_management,
)
from simulator.identity.tokens import Caller
from simulator.wire.message import GraphRequest, GraphResponse, Headers
from simulator.world.spec import ADMIN_PERMISSIONS
from tests.conftest import GraphHttp, app_of, assert_graph_error, control_tenant
from tests.simulator.graph.directory_client import new_group_body, new_user_body

AUDITS = "/auditLogs/directoryAudits"
PROVISIONING = "/auditLogs/provisioning"
#: The documented cross-tenant synchronization query of the provisioning log, with {spId} to fill.
CTS_QUERY = (
    "$filter=((contains(tolower(servicePrincipal/id), '{spId}') or contains(tolower(servicePrincipal/displayName), "
    "'{spId}')) and activityDateTime gt 2023-07-30 and activityDateTime lt 2023-07-31)&$top=500"
    "&$orderby=activityDateTime desc"
)


TENANT = {"users": 3}


class InProcess:
    """Graph calls straight into the router with a made-up caller (no token: any app id, any roles)."""

    def __init__(self, sim: Any, tenant: dict[str, Any]) -> None:
        self.sim, self.tenant = sim, tenant
        stored = sim.store.tenants[tenant["id"]]
        self.admin = next(a for a in stored.apps.values() if "User.ReadWrite.All" in a.roles)

    def caller(self, app_id: str | None = None, roles: frozenset[str] | None = None) -> Caller:
        return Caller(
            self.tenant["id"],
            app_id or self.admin.client_id,
            frozenset(ADMIN_PERMISSIONS) if roles is None else roles,
            self.admin.sp_id,
        )

    def __call__(
        self,
        method: str,
        path: str,
        query: dict[str, str] | None = None,
        body: Any = None,
        caller: Caller | None = None,
    ) -> GraphResponse:
        req = GraphRequest(
            method,
            path,
            dict(query or {}),
            Headers({"Content-Type": "application/json"}),
            json.dumps(body).encode() if body is not None else None,
            "v1.0",
            "https://graph.test",
        )
        return self.sim.router.handle(Cloud(self.tenant["cloud"]), req, caller=caller or self.caller())


@pytest.fixture(scope="module")
def local(ccsync_simulator: Any, tenant: dict[str, Any]) -> InProcess:
    return InProcess(ccsync_simulator, tenant)


def audits_of(graph: GraphHttp, target_id: str, extra: str = "") -> list[dict[str, Any]]:
    """The directory audits naming ``target_id`` as a target, newest first."""
    flt = f"targetResources/any(t: t/id eq '{target_id}'){extra}"
    r = graph("GET", AUDITS, params={"$filter": flt})
    assert r.status_code == 200, r.text
    return r.json()["value"]


def modified(entry: dict[str, Any], index: int = 0) -> dict[str, tuple[Any, Any]]:
    return {
        p["displayName"]: (p["oldValue"], p["newValue"])
        for p in entry["targetResources"][index]["modifiedProperties"]
    }


def sp_record(sp_id: str, name: str, when: datetime, **extra: Any) -> dict[str, Any]:
    """A provisioningObjectSummary of a cross-tenant sync configuration, as the provisioning service shapes it."""
    return {
        "id": str(uuid.uuid4()),
        "activityDateTime": graph_time(when),
        "jobId": f"Azure2Azure.{uuid.uuid4().hex}.{uuid.uuid4().hex}",
        "cycleId": str(uuid.uuid4()),
        "changeId": str(uuid.uuid4()),
        "provisioningAction": "create",
        "durationInMilliseconds": 4375,
        "servicePrincipal": {"id": sp_id, "displayName": name},
        "initiatedBy": {"id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"},
        "sourceIdentity": {
            "id": str(uuid.uuid4()),
            "displayName": "User4",
            "identityType": "User",
            "details": {},
        },
        "targetIdentity": {"id": str(uuid.uuid4()), "displayName": "", "identityType": "User", "details": {}},
        "provisioningStatusInfo": {"status": "success", "errorInformation": None},
        "provisioningSteps": [],
        "modifiedProperties": [],
        **extra,
    }


# -- user and group management ------------------------------------------------------------------


def test_user_lifecycle_is_audited_with_the_calling_app(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    admin = app_of(tenant)
    body = new_user_body(tenant)
    uid = graph("POST", "/users", json=body).json()["id"]
    assert (
        graph("PATCH", f"/users/{uid}", json={"displayName": "Renamed", "jobTitle": "Pilot"}).status_code
        == 204
    )
    assert graph("DELETE", f"/users/{uid}").status_code == 204
    assert graph("POST", f"/directory/deletedItems/{uid}/restore").status_code == 200
    assert graph("DELETE", f"/users/{uid}").status_code == 204
    assert graph("DELETE", f"/directory/deletedItems/{uid}").status_code == 204

    entries = audits_of(graph, uid)
    assert [e["activityDisplayName"] for e in entries] == [
        "Hard delete user",
        "Delete user",
        "Restore user",
        "Delete user",
        "Update user",
        "Add user",
    ]
    for e in entries:
        assert e["category"] == "UserManagement"
        assert e["loggedByService"] == "Core Directory"
        assert e["result"] == "success"
        assert e["id"].startswith(f"Directory_{e['correlationId']}_")
        assert e["initiatedBy"]["user"] is None
        assert e["initiatedBy"]["app"]["appId"] == admin["clientId"]
        assert e["initiatedBy"]["app"]["displayName"] == admin["displayName"]
        target = e["targetResources"][0]
        assert (target["type"], target["userPrincipalName"]) == ("User", body["userPrincipalName"])
    update, add = entries[4], entries[5]
    assert modified(update) == {
        "DisplayName": (json.dumps([body["displayName"]]), '["Renamed"]'),
        "JobTitle": ("[]", '["Pilot"]'),
        "Included Updated Properties": (None, '"DisplayName, JobTitle"'),
    }
    assert modified(add)["UserPrincipalName"] == ("[]", json.dumps([body["userPrincipalName"]]))
    assert "PasswordProfile" not in modified(add)  # a password never reaches the log


def test_writes_by_the_sync_identity_are_acted_by_syncfabric(
    local: InProcess, reader: GraphHttp, tenant: dict[str, Any]
) -> None:
    sync = local.caller(app_id=SYNC_FABRIC_APP_ID)
    r = local("POST", "/users", body=new_user_body(tenant), caller=sync)
    assert r.status == 201, r.body
    uid = r.body["id"]
    assert local("PATCH", f"/users/{uid}", body={"accountEnabled": False}, caller=sync).status == 204

    flt = f"initiatedBy/app/appId eq '{SYNC_FABRIC_APP_ID}'"
    entries = [e for e in audits_of(reader, uid, f" and {flt}")]
    assert [e["activityDisplayName"] for e in entries] == ["Update user", "Add user"]
    app = entries[0]["initiatedBy"]["app"]
    assert app["displayName"] == "Microsoft.Azure.SyncFabric"
    assert app["servicePrincipalId"] == local.admin.sp_id
    assert modified(entries[0])["AccountEnabled"] == ("[true]", "[false]")


def test_group_and_membership_writes_are_audited(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    gid = graph("POST", "/groups", json=new_group_body()).json()["id"]
    uid = graph("POST", "/users", json=new_user_body(tenant)).json()["id"]
    ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"}
    assert graph("PATCH", f"/groups/{gid}", json={"description": "pilots"}).status_code == 204
    assert graph("POST", f"/groups/{gid}/members/$ref", json=ref).status_code == 204
    assert graph("DELETE", f"/groups/{gid}/members/{uid}/$ref").status_code == 204
    assert graph("DELETE", f"/groups/{gid}").status_code == 204

    entries = audits_of(graph, gid)
    assert [e["activityDisplayName"] for e in entries] == [
        "Delete group",
        "Remove member from group",
        "Add member to group",
        "Update group",
        "Add group",
    ]
    assert {e["category"] for e in entries} == {"GroupManagement"}
    assert modified(entries[3]) == {
        "Description": ("[]", '["pilots"]'),
        "Included Updated Properties": (None, '"Description"'),
    }
    removed, added = entries[1], entries[2]
    for e in (removed, added):
        member, group = e["targetResources"]
        assert (member["id"], member["type"], group["id"], group["type"]) == (uid, "User", gid, "Group")
    assert modified(added)["Group.ObjectID"] == (None, json.dumps(gid))
    assert modified(removed)["Group.ObjectID"] == (json.dumps(gid), None)


def test_members_bound_at_creation_are_audited_one_by_one(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    uids = [graph("POST", "/users", json=new_user_body(tenant)).json()["id"] for _ in range(2)]
    binds = [f"https://graph.microsoft.com/v1.0/users/{u}" for u in uids]
    gid = graph("POST", "/groups", json=new_group_body(**{"members@odata.bind": binds})).json()["id"]
    entries = audits_of(graph, gid)
    assert sorted(e["activityDisplayName"] for e in entries) == [
        "Add group",
        "Add member to group",
        "Add member to group",
    ]
    assert {e["targetResources"][0]["id"] for e in entries if e["activityDisplayName"] != "Add group"} == set(
        uids
    )


def test_invitation_is_audited_by_invited_users(graph: GraphHttp) -> None:
    email = f"guest{uuid.uuid4().hex[:8]}@fabrikam.example"
    r = graph(
        "POST", "/invitations", json={"invitedUserEmailAddress": email, "inviteRedirectUrl": "https://x"}
    )
    assert r.status_code == 201, r.text
    uid = r.json()["invitedUser"]["id"]
    invite, add = audits_of(graph, uid)
    assert (invite["activityDisplayName"], invite["category"], invite["loggedByService"]) == (
        "Invite external user",
        "UserManagement",
        "Invited Users",
    )
    assert (add["activityDisplayName"], add["loggedByService"]) == ("Add user", "Core Directory")
    assert modified(add)["CreationType"] == ("[]", '["Invitation"]')


def test_cross_tenant_access_changes_are_audited_with_old_and_new_values(
    ccsync_simulator: Any, endpoints: dict[str, Any]
) -> None:
    t = control_tenant(ccsync_simulator, users=0)
    g = GraphHttp(endpoints, t, app_of(t))
    base = "/policies/crossTenantAccessPolicy"
    partner = str(uuid.uuid4())
    sync = f"{base}/partners/{partner}/identitySynchronization"
    steps = [
        ("PATCH", base, {"allowedCloudEndpoints": ["microsoftonline.us"]}),
        ("PATCH", f"{base}/default", {"automaticUserConsentSettings": {"inboundAllowed": True}}),
        ("POST", f"{base}/default/resetToSystemDefault", None),
        ("POST", f"{base}/partners", {"tenantId": partner}),
        ("PATCH", f"{base}/partners/{partner}", {"automaticUserConsentSettings": {"inboundAllowed": True}}),
        ("PUT", sync, {"displayName": "Fabrikam", "userSyncInbound": {"isSyncAllowed": True}}),
        ("PATCH", sync, {"userSyncInbound": {"isSyncAllowed": False}}),
        ("DELETE", sync, None),
        ("DELETE", f"{base}/partners/{partner}", None),
    ]
    for method, path, body in steps:
        r = g(method, path, json=body) if body is not None else g(method, path)
        assert r.status_code in (201, 204), (path, r.text)

    entries = g("GET", AUDITS, params={"$orderby": "activityDateTime asc"}).json()["value"]
    assert [(e["category"], e["activityDisplayName"]) for e in entries] == [
        ("CrossTenantAccessSettings", "Update the company default cross-tenant access setting"),
        ("CrossTenantAccessSettings", "Update the company default cross-tenant access setting"),
        ("CrossTenantAccessSettings", "Reset the cross-tenant access default setting"),
        ("CrossTenantAccessSettings", "Add a partner to cross-tenant access setting"),
        ("CrossTenantAccessSettings", "Update a partner cross-tenant access setting"),
        ("CrossTenantIdentitySyncSettings", "Create a partner cross-tenant identity sync setting"),
        ("CrossTenantIdentitySyncSettings", "Update a partner cross-tenant identity sync setting"),
        ("CrossTenantIdentitySyncSettings", "Delete a partner cross-tenant identity sync setting"),
        ("CrossTenantAccessSettings", "Delete partner specific cross-tenant access setting"),
    ]
    assert {e["loggedByService"] for e in entries} == {"Core Directory"}
    clouds, default, reset, added, updated, created, sync_update = entries[:7]
    assert modified(clouds) == {"allowedCloudEndpoints": ("[]", '["microsoftonline.us"]')}
    consent = modified(default)["automaticUserConsentSettings"]
    assert json.loads(consent[0]) == {"inboundAllowed": False, "outboundAllowed": False}
    assert json.loads(consent[1]) == {"inboundAllowed": True, "outboundAllowed": False}
    assert modified(reset)["automaticUserConsentSettings"] == (consent[1], consent[0])
    assert added["targetResources"][0]["id"] == partner
    assert modified(added)["tenantId"] == (None, json.dumps(partner))
    assert json.loads(modified(updated)["automaticUserConsentSettings"][1])["inboundAllowed"] is True
    assert modified(created)["userSyncInbound"] == (None, '{"isSyncAllowed":true}')
    assert modified(sync_update) == {"userSyncInbound": ('{"isSyncAllowed":true}', '{"isSyncAllowed":false}')}


def test_refused_writes_leave_no_audit(
    graph: GraphHttp, reader: GraphHttp, local: InProcess, tenant: dict[str, Any]
) -> None:
    before = local("GET", AUDITS, {"$top": "1000"}).body["value"]
    uid = graph("GET", "/users?$top=1&$select=id").json()["value"][0]["id"]
    refused = [
        graph("POST", "/users", json={"displayName": "incomplete"}),
        graph("PATCH", f"/users/{uid}", json={"userType": "Alien"}),
        graph("PATCH", f"/users/{uuid.uuid4()}", json={"displayName": "nobody"}),
        graph("DELETE", f"/groups/{uuid.uuid4()}"),
        graph("POST", "/policies/crossTenantAccessPolicy/partners", json={"tenantId": tenant["id"]}),
        reader("POST", "/users", json=new_user_body(tenant)),
    ]
    assert [r.status_code for r in refused] == [400, 400, 404, 404, 400, 403]
    assert local("GET", AUDITS, {"$top": "1000"}).body["value"] == before


# -- reading the logs ---------------------------------------------------------------------------


def test_documented_cts_provisioning_query_works_verbatim(ccsync_simulator: Any, local: InProcess) -> None:
    sp_id, other = str(uuid.uuid4()), str(uuid.uuid4())
    clock = ccsync_simulator.clock
    clock.set_virtual(datetime(2023, 8, 1, tzinfo=UTC))
    try:
        day = datetime(2023, 7, 30, tzinfo=UTC)
        early = sp_record(sp_id, "Fabrikam", day + timedelta(hours=1))
        late = sp_record(sp_id, "Fabrikam", day + timedelta(hours=23))
        records = [
            early,
            late,
            sp_record(sp_id, "Fabrikam", day + timedelta(days=1, minutes=40)),  # the 31st: outside
            sp_record(sp_id, "Fabrikam", day - timedelta(hours=1)),  # the 29th: outside
            sp_record(other, "Contoso", day + timedelta(hours=2)),
        ]
        ccsync_simulator.store.audit.add_provisioning(local.tenant["id"], records)
        query = dict(parse_qsl(CTS_QUERY.replace("{spId}", sp_id)))
        r = local("GET", PROVISIONING, query, caller=local.caller(roles=frozenset({"AuditLog.Read.All"})))
        assert r.status == 200, r.body
        assert r.body["@odata.context"].endswith("/$metadata#auditLogs/provisioning")
        assert [v["id"] for v in r.body["value"]] == [late["id"], early["id"]]
        assert r.body["value"][0] == late
    finally:
        clock.set_real()


def test_provisioning_strings_compare_case_sensitively_except_status(
    ccsync_simulator: Any, local: InProcess
) -> None:
    sp_id = str(uuid.uuid4())
    name = f"Fabrikam {uuid.uuid4().hex[:6]}"
    record = sp_record(sp_id.upper(), name, ccsync_simulator.clock.now())
    ccsync_simulator.store.audit.add_provisioning(local.tenant["id"], [record])

    def hits(flt: str) -> int:
        r = local("GET", PROVISIONING, {"$filter": flt})
        assert r.status == 200, r.body
        return sum(1 for v in r.body["value"] if v["id"] == record["id"])

    assert hits(f"servicePrincipal/id eq '{sp_id}'") == 0
    assert hits(f"contains(tolower(servicePrincipal/id), '{sp_id}')") == 1
    assert hits(f"contains(servicePrincipal/displayName, '{name.lower()}')") == 0
    assert hits(f"tolower(servicePrincipal/displayName) eq '{name.lower()}'") == 1
    assert hits(f"toupper(servicePrincipal/displayName) eq '{name.upper()}'") == 1
    assert (
        hits(f"servicePrincipal/displayName eq '{name}' and provisioningStatusInfo/status eq 'Success'") == 1
    )


def test_provisioning_pages_follow_next_link_in_either_order(
    ccsync_simulator: Any, reader: GraphHttp, local: InProcess
) -> None:
    job = f"Azure2Azure.{uuid.uuid4().hex}"
    now = ccsync_simulator.clock.now()
    records = [
        sp_record(str(uuid.uuid4()), "Fabrikam", now - timedelta(minutes=10 - i), jobId=job) for i in range(5)
    ]
    store = ccsync_simulator.store.audit
    store.add_provisioning(local.tenant["id"], records[:4])
    newest_first = [r["id"] for r in reversed(records)]

    def walk(query: dict[str, str], add_after_first_page: bool = False) -> list[list[str]]:
        pages, url, params = [], PROVISIONING, query
        while url:
            r = reader("GET", url, params=params)
            assert r.status_code == 200, r.text
            pages.append([v["id"] for v in r.json()["value"]])
            url, params = r.json().get("@odata.nextLink"), None
            if add_after_first_page and len(pages) == 1:
                store.add_provisioning(local.tenant["id"], records[4:])
        return pages

    flt = f"jobId eq '{job}'"
    # the newest record arrives while the client pages: no page shifts, nothing is seen twice
    assert walk({"$filter": flt, "$top": "2"}, add_after_first_page=True) == [
        newest_first[1:3],
        newest_first[3:5],
    ]
    assert walk({"$filter": flt, "$top": "2", "$orderby": "activityDateTime desc"}) == [
        newest_first[0:2],
        newest_first[2:4],
        newest_first[4:],
    ]
    oldest_first = newest_first[::-1]
    assert walk({"$filter": flt, "$top": "3", "$orderby": "activityDateTime asc"}) == [
        oldest_first[0:3],
        oldest_first[3:],
    ]


def test_provisioning_date_filters_take_bare_dates_and_full_timestamps(
    ccsync_simulator: Any, local: InProcess
) -> None:
    job = f"Azure2Azure.{uuid.uuid4().hex}"
    now = ccsync_simulator.clock.now()
    yesterday = sp_record(str(uuid.uuid4()), "F", now - timedelta(days=1), jobId=job)
    today = sp_record(str(uuid.uuid4()), "F", now, jobId=job)
    ccsync_simulator.store.audit.add_provisioning(local.tenant["id"], [yesterday, today])
    midnight = now.date().isoformat()

    def ids(flt: str) -> list[str]:
        r = local("GET", PROVISIONING, {"$filter": f"jobId eq '{job}' and {flt}"})
        assert r.status == 200, r.body
        return [v["id"] for v in r.body["value"]]

    assert ids(f"activityDateTime gt {midnight}") == [today["id"]]
    assert ids(f"activityDateTime lt {midnight}") == [yesterday["id"]]
    stamp = graph_time(now - timedelta(hours=1)).replace("0Z", "Z")
    assert ids(f"activityDateTime gt {stamp}") == [today["id"]]


def test_a_provisioning_record_is_read_by_id(
    ccsync_simulator: Any, reader: GraphHttp, local: InProcess
) -> None:
    (stored,) = ccsync_simulator.store.audit.add_provisioning(
        local.tenant["id"], [{"jobId": "Azure2Azure.x", "provisioningAction": "update"}]
    )
    r = reader("GET", f"{PROVISIONING}/{stored['id']}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["@odata.context"].endswith("/$metadata#auditLogs/provisioning/$entity")
    assert (body["id"], body["provisioningAction"]) == (stored["id"], "update")
    assert body["activityDateTime"].endswith("Z")
    assert_graph_error(reader("GET", f"{PROVISIONING}/{uuid.uuid4()}"), 404, "Request_ResourceNotFound")


def test_directory_audit_filters_and_order(graph: GraphHttp, tenant: dict[str, Any]) -> None:
    uid = graph("POST", "/users", json=new_user_body(tenant)).json()["id"]
    graph("PATCH", f"/users/{uid}", json={"jobTitle": "Navigator"})
    today = datetime.now(UTC).date().isoformat()
    target = f"targetResources/any(t: t/id eq '{uid}')"

    def names(query: dict[str, str]) -> list[str]:
        r = graph("GET", AUDITS, params=query)
        assert r.status_code == 200, r.text
        return [e["activityDisplayName"] for e in r.json()["value"]]

    assert names({"$filter": f"{target} and activityDateTime ge {today}"}) == ["Update user", "Add user"]
    assert names({"$filter": f"{target} and activityDateTime le {today}"}) == []
    assert names({"$filter": f"{target} and startswith(activityDisplayName, 'add')"}) == ["Add user"]
    assert names(
        {"$filter": f"{target} and category eq 'UserManagement'", "$orderby": "activityDateTime asc"}
    ) == [
        "Add user",
        "Update user",
    ]
    one = graph("GET", AUDITS, params={"$filter": target, "$top": "1"}).json()
    assert names({"$filter": f"id eq '{one['value'][0]['id']}'"}) == ["Update user"]
    assert graph("GET", one["@odata.nextLink"]).json()["value"][0]["activityDisplayName"] == "Add user"


def test_unsupported_audit_queries_are_refused(graph: GraphHttp) -> None:
    assert_graph_error(
        graph("GET", AUDITS, params={"$filter": "contains(activityDisplayName, 'user')"}),
        400,
        "Request_UnsupportedQuery",
    )
    assert_graph_error(
        graph("GET", AUDITS, params={"$filter": "resultReason eq 'x'"}), 400, "Request_UnsupportedQuery"
    )
    assert_graph_error(graph("GET", AUDITS, params={"$orderby": "category"}), 400, "Request_UnsupportedQuery")
    assert_graph_error(
        graph("GET", PROVISIONING, params={"$filter": "activityDateTime ge 2024-01-01"}),
        400,
        "Request_UnsupportedQuery",
    )
    assert_graph_error(graph("GET", PROVISIONING, params={"$top": "1001"}), 400, "Request_BadRequest")
    assert_graph_error(graph("GET", AUDITS, params={"$search": "x"}), 400, "Request_BadRequest")


@pytest.mark.parametrize(
    "flt", ["tolower(displayName) eq 'adele vance'", "startswith(toupper(displayName), 'ADELE')"]
)
def test_case_functions_stay_refused_on_users(graph: GraphHttp, flt: str) -> None:
    err = assert_graph_error(graph("GET", "/users", params={"$filter": flt}), 400, "Request_UnsupportedQuery")
    assert "'displayName'" in err["message"]


def test_reading_needs_auditlog_read_all(reader: GraphHttp, local: InProcess) -> None:
    assert reader("GET", AUDITS).status_code == 200
    assert reader("GET", PROVISIONING).status_code == 200
    no_audit = local.caller(roles=frozenset({"Directory.Read.All", "User.Read.All"}))
    for path in (AUDITS, PROVISIONING, f"{PROVISIONING}/x"):
        r = local("GET", path, caller=no_audit)
        assert (r.status, r.body["error"]["code"]) == (403, "Authorization_RequestDenied")


def test_entries_expire_after_30_days_of_virtual_time(ccsync_simulator: Any, local: InProcess) -> None:
    clock = ccsync_simulator.clock
    clock.set_virtual()
    try:
        audit = ccsync_simulator.store.audit
        (rec,) = audit.add_provisioning(local.tenant["id"], [{"jobId": "Azure2Azure.retention"}])
        entry = audit.record_directory_audit(
            local.tenant["id"], category="Other", activityDisplayName="Probe"
        )
        clock.advance(timedelta(days=29, hours=23))
        assert local("GET", f"{PROVISIONING}/{rec['id']}").status == 200
        assert local("GET", f"{AUDITS}/{entry['id']}").status == 200
        clock.advance(timedelta(hours=2))
        assert local("GET", f"{PROVISIONING}/{rec['id']}").status == 404
        assert local("GET", f"{AUDITS}/{entry['id']}").status == 404
    finally:
        clock.set_real()


# -- the audit store and the provisioning service's hook ------------------------------------------


def test_provisioning_management_events_carry_the_sync_id_shape() -> None:
    log = AuditLog(Clock())
    sp = {"id": str(uuid.uuid4()), "displayName": "Fabrikam", "appId": str(uuid.uuid4())}
    corr = str(uuid.uuid4())
    rec = record_provisioning_management(
        log,
        "T1",
        "Export",
        service_principal=sp,
        result_reason="User 'user2@fabrikam.com' was created in Azure Active Directory (target tenant)",
        additional={"EventName": "EntryExportAdd", "ErrorCode": ""},
        correlation_id=corr,
    )
    assert rec["id"].startswith(f"Sync_{corr}_")
    assert (rec["category"], rec["loggedByService"], rec["result"]) == (
        "ProvisioningManagement",
        "Account Provisioning",
        "success",
    )
    assert rec["initiatedBy"]["app"]["servicePrincipalId"] == sp["id"]
    assert rec["targetResources"][0]["id"] == sp["id"]
    assert {"key": "EventName", "value": "EntryExportAdd"} in rec["additionalDetails"]
    assert log.directory_audits("t1") == [rec]


def test_audit_log_keeps_at_most_cap_entries_per_tenant_and_clears() -> None:
    log = AuditLog(Clock(), cap=3)
    for i in range(5):
        log.record_directory_audit("A", category="Other", activityDisplayName=f"n{i}")
    log.add_provisioning("B", [{"jobId": "j"}])
    assert [e["activityDisplayName"] for e in log.directory_audits("A")] == ["n4", "n3", "n2"]
    log.clear("A")
    assert log.directory_audits("A") == [] and len(log.provisioning("B")) == 1
    log.clear()
    assert log.provisioning("B") == []
    with pytest.raises(ValueError):
        log.record_directory_audit("A", category="Other", activityDisplayName="x", actor="me")
