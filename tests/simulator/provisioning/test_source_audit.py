"""The source tenant's audit log shows the provisioning service's per-user events: "Synchronization rule
action" and "Export" (ProvisioningManagement, Account Provisioning, Sync_ ids), and its quarantine."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from tests.simulator.provisioning.conftest import make_setup


def _provisioning_audits(s: Any) -> list[dict[str, Any]]:
    audits = s.src("GET", "/auditLogs/directoryAudits?$top=999").json()["value"]
    return [a for a in audits if a["category"] == "ProvisioningManagement"]


def test_each_created_user_has_a_rule_action_and_an_export_in_the_source_audit_log(sim: Any) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    created = s.b2b()
    assert created
    audits = _provisioning_audits(s)
    by_change: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for a in audits:
        if a["activityDisplayName"] in ("Synchronization rule action", "Export"):
            by_change[a["correlationId"]].append(a)
            assert a["loggedByService"] == "Account Provisioning"
            assert a["id"].startswith(f"Sync_{a['correlationId']}_")
            assert a["initiatedBy"]["app"]["servicePrincipalId"] == s.sp_id
    exports = [a for a in audits if a["activityDisplayName"] == "Export"]
    assert len(exports) == len(created)
    for export in exports:
        pair = {a["activityDisplayName"]: a for a in by_change[export["correlationId"]]}
        assert set(pair) == {"Synchronization rule action", "Export"}
        assert (
            "will be created in Azure Active Directory (target tenant)"
            in pair["Synchronization rule action"]["resultReason"]
        )
        assert export["result"] == "success"
        assert export["resultReason"].endswith("was created in Azure Active Directory (target tenant)")
        details = {d["key"]: d["value"] for d in export["additionalDetails"]}
        assert details["ErrorCode"] == "None" and details["EventName"] == "EntryExportAdd"
        assert {t["type"] for t in export["targetResources"]} == {"ServicePrincipal", "User"}


def test_accidental_deletion_quarantine_is_in_the_source_audit_log(sim: Any) -> None:
    notif = json.dumps({"Enabled": False, "DeleteThresholdEnabled": True, "DeleteThresholdValue": 2})
    s = make_setup(sim, secrets={"SyncNotificationSettings": notif})
    s.advance("PT1M")
    s.fresh()
    leavers = [m for m in s.members() if m.get("accountEnabled", True)][:3]
    for m in leavers:
        assert s.src("DELETE", f"/groups/{s.group_id}/members/{m['id']}/$ref").status_code == 204
    s.advance("PT40M")
    s.fresh()
    quarantines = [a for a in _provisioning_audits(s) if a["activityDisplayName"] == "Quarantine"]
    assert len(quarantines) == 1
    assert (
        quarantines[0]["result"] == "failure"
        and "accidental-deletion threshold" in quarantines[0]["resultReason"]
    )
    details = {d["key"]: d["value"] for d in quarantines[0]["additionalDetails"]}
    assert details["EventName"] == "Quarantine" and details["ErrorCode"] not in ("", "None")
