"""Cycles end to end against the simulator: initial and incremental, every lifecycle row, safety."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from simulator.provisioning.cycles import SYNC_ROLES
from simulator.provisioning.job_config import SYNC_FABRIC
from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.cycle import Cycle
from syncengine.model import AnchorConfig, AnchorKind, LicencePolicy, SafetyConfig
from tests.conftest import control_tenant
from tests.syncengine.pairs import Pair, make_pair


@pytest.fixture
def pair(tmp_path: Path) -> Any:
    with running_simulator(seed=21) as sim:
        src = control_tenant(sim, "commercial", 60, name="Src")
        yield make_pair(sim, src, control_tenant(sim, "gcch", 5, name="Tgt"), members=20)


def run(pair: Pair, tmp: Path, **job_over: Any) -> tuple[Cycle, Any]:
    job = pair.job(**job_over)
    src, tgt = pair.clients()
    cycle = Cycle(job, src, tgt, pair.state(tmp, job), pair.sim.clock)
    return cycle, cycle.run()


def run_as_service(pair: Pair, tmp: Path, **job_over: Any) -> tuple[Cycle, Any]:
    """A cycle as the simulated provisioning service runs it: as Microsoft.Azure.SyncFabric, anchored on
    the directory's internal ``alternativeSecurityIds`` (which Graph callers cannot read or write)."""
    backend = SimulatedGraph(pair.sim.router, first_party={SYNC_FABRIC: SYNC_ROLES})
    source = Identity(pair.source["cloud"], pair.source["id"], SYNC_FABRIC)
    target = Identity(pair.target["cloud"], pair.target["id"], SYNC_FABRIC)
    job = pair.job(
        source=source, target=target, anchor=AnchorConfig(AnchorKind.ALTERNATIVE_SECURITY_ID), **job_over
    )
    src = GraphClient(backend, source, clock=pair.sim.clock)
    tgt = GraphClient(backend, target, clock=pair.sim.clock)
    cycle = Cycle(job, src, tgt, pair.state(tmp, job), pair.sim.clock)
    return cycle, cycle.run()


def b2b_users(pair: Pair, *, service: bool = False) -> dict[str, dict[str, Any]]:
    """Target users made by sync, keyed by their anchor (``service``: the service's internal anchor)."""
    if service:
        backend = SimulatedGraph(pair.sim.router, first_party={SYNC_FABRIC: SYNC_ROLES})
        tgt = GraphClient(backend, Identity(pair.target["cloud"], pair.target["id"], SYNC_FABRIC))
    else:
        _, tgt = pair.clients()
    anchor = "alternativeSecurityIds" if service else "onPremisesExtensionAttributes"
    users = tgt.list_all(
        "/users",
        {
            "$select": "id,displayName,userPrincipalName,userType,accountEnabled,department,"
            f"{anchor},mail,showInAddressList",
            "$filter": "creationType eq 'Invitation'",
            "$top": "999",
        },
    )

    def key(u: dict[str, Any]) -> str | None:
        if service:
            return (u.get("alternativeSecurityIds") or [{}])[0].get("key")
        return (u.get("onPremisesExtensionAttributes") or {}).get("extensionAttribute15")

    return {k: u for u in users if (k := key(u))}


def test_initial_cycle_creates_one_b2b_member_per_in_scope_user(pair: Pair, tmp_path: Path) -> None:
    cycle, result = run(pair, tmp_path)
    report = result.report
    assert report.state == "Succeeded", report.failure
    assert report.kind == "initial"
    assert report.actions.get("create") == 20
    created = b2b_users(pair)
    assert len(created) == 20
    members = {m["userPrincipalName"]: m for m in pair.members()}
    domain = next(d for t in [pair.target] for d in [t["defaultDomain"]])
    for u in created.values():
        assert u["userType"] == "Member"
        assert u["userPrincipalName"].endswith(f"#EXT#@{domain}")
        src_upn = u["userPrincipalName"].split("#EXT#")[0]
        source = next(m for upn, m in members.items() if upn.replace("@", "_") == src_upn)
        assert u["displayName"] == source["displayName"]
        assert u["department"] == source.get("department")
        assert u["showInAddressList"] is True
    creates = [r for r in result.records if r["provisioningAction"] == "create"]
    assert len(creates) == 20 and all(r["provisioningStatusInfo"]["status"] == "success" for r in creates)
    assert {s["provisioningStepType"] for s in creates[0]["provisioningSteps"]} >= {
        "import",
        "scoping",
        "matching",
        "export",
    }
    # import by assignment: the initial cycle read the assigned users only
    assert {r["sourceIdentity"]["id"] for r in result.records} == {m["id"] for m in members.values()}
    src, _ = pair.clients()
    outsider = next(
        u
        for u in src.list_all("/users", {"$select": "id,userType", "$top": "999"})
        if u["id"] not in {m["id"] for m in members.values()}
    )
    src.patch(f"/users/{outsider['id']}", {"department": "Changed Outside The Scope"})
    later = cycle.run()
    skipped = [r for r in later.records if r["provisioningStatusInfo"]["status"] == "skipped"]
    assert [r["sourceIdentity"]["id"] for r in skipped] == [outsider["id"]], (
        "a changed out-of-scope source user is logged as skipped"
    )


def test_incremental_cycle_handles_every_lifecycle_change(pair: Pair, tmp_path: Path) -> None:
    cycle, first = run(pair, tmp_path)
    src, tgt = pair.clients()
    members = pair.members()
    changed, disabled, leaver, deleted = members[0], members[1], members[2], members[3]
    nick = f"hire{uuid.uuid4().hex[:6]}"
    domain = pair.source["defaultDomain"]
    hire = src.post(
        "/users",
        {
            "accountEnabled": True,
            "displayName": "New Hire",
            "mailNickname": nick,
            "userPrincipalName": f"{nick}@{domain}",
            "mail": f"{nick}@{domain}",
            "passwordProfile": {"password": "Xy!12345678"},
            "department": "Research",
        },
    )
    src.post(
        f"/groups/{pair.group_id}/members/$ref",
        {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{hire['id']}"},
    )
    src.patch(f"/users/{changed['id']}", {"department": "Changed Dept"})
    src.patch(f"/users/{disabled['id']}", {"accountEnabled": False})
    src.delete(f"/groups/{pair.group_id}/members/{leaver['id']}/$ref")
    src.delete(f"/users/{deleted['id']}")

    result = cycle.run()
    report = result.report
    assert report.kind == "incremental" and report.state == "Succeeded", report.failure
    by_source = {r["sourceIdentity"]["id"]: r for r in result.records}
    assert by_source[hire["id"]]["provisioningAction"] == "create"
    assert by_source[changed["id"]]["provisioningAction"] == "update"
    assert {
        "displayName": "department",
        "oldValue": changed.get("department"),
        "newValue": "Changed Dept",
    } in by_source[changed["id"]]["modifiedProperties"]
    assert by_source[disabled["id"]]["provisioningAction"] == "disable"
    assert by_source[leaver["id"]]["provisioningAction"] == "delete"
    assert by_source[deleted["id"]]["provisioningAction"] == "delete"
    users = {u["userPrincipalName"].split("#EXT#")[0]: u for u in b2b_users(pair).values()}
    assert users[changed["userPrincipalName"].replace("@", "_")]["department"] == "Changed Dept"
    assert users[disabled["userPrincipalName"].replace("@", "_")]["accountEnabled"] is False
    assert leaver["userPrincipalName"].replace("@", "_") not in users  # soft-deleted in the target
    assert deleted["userPrincipalName"].replace("@", "_") not in users
    deleted_items = tgt.list_all(
        "/directory/deletedItems/microsoft.graph.user", {"$select": "id,userPrincipalName"}
    )
    assert len(deleted_items) == 2
    # nothing changed since: the next cycle exports nothing
    quiet = cycle.run()
    assert (
        quiet.report.actions.get("create", 0)
        == quiet.report.actions.get("update", 0)
        == quiet.report.actions.get("delete", 0)
        == 0
    )


def test_user_back_in_scope_within_30_days_is_restored_not_duplicated(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path)
    src, tgt = pair.clients()
    leaver = pair.members()[0]
    src.delete(f"/groups/{pair.group_id}/members/{leaver['id']}/$ref")
    cycle.run()
    before = len(b2b_users(pair))
    src.post(
        f"/groups/{pair.group_id}/members/$ref",
        {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{leaver['id']}"},
    )
    again = cycle.run()
    actions = {r["sourceIdentity"]["id"]: r["provisioningAction"] for r in again.records}
    assert actions[leaver["id"]] == "create"
    assert len(b2b_users(pair)) == before + 1
    assert tgt.list_all("/directory/deletedItems/microsoft.graph.user") == []


def test_disabled_then_unassigned_user_stays_disabled_not_deleted(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path)
    src, _ = pair.clients()
    m = pair.members()[0]
    src.patch(f"/users/{m['id']}", {"accountEnabled": False})
    cycle.run()
    src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    result = cycle.run()
    assert all(r["provisioningAction"] != "delete" for r in result.records)
    user = next(
        u
        for u in b2b_users(pair).values()
        if u["userPrincipalName"].startswith(m["userPrincipalName"].replace("@", "_"))
    )
    assert user["accountEnabled"] is False


def test_delete_action_off_keeps_leavers(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path, safety=SafetyConfig(delete_action=False))
    src, _ = pair.clients()
    m = pair.members()[0]
    src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    result = cycle.run()
    assert all(r["provisioningAction"] != "delete" for r in result.records)
    assert len(b2b_users(pair)) == 20


def test_deletion_threshold_holds_deletes_and_force_deletes_releases_them(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path, safety=SafetyConfig(deletion_threshold=5))
    src, _ = pair.clients()
    for m in pair.members()[:6]:
        src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    held = cycle.run()
    assert held.report.quarantine and held.report.quarantine["reason"] == "TooManyDeletes"
    staged = [r for r in held.records if r["provisioningAction"] == "stagedDelete"]
    assert len(staged) == 6
    assert len(b2b_users(pair)) == 20
    released = cycle.run(force_deletes=True)
    assert released.report.actions.get("delete") == 6
    assert len(b2b_users(pair)) == 14


GOVERNANCE_OR_SUITE = {"cf6b0d46-4093-4546-a0ab-0b1546dcc10e", "f9602137-2203-447b-9fff-41b36e08ce5d"}


def test_licence_warn_provisions_everybody_and_names_the_unlicensed_count(pair: Pair, tmp_path: Path) -> None:
    src, _ = pair.clients()
    members = pair.members()
    user = members[0]
    held = src.get(f"/users/{user['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
    if held:
        src.post(
            f"/users/{user['id']}/assignLicense",
            {"addLicenses": [], "removeLicenses": [x["skuId"] for x in held]},
        )
    lacking = [
        m
        for m in members
        if not {
            x["skuId"]
            for x in src.get(f"/users/{m['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
        }
        & GOVERNANCE_OR_SUITE
    ]
    _, warn = run(pair, tmp_path)
    assert warn.report.licence_warning.startswith(f"{len(lacking)} of 20 users")
    assert "Governance" in warn.report.licence_warning
    assert warn.report.actions.get("create") == 20


def test_enforce_skips_unlicensed_users_with_a_reason(pair: Pair, tmp_path: Path) -> None:
    src, _ = pair.clients()
    user = pair.members()[0]
    lic = src.get(f"/users/{user['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
    if lic:
        src.post(
            f"/users/{user['id']}/assignLicense",
            {"addLicenses": [], "removeLicenses": [x["skuId"] for x in lic]},
        )
    job_safety = SafetyConfig(licence_policy=LicencePolicy.ENFORCE)
    _, result = run(pair, tmp_path, safety=job_safety)
    rec = next(r for r in result.records if r["sourceIdentity"]["id"] == user["id"])
    assert rec["provisioningStatusInfo"]["status"] == "skipped"
    steps = " ".join(s["description"] for s in rec["provisioningSteps"])
    assert "licence" in steps.lower() or "license" in steps.lower()
    assert "enforce" in (result.report.licence_warning or "")


def test_preflight_failure_fails_the_cycle_with_the_documented_code(pair: Pair, tmp_path: Path) -> None:
    _, tgt = pair.clients()
    tgt.patch(
        f"/policies/crossTenantAccessPolicy/partners/{pair.source['id']}/identitySynchronization",
        {"userSyncInbound": {"isSyncAllowed": False}},
    )
    _, result = run(pair, tmp_path)
    assert result.report.state == "Failed"
    assert result.report.failure["code"] == "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure"
    assert b2b_users(pair) == {}


def test_expired_watermark_falls_back_to_a_full_import_without_duplicates(pair: Pair, tmp_path: Path) -> None:
    from datetime import timedelta

    cycle, _ = run(pair, tmp_path)
    pair.sim.clock.set_virtual()
    try:
        pair.sim.clock.advance(timedelta(days=8))
        result = cycle.run()
        assert result.report.state in ("Succeeded", "EntryLevelErrors"), result.report.failure
        assert result.report.kind == "initial"
        assert result.report.actions.get("create", 0) == 0
        assert len(b2b_users(pair)) == 20
    finally:
        pair.sim.clock.set_real()


def test_dry_run_plans_without_writing(pair: Pair, tmp_path: Path) -> None:
    job = pair.job()
    src, tgt = pair.clients()
    state = pair.state(tmp_path, job)
    result = Cycle(job, src, tgt, state, pair.sim.clock).run(dry_run=True)
    assert result.report.actions.get("create") == 20
    assert b2b_users(pair) == {}
    assert state.watermark is None and state.count_shadows() == 0


def test_target_user_deleted_by_a_target_admin_is_not_restored(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path)
    src, tgt = pair.clients()
    member = pair.members()[0]
    mine = next(
        u
        for u in b2b_users(pair).values()
        if u["userPrincipalName"].startswith(member["userPrincipalName"].replace("@", "_"))
    )
    tgt.delete(f"/users/{mine['id']}")  # a target admin removes the B2B user
    src.patch(f"/users/{member['id']}", {"department": "After Admin Delete"})
    result = cycle.run()
    rec = next(r for r in result.records if r["sourceIdentity"]["id"] == member["id"])
    assert rec["provisioningStatusInfo"]["status"] == "failure"
    deleted = tgt.list_all("/directory/deletedItems/microsoft.graph.user", {"$select": "id"})
    assert [d["id"] for d in deleted] == [mine["id"]]
    assert mine["id"] not in {u["id"] for u in b2b_users(pair).values()}


def _state_content(state: Any) -> list[str]:
    """Every row of every table of a state file, as SQL (the file's content, independent of page layout)."""
    with state._lock:
        return list(state._db.iterdump())


def test_dry_run_over_the_deletion_threshold_leaves_the_state_file_unchanged(
    pair: Pair, tmp_path: Path
) -> None:
    cycle, _ = run(pair, tmp_path, safety=SafetyConfig(deletion_threshold=5))
    src, _ = pair.clients()
    leavers = pair.members()[:6]
    for m in leavers:
        src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    before = _state_content(cycle.state)
    plan = cycle.run(dry_run=True)
    assert plan.report.quarantine and plan.report.quarantine["held"] == 6  # the plan crosses the threshold
    assert _state_content(cycle.state) == before
    assert cycle.state.staged() == []
    # the next real cycle sees the six leavers as changes of its own watermark, nothing more
    real = cycle.run()
    assert real.report.imported == 6
    assert sorted(
        r["sourceIdentity"]["id"] for r in real.records if r["provisioningAction"] == "stagedDelete"
    ) == (sorted(m["id"] for m in leavers))


def test_deletion_threshold_trips_only_when_a_cycles_deletions_exceed_it(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path, safety=SafetyConfig(deletion_threshold=5))
    src, _ = pair.clients()
    members = pair.members()
    for m in members[:5]:  # exactly the threshold: allowed
        src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    at = cycle.run()
    assert at.report.quarantine is None
    assert at.report.actions.get("delete") == 5 and len(b2b_users(pair)) == 15
    for m in members[5:11]:  # one more than the threshold: all six held
        src.delete(f"/groups/{pair.group_id}/members/{m['id']}/$ref")
    over = cycle.run()
    assert over.report.quarantine == {"reason": "TooManyDeletes", "held": 6}
    assert over.report.actions.get("delete", 0) == 0 and len(b2b_users(pair)) == 15


def _lacking(pair: Pair) -> list[dict[str, Any]]:
    src, _ = pair.clients()
    return [
        m
        for m in pair.members()
        if not {
            x["skuId"]
            for x in src.get(f"/users/{m['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
        }
        & GOVERNANCE_OR_SUITE
    ]


def test_licence_warning_of_an_incremental_cycle_counts_the_whole_scope(pair: Pair, tmp_path: Path) -> None:
    src, _ = pair.clients()
    members = pair.members()
    for m in members[:2]:  # at least two users lack the licence
        held = src.get(f"/users/{m['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
        if held:
            src.post(
                f"/users/{m['id']}/assignLicense",
                {"addLicenses": [], "removeLicenses": [x["skuId"] for x in held]},
            )
    lacking = _lacking(pair)
    cycle, first = run(pair, tmp_path)
    assert first.report.licence_warning.startswith(f"{len(lacking)} of 20 users")
    licensed = next(m for m in members if m["id"] not in {x["id"] for x in lacking})
    src.patch(f"/users/{licensed['id']}", {"department": "Touched"})  # the next cycle sees one user
    second = cycle.run()
    assert second.report.imported == 1
    assert second.report.licence_warning.startswith(f"{len(lacking)} of 20 users")
    held = src.get(f"/users/{licensed['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
    src.post(  # a licence removed in the source reaches the count through delta
        f"/users/{licensed['id']}/assignLicense",
        {"addLicenses": [], "removeLicenses": [x["skuId"] for x in held]},
    )
    src.delete(f"/groups/{pair.group_id}/members/{lacking[0]['id']}/$ref")  # an unlicensed user leaves
    third = cycle.run()
    assert third.report.licence_warning.startswith(f"{len(lacking)} of 19 users")


def test_target_edits_are_corrected_by_the_next_source_side_change(pair: Pair, tmp_path: Path) -> None:
    cycle, _ = run(pair, tmp_path)
    src, tgt = pair.clients()
    members = pair.members()[:3]
    renamed, blocked, untouched = members

    def mine(member: dict[str, Any]) -> dict[str, Any]:
        prefix = member["userPrincipalName"].replace("@", "_")
        return next(u for u in b2b_users(pair).values() if u["userPrincipalName"].startswith(prefix))

    tgt.patch(f"/users/{mine(renamed)['id']}", {"displayName": "Renamed By Target Admin"})
    tgt.patch(f"/users/{mine(blocked)['id']}", {"accountEnabled": False})  # "block sign-in"
    tgt.patch(f"/users/{mine(untouched)['id']}", {"displayName": "Edited, No Source Change"})
    # a source change unrelated to the edited attributes is enough for the target to be corrected
    src.patch(f"/users/{renamed['id']}", {"department": "Source Change 1"})
    src.patch(f"/users/{blocked['id']}", {"department": "Source Change 2"})
    result = cycle.run()
    assert result.report.state == "Succeeded", result.report.failure
    assert mine(renamed)["displayName"] == renamed["displayName"]
    assert mine(renamed)["department"] == "Source Change 1"
    assert mine(blocked)["accountEnabled"] is True
    assert mine(untouched)["displayName"] == "Edited, No Source Change"  # no source change: the edit stays
    rec = next(r for r in result.records if r["sourceIdentity"]["id"] == renamed["id"])
    assert rec["provisioningAction"] == "update"
    changed = {p["displayName"]: p for p in rec["modifiedProperties"]}
    assert changed["displayName"]["oldValue"] == "Renamed By Target Admin"
    assert changed["displayName"]["newValue"] == renamed["displayName"]


def test_initial_cycle_imports_by_assignment_not_every_user_of_the_tenant(pair: Pair, tmp_path: Path) -> None:
    src, _ = pair.clients()
    tenant_users = len(src.list_all("/users", {"$select": "id", "$top": "999"}))
    assert tenant_users > 40
    cycle, first = run(pair, tmp_path)
    assert first.report.kind == "initial"
    assert first.report.imported == 20  # the assigned group's members, not the tenant's users
    assert first.report.actions.get("create") == 20
    # a watermark reset with a user unassigned meanwhile: the new initial import still sees the linked
    # user and deprovisions it, and changes made after the import come through the delta link
    leaver = pair.members()[0]
    src.delete(f"/groups/{pair.group_id}/members/{leaver['id']}/$ref")
    cycle.state.commit_watermark(None)
    again = cycle.run()
    assert again.report.kind == "initial" and again.report.imported == 20
    assert again.report.actions.get("delete") == 1 and len(b2b_users(pair)) == 19
    stayer = pair.members()[0]
    src.patch(f"/users/{stayer['id']}", {"department": "After The Import"})
    later = cycle.run()
    assert later.report.kind == "incremental" and later.report.imported == 1
    assert later.report.actions.get("update") == 1


def _invite_as_guest(pair: Pair, member: dict[str, Any]) -> dict[str, Any]:
    """What a target admin did before synchronization: invite the source user as a B2B guest."""
    _, tgt = pair.clients()
    invited = tgt.post(
        "/invitations",
        {
            "invitedUserEmailAddress": member["userPrincipalName"],
            "inviteRedirectUrl": "https://myapps.microsoft.com",
            "sendInvitationMessage": False,
        },
    )
    return tgt.get(f"/users/{invited['invitedUser']['id']}", {"$select": "id,userType,displayName"})


def test_existing_b2b_guest_is_updated_not_reinvited_and_stays_guest(pair: Pair, tmp_path: Path) -> None:
    member = pair.members()[0]
    guest = _invite_as_guest(pair, member)
    assert guest["userType"] == "Guest"
    _, result = run_as_service(pair, tmp_path)
    rec = next(r for r in result.records if r["sourceIdentity"]["id"] == member["id"])
    assert rec["provisioningAction"] == "update", rec["provisioningSteps"]
    assert rec["targetIdentity"]["id"] == guest["id"]
    assert result.report.actions.get("create") == 19
    _, tgt = pair.clients()
    after = tgt.get(f"/users/{guest['id']}", {"$select": "id,userType,displayName"})
    assert after["userType"] == "Guest"  # the userType mapping applies on create only
    assert after["displayName"] == member["displayName"]
    assert len(b2b_users(pair, service=True)) == 20  # the guest is one of them: nobody was invited twice


def test_existing_guest_becomes_member_when_the_usertype_mapping_applies_always(
    pair: Pair, tmp_path: Path
) -> None:
    from syncengine import mapping
    from syncengine.model import ApplyOn, AttributeMapping, MappingKind

    member = pair.members()[0]
    guest = _invite_as_guest(pair, member)
    always = tuple(
        AttributeMapping("userType", MappingKind.CONSTANT, "Member", ApplyOn.ALWAYS)
        if m.target == "userType"
        else m
        for m in mapping.DEFAULT_MAPPINGS
    )
    _, result = run_as_service(pair, tmp_path, mappings=always)
    rec = next(r for r in result.records if r["sourceIdentity"]["id"] == member["id"])
    assert rec["provisioningAction"] == "update"
    _, tgt = pair.clients()
    assert tgt.get(f"/users/{guest['id']}", {"$select": "userType"})["userType"] == "Member"


def test_incremental_cycle_looks_up_new_users_anchors_in_bulk(pair: Pair, tmp_path: Path) -> None:
    """Unlinked users' anchors are resolved a page at a time (``in`` queries in ``$batch``), with the
    same answers as one query per user: an existing B2B user carrying the anchor is linked, two are
    DuplicateTargetEntries, a target member carrying it is no match (only B2B users match)."""
    job = pair.job()
    src, tgt = pair.clients()
    cycle = Cycle(job, src, tgt, pair.state(tmp_path, job), pair.sim.clock)
    cycle.run()
    domain = pair.source["defaultDomain"]
    hires = []
    for i in range(17):  # more than one ``in`` list of 15
        nick = f"bulk{i}{uuid.uuid4().hex[:6]}"
        hire = src.post(
            "/users",
            {
                "accountEnabled": True,
                "displayName": f"Bulk {i}",
                "mailNickname": nick,
                "userPrincipalName": f"{nick}@{domain}",
                "passwordProfile": {"password": "Xy!12345678"},
            },
        )
        src.post(
            f"/groups/{pair.group_id}/members/$ref",
            {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{hire['id']}"},
        )
        hires.append(hire)

    def carry(target_id: str, hire: dict[str, Any]) -> None:
        anchor = f"ccsync:{job.source.tenant_id}:{hire['id']}"
        tgt.patch(f"/users/{target_id}", {"onPremisesExtensionAttributes": {"extensionAttribute15": anchor}})

    linked_guest = _invite_as_guest(pair, hires[0])
    carry(linked_guest["id"], hires[0])
    for n in range(2):
        other = dict(hires[1], userPrincipalName=f"dup{n}{uuid.uuid4().hex[:6]}@example.com")
        carry(_invite_as_guest(pair, other)["id"], hires[1])
    internal = tgt.post(
        "/users",
        {
            "accountEnabled": True,
            "displayName": "Internal",
            "mailNickname": "internal",
            "userPrincipalName": f"internal@{pair.target['defaultDomain']}",
            "passwordProfile": {"password": "Xy!12345678"},
        },
    )
    carry(internal["id"], hires[16])

    sent: list[tuple[str, str]] = []
    send = tgt.call

    def recording(call: Any) -> Any:
        sent.append((call.method, call.path))
        return send(call)

    tgt.call = recording  # type: ignore[method-assign]
    result = cycle.run()
    assert result.report.state == "EntryLevelErrors", result.report.failure  # the duplicate
    by_source = {r["sourceIdentity"]["id"]: r for r in result.records}
    assert by_source[hires[0]["id"]]["provisioningAction"] == "update"
    assert by_source[hires[0]["id"]]["targetIdentity"]["id"] == linked_guest["id"]
    dup = by_source[hires[1]["id"]]
    assert dup["provisioningStatusInfo"]["errorInformation"]["errorCode"] == "DuplicateTargetEntries", dup
    assert by_source[hires[16]["id"]]["provisioningAction"] == "create"
    assert by_source[hires[16]["id"]]["targetIdentity"]["id"] != internal["id"]
    assert [by_source[h["id"]]["provisioningAction"] for h in hires[2:16]] == ["create"] * 14
    assert ("GET", "/users") not in sent  # no lookup one anchor at a time
