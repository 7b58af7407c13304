"""Synced users are created as the service creates them: redeemed at once, no invitation entry, the
target audit showing the user added by Microsoft.Azure.SyncFabric; an admin's invitation stays a B2B
invitation (PendingAcceptance, "Invite external user")."""

from __future__ import annotations

from typing import Any

from tests.simulator.provisioning.conftest import make_setup

SYNC_FABRIC = "00000014-0000-0000-c000-000000000000"


def test_synced_users_are_redeemed_at_once_and_added_by_sync_fabric_without_an_invitation(sim: Any) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    synced = s.tgt(
        "GET",
        "/users?$top=999&$select=id,userPrincipalName,externalUserState,userType&$filter=creationType eq 'Invitation'",
    ).json()["value"]
    assert synced
    assert {u["externalUserState"] for u in synced} == {"Accepted"}
    audits = s.tgt("GET", "/auditLogs/directoryAudits?$top=999").json()["value"]
    assert not [a for a in audits if a["activityDisplayName"] == "Invite external user"]
    added = [a for a in audits if a["activityDisplayName"] == "Add user"]
    by_fabric = [a for a in added if (a["initiatedBy"].get("app") or {}).get("appId") == SYNC_FABRIC]
    assert len(by_fabric) == len(synced)
    assert {a["initiatedBy"]["app"]["displayName"] for a in by_fabric} == {"Microsoft.Azure.SyncFabric"}
    # a target admin's own invitation is still an ordinary B2B invitation
    invited = s.tgt(
        "POST",
        "/invitations",
        json={
            "invitedUserEmailAddress": "partner@example.org",
            "inviteRedirectUrl": "https://myapps.microsoft.com",
        },
    ).json()
    assert invited["status"] == "PendingAcceptance"
    audits = s.tgt("GET", "/auditLogs/directoryAudits?$top=999").json()["value"]
    assert [a for a in audits if a["activityDisplayName"] == "Invite external user"]
