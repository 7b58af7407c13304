"""The job runner against the simulator on a virtual clock: schedule, status, quarantine, resetScope."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from syncengine.cycle import Cycle
from syncengine.job_status import NEVER
from syncengine.model import SafetyConfig
from syncengine.runner import PORTAL_RESTART, JobRunner, ResetScope, parse_reset_scope
from syncengine.state import EngineState
from tests.conftest import control_tenant, graph_time
from tests.syncengine.pairs import Pair, make_pair

MEMBERS = 8
EXECUTION_KEYS = {
    "activityIdentifier",
    "countEntitled",
    "countEntitledForProvisioning",
    "countEscrowed",
    "countEscrowedRaw",
    "countExported",
    "countExports",
    "countImported",
    "countImportedDeltas",
    "countImportedReferenceDeltas",
    "error",
    "state",
    "timeBegan",
    "timeEnded",
}
STATUS_KEYS = {
    "code",
    "countSuccessiveCompleteFailures",
    "escrowsPruned",
    "lastExecution",
    "lastSuccessfulExecution",
    "lastSuccessfulExecutionWithExports",
    "progress",
    "quarantine",
    "steadyStateFirstAchievedTime",
    "steadyStateLastAchievedTime",
    "synchronizedEntryCountByType",
    "troubleshootingUrl",
}


SIMULATOR = {"seed": 31, "empty": True, "virtual_clock": datetime(2026, 1, 5, 8, 0, tzinfo=UTC)}


@pytest.fixture
def pair(sim: Any) -> Iterator[Pair]:
    tag = uuid.uuid4().hex[:6]
    tenants = [
        control_tenant(sim, cloud, users, name=f"{name} {tag}")
        for cloud, users, name in (("commercial", 12, "Src"), ("gcch", 2, "Tgt"))
    ]
    p = make_pair(sim, tenants[0], tenants[1], members=MEMBERS)
    src, _ = p.clients()
    for m in p.members(
        "id,userPrincipalName"
    ):  # seeded tenants have the odd disabled user: every member counts here
        src.patch(f"/users/{m['id']}", {"accountEnabled": True})
    yield p
    for f in httpx.get(f"{sim.control_url}/_simulator/faults", timeout=10).json()["value"]:
        if f.get("tenant") == p.target["id"].lower():
            httpx.delete(f"{sim.control_url}/_simulator/faults/{f['id']}", timeout=10)


@dataclass
class Job:
    """A runner over a pair, with what a test needs to poke it."""

    pair: Pair
    path: Path
    safety: SafetyConfig
    state: EngineState
    cycle: Cycle
    runner: JobRunner

    @property
    def sim(self) -> Any:
        return self.pair.sim

    def status(self) -> dict[str, Any]:
        return self.runner.status()["status"]

    def schedule(self) -> dict[str, Any]:
        return self.runner.status()["schedule"]

    def advance(self, **delta: float) -> datetime:
        return self.sim.clock.advance(timedelta(**delta))

    def reopen(self) -> JobRunner:
        """A new engine on the same state file."""
        return _runner(self.pair, self.path, self.safety)[2]


def _runner(pair: Pair, tmp: Path, safety: SafetyConfig) -> tuple[EngineState, Cycle, JobRunner]:
    job = pair.job(safety=safety)
    src, tgt = pair.clients()
    state = pair.state(tmp, job)
    cycle = Cycle(job, src, tgt, state, pair.sim.clock)
    return state, cycle, JobRunner(cycle, state, pair.sim.clock)


@pytest.fixture
def make_job(pair: Pair, tmp_path: Path) -> Callable[..., Job]:
    def make(**safety: Any) -> Job:
        cfg = SafetyConfig(**safety)
        state, cycle, runner = _runner(pair, tmp_path, cfg)
        return Job(pair, tmp_path, cfg, state, cycle, runner)

    return make


@pytest.fixture
def job(make_job: Callable[..., Job]) -> Job:
    return make_job()


# -- helpers -----------------------------------------------------------------------------------


def touch_members(pair: Pair) -> None:
    """Change every member's department: the next incremental cycle updates each of them."""
    src, _ = pair.clients()
    for i, m in enumerate(pair.members("id,userPrincipalName")):
        src.patch(f"/users/{m['id']}", {"department": f"Dept {uuid.uuid4().hex[:4]} {i}"})


def fault(
    pair: Pair, count: int, *, status: int = 403, method: str = "PATCH", path: str = "/users/*"
) -> None:
    """The next ``count`` matching target requests answer ``status``."""
    r = httpx.post(
        f"{pair.sim.control_url}/_simulator/faults",
        json={"method": method, "path": path, "count": count, "status": status, "tenant": pair.target["id"]},
        timeout=10,
    )
    assert r.status_code == 201, r.text


def set_inbound(pair: Pair, allowed: bool) -> None:
    """The target's kill switch: inbound user synchronization from the source."""
    _, tgt = pair.clients()
    tgt.patch(
        f"/policies/crossTenantAccessPolicy/partners/{pair.source['id']}/identitySynchronization",
        {"userSyncInbound": {"isSyncAllowed": allowed}},
    )


def b2b_count(pair: Pair) -> int:
    _, tgt = pair.clients()
    return len(tgt.list_all("/users", {"$select": "id", "$filter": "creationType eq 'Invitation'"}))


def first_cycle(job: Job) -> None:
    job.runner.start()
    result = job.runner.tick()
    assert result is not None and result.report.state == "Succeeded", result and result.report.failure


def iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- status shape ------------------------------------------------------------------------------


def test_a_new_runner_reports_a_freshly_created_job(job: Job) -> None:
    assert job.runner.status() == {
        "schedule": {"expiration": None, "interval": "PT40M", "state": "Disabled"},
        "status": {
            "code": "Paused",
            "countSuccessiveCompleteFailures": 0,
            "escrowsPruned": False,
            "lastExecution": None,
            "lastSuccessfulExecution": None,
            "lastSuccessfulExecutionWithExports": None,
            "progress": [],
            "quarantine": None,
            "steadyStateFirstAchievedTime": NEVER,
            "steadyStateLastAchievedTime": NEVER,
            "synchronizedEntryCountByType": [],
            "troubleshootingUrl": None,
        },
    }
    assert not job.runner.due() and job.runner.next_run() is None
    assert job.runner.tick() is None


def test_start_shows_not_run_until_the_first_cycle_completes_then_active(job: Job) -> None:
    job.runner.start()
    assert job.schedule()["state"] == "Active"
    s = job.status()
    assert s["code"] == "NotRun"
    # the documented placeholder of a just-started job
    assert s["lastExecution"]["state"] == "Failed"
    assert s["lastExecution"]["error"] == {"code": "None", "message": "", "tenantActionable": False}
    assert s["lastExecution"]["timeBegan"] == NEVER and s["lastExecution"]["countExported"] == 0
    assert job.runner.due()

    now = job.sim.clock.now()
    result = job.runner.tick()
    assert result is not None and result.report.kind == "initial"
    s = job.status()
    assert set(s) == STATUS_KEYS
    assert s["code"] == "Active"
    last = s["lastExecution"]
    assert set(last) == EXECUTION_KEYS
    assert last["state"] == "Succeeded" and last["error"] is None
    assert last["activityIdentifier"] == result.report.cycle_id
    assert last["countExported"] == last["countExports"] == MEMBERS
    assert last["countEntitled"] == MEMBERS
    assert last["countImported"] >= MEMBERS
    assert last["countEscrowed"] == 0
    assert last["timeBegan"] == iso(now)
    assert s["lastSuccessfulExecution"] == last == s["lastSuccessfulExecutionWithExports"]
    assert s["steadyStateFirstAchievedTime"] == NEVER  # it exported: not a steady state yet
    assert s["synchronizedEntryCountByType"] == [{"key": "User to User", "value": MEMBERS}]
    assert s["quarantine"] is None and s["troubleshootingUrl"] is None


def test_cycles_start_forty_minutes_after_the_previous_start_and_reach_steady_state(job: Job) -> None:
    began = job.sim.clock.now()
    first_cycle(job)
    assert job.runner.next_run() == began + timedelta(minutes=40)
    job.advance(minutes=39)
    assert not job.runner.due() and job.runner.tick() is None
    t = job.advance(minutes=1)
    quiet = job.runner.tick()
    assert quiet is not None and quiet.report.kind == "incremental"
    s = job.status()
    assert s["steadyStateFirstAchievedTime"] == s["steadyStateLastAchievedTime"] == iso(t)
    assert s["lastSuccessfulExecutionWithExports"]["timeBegan"] == iso(
        began
    )  # the quiet cycle exported nothing
    t2 = job.advance(minutes=40)
    assert job.runner.tick() is not None
    s = job.status()
    assert s["steadyStateFirstAchievedTime"] == iso(t) and s["steadyStateLastAchievedTime"] == iso(t2)


# -- pause and start ---------------------------------------------------------------------------


def test_pause_lets_nothing_run_afterwards(job: Job) -> None:
    first_cycle(job)
    job.runner.pause()
    assert job.schedule()["state"] == "Paused" and job.status()["code"] == "Paused"
    job.advance(days=2)
    assert not job.runner.due() and job.runner.next_run() is None
    assert job.runner.tick() is None
    job.runner.start()  # resumes from the pause point: the cadence is long past
    assert job.status()["code"] == "Active" and job.runner.tick() is not None


def test_pause_during_a_cycle_lets_the_cycle_finish(job: Job) -> None:
    job.runner.start()
    job.cycle.on_record = lambda _record: job.runner.pause()
    result = job.runner.tick()
    assert result is not None and result.report.actions.get("create") == MEMBERS
    assert b2b_count(job.pair) == MEMBERS
    assert job.schedule()["state"] == "Paused" and job.status()["code"] == "Paused"
    assert job.status()["lastExecution"]["state"] == "Succeeded"
    job.advance(hours=1)
    assert job.runner.tick() is None


def test_start_clears_quarantine(job: Job) -> None:
    set_inbound(job.pair, False)
    job.runner.start()
    job.runner.tick()
    assert job.status()["code"] == "Quarantine"
    job.runner.start()
    s = job.status()
    assert s["quarantine"] is None and s["code"] == "Active"
    assert job.runner.due()  # no waiting for the quarantine's next attempt
    set_inbound(job.pair, True)
    assert job.runner.tick().report.state == "Succeeded"


# -- quarantine triggers -----------------------------------------------------------------------


def test_a_policy_turned_off_on_the_target_quarantines_with_encountered_quarantine_exception(
    job: Job,
) -> None:
    set_inbound(job.pair, False)
    job.runner.start()
    now = job.sim.clock.now()
    result = job.runner.tick()
    assert result is not None and result.report.state == "Failed"
    s = job.status()
    assert set(s) == STATUS_KEYS
    assert job.schedule()["state"] == "Active"
    assert s["code"] == "Quarantine"
    assert s["countSuccessiveCompleteFailures"] == 1
    q = s["quarantine"]
    assert set(q) == {"currentBegan", "error", "nextAttempt", "reason", "seriesBegan", "seriesCount"}
    assert q["reason"] == "EncounteredQuarantineException"
    assert q["error"]["code"] == "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure"
    assert q["error"]["tenantActionable"] is True
    assert q["seriesBegan"] == q["currentBegan"] == iso(now)
    assert q["seriesCount"] == 0
    assert q["nextAttempt"] == iso(now + timedelta(hours=6))
    last = s["lastExecution"]
    assert last["state"] == "Failed" and last["error"]["code"] == q["error"]["code"]
    assert s["lastSuccessfulExecution"] is None
    assert s["steadyStateFirstAchievedTime"] == NEVER


def test_too_many_deletes_quarantines_and_force_deletes_releases_them(make_job: Callable[..., Job]) -> None:
    job = make_job(deletion_threshold=2)
    first_cycle(job)
    src, _ = job.pair.clients()
    for m in job.pair.members("id,userPrincipalName")[:3]:
        src.delete(f"/groups/{job.pair.group_id}/members/{m['id']}/$ref")
    now = job.advance(minutes=40)
    job.runner.tick()
    s = job.status()
    assert s["code"] == "Quarantine"
    assert s["quarantine"]["reason"] == "TooManyDeletes"
    assert s["quarantine"]["nextAttempt"] == iso(now + timedelta(hours=6))
    assert s["lastExecution"]["countEscrowedRaw"] == 3  # the held deletes
    assert len(job.state.staged()) == 3 and b2b_count(job.pair) == MEMBERS

    assert job.runner.restart("ForceDeletes") == {ResetScope.FORCE_DELETES}
    assert job.runner.due()
    released = job.runner.tick()
    assert released is not None and released.report.actions.get("delete") == 3
    s = job.status()
    assert s["code"] == "Active" and s["quarantine"] is None
    assert job.state.staged() == [] and b2b_count(job.pair) == MEMBERS - 3
    # the release is for one cycle only
    assert not job.runner._rec.force_deletes


def test_every_call_to_the_target_refused_quarantines_with_encountered_quarantine_exception(job: Job) -> None:
    first_cycle(job)
    touch_members(job.pair)
    fault(job.pair, 100)
    job.advance(minutes=40)
    job.runner.tick()
    s = job.status()
    assert s["quarantine"]["reason"] == "EncounteredQuarantineException"
    assert s["quarantine"]["error"]["code"] == "Forbidden"  # the canned 403's code
    assert s["lastExecution"]["state"] == "EntryLevelErrors"
    assert s["lastExecution"]["countEscrowed"] == MEMBERS
    assert s["countSuccessiveCompleteFailures"] == 1


@pytest.mark.parametrize(
    ("thresholds", "reason"),
    [
        (
            dict(escrow_proportion=0.4, escrow_total=100, escrow_cap_with_references=100),
            "EncounteredEscrowProportionThreshold",
        ),
        (
            dict(escrow_proportion=0.9, escrow_total=4, escrow_cap_with_references=100),
            "EncounteredTotalEscrowThreshold",
        ),
        (
            dict(escrow_proportion=0.9, escrow_total=100, escrow_cap_with_references=4),
            "EncounteredBaseEscrowThreshold",
        ),
    ],
)
def test_an_escrow_threshold_quarantines_with_its_reason(
    make_job: Callable[..., Job], thresholds: dict[str, Any], reason: str
) -> None:
    job = make_job(escrow_min_failures=3, **thresholds)
    first_cycle(job)
    touch_members(job.pair)
    fault(job.pair, 5)  # 5 of the 8 updates fail, 3 succeed
    job.advance(minutes=40)
    result = job.runner.tick()
    assert result is not None and result.report.statuses == {"failure": 5, "success": 3}
    s = job.status()
    assert s["code"] == "Quarantine"
    assert s["quarantine"]["reason"] == reason
    assert s["quarantine"]["error"]["code"] == reason
    assert s["countSuccessiveCompleteFailures"] == 0  # escrows are not a complete failure
    assert len(job.state.escrows()) == 5


def test_below_the_escrow_floor_failures_only_escrow(job: Job) -> None:
    first_cycle(job)
    touch_members(job.pair)
    fault(job.pair, 2)
    job.advance(minutes=40)
    job.runner.tick()
    s = job.status()
    assert s["code"] == "Active" and s["quarantine"] is None
    assert s["lastExecution"]["state"] == "EntryLevelErrors" and s["lastExecution"]["countEscrowed"] == 2
    assert s["lastSuccessfulExecution"]["timeBegan"] != s["lastExecution"]["timeBegan"]
    assert len(job.state.escrows()) == 2


def test_an_initial_cycle_over_an_escrow_threshold_prunes_escrows_and_pauses(
    make_job: Callable[..., Job],
) -> None:
    job = make_job(escrow_min_failures=3, escrow_proportion=0.4)
    fault(job.pair, 5)  # the attribute PATCH of 5 of the 8 creates fails
    job.runner.start()
    result = job.runner.tick()
    assert result is not None and result.report.kind == "initial"
    assert result.report.statuses.get("failure") == 5
    s = job.status()
    assert s["escrowsPruned"] is True
    assert s["quarantine"] is None
    assert s["code"] == "Paused" and job.schedule()["state"] == "Paused"
    assert job.state.escrows() == []
    job.advance(hours=1)
    assert job.runner.tick() is None
    job.runner.start()  # the customer cleaned up
    job.advance(minutes=40)
    assert job.runner.tick() is not None
    assert job.status()["escrowsPruned"] is True  # a fact about the initial cycle


# -- back-off and recovery ---------------------------------------------------------------------


def test_quarantine_retries_at_6_12_24_hours_then_daily_and_disables_after_28_days(job: Job) -> None:
    set_inbound(job.pair, False)
    job.runner.start()
    series_began = job.sim.clock.now()
    job.runner.tick()
    offsets = []
    while (nxt := job.status()["quarantine"]["nextAttempt"]) is not None:
        at = graph_time(nxt)
        job.advance(seconds=(at - job.sim.clock.now()).total_seconds() - 1)
        assert not job.runner.due() and job.runner.tick() is None
        job.advance(seconds=1)
        assert job.runner.tick() is not None
        offsets.append((job.sim.clock.now() - series_began) / timedelta(hours=1))
    assert offsets == [6, 12, 24] + [24 * d for d in range(2, 29)]
    s = job.status()
    assert job.schedule()["state"] == "Disabled"
    assert s["code"] == "Quarantine"
    assert s["quarantine"]["seriesCount"] == 30 and s["quarantine"]["seriesBegan"] == iso(series_began)
    assert s["countSuccessiveCompleteFailures"] == 31
    job.advance(days=3)
    assert not job.runner.due() and job.runner.tick() is None
    job.runner.start()  # an admin brings it back
    assert job.schedule()["state"] == "Active" and job.status()["quarantine"] is None
    assert job.runner.due()


def test_fixing_the_cause_lifts_quarantine_at_the_next_attempt(job: Job) -> None:
    set_inbound(job.pair, False)
    job.runner.start()
    job.runner.tick()
    assert job.status()["code"] == "Quarantine"
    set_inbound(job.pair, True)
    job.advance(hours=5, minutes=59)
    assert job.runner.tick() is None  # quarantine cadence, not 40 minutes
    t = job.advance(minutes=1)
    result = job.runner.tick()
    assert result is not None and result.report.state == "Succeeded"
    s = job.status()
    assert s["code"] == "Active" and s["quarantine"] is None
    assert s["countSuccessiveCompleteFailures"] == 0
    assert s["lastSuccessfulExecution"]["state"] == "Succeeded"
    assert job.runner.next_run() == t + timedelta(minutes=40)  # normal cadence again


# -- restart resetScope ------------------------------------------------------------------------


def test_restart_watermark_makes_the_next_cycle_initial_without_duplicates(job: Job) -> None:
    first_cycle(job)
    assert job.state.watermark is not None
    assert job.runner.restart("Watermark") == {ResetScope.WATERMARK}
    assert job.state.watermark is None and job.runner.due()
    result = job.runner.tick()
    assert result is not None and result.report.kind == "initial"
    assert result.report.actions.get("create", 0) == 0 and b2b_count(job.pair) == MEMBERS


def test_restart_escrows_clears_escrows_only(job: Job) -> None:
    first_cycle(job)
    touch_members(job.pair)
    fault(job.pair, 2)
    job.advance(minutes=40)
    job.runner.tick()
    assert len(job.state.escrows()) == 2
    job.runner.restart("Escrows")
    assert job.state.escrows() == []
    assert job.state.watermark is not None and job.state.count_shadows() == MEMBERS


def test_restart_quarantine_state_lifts_quarantine(job: Job) -> None:
    set_inbound(job.pair, False)
    job.runner.start()
    job.runner.tick()
    job.runner.restart("QuarantineState")
    s = job.status()
    assert s["quarantine"] is None and s["code"] != "Quarantine"
    assert job.runner.due()
    job.runner.tick()  # still broken: a new series begins
    assert job.status()["quarantine"]["seriesCount"] == 0


def test_restart_full_breaks_links_and_the_next_cycle_matches_again(job: Job) -> None:
    first_cycle(job)
    assert job.runner.restart("Full") == {ResetScope.FULL}
    assert job.state.count_shadows() == 0 and job.state.watermark is None
    result = job.runner.tick()
    assert result is not None and result.report.kind == "initial"
    assert result.report.actions.get("create", 0) == 0
    assert job.state.count_shadows() == MEMBERS and b2b_count(job.pair) == MEMBERS


def test_restart_connector_data_store_resets_like_full_but_keeps_quarantine(job: Job) -> None:
    first_cycle(job)
    set_inbound(job.pair, False)
    job.advance(minutes=40)
    job.runner.tick()
    job.runner.restart("ConnectorDataStore")
    assert job.state.count_shadows() == 0 and job.state.watermark is None
    assert job.status()["quarantine"]["reason"] == "EncounteredQuarantineException"
    assert job.runner.due()


def test_restart_none_starts_a_paused_job(job: Job) -> None:
    first_cycle(job)
    job.runner.pause()
    assert job.runner.restart("None") == {ResetScope.NONE}
    assert job.schedule()["state"] == "Active" and job.runner.due()
    assert job.state.watermark is not None  # nothing reset


def test_restart_with_an_empty_scope_is_the_portals_restart(job: Job) -> None:
    first_cycle(job)
    touch_members(job.pair)
    fault(job.pair, 2)
    job.advance(minutes=40)
    job.runner.tick()
    set_inbound(job.pair, False)
    job.advance(minutes=40)
    job.runner.tick()
    assert job.status()["code"] == "Quarantine" and len(job.state.escrows()) == 2
    assert job.runner.restart("") == PORTAL_RESTART
    assert job.status()["quarantine"] is None
    assert job.state.escrows() == [] and job.state.watermark is None
    assert job.state.count_shadows() == MEMBERS  # links kept


def test_restart_combines_flags_in_any_case_and_spacing(job: Job) -> None:
    first_cycle(job)
    assert job.runner.restart(" watermark ,ESCROWS") == {ResetScope.WATERMARK, ResetScope.ESCROWS}
    assert job.state.watermark is None and job.state.count_shadows() == MEMBERS


def test_restart_with_an_unknown_flag_names_the_valid_ones_and_changes_nothing(job: Job) -> None:
    first_cycle(job)
    with pytest.raises(
        ValueError,
        match="valid flags: None, ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes",
    ):
        job.runner.restart("Watermark, Everything")
    assert job.state.watermark is not None and not job.runner.due()


def test_a_restart_during_a_cycle_applies_when_the_cycle_ends(job: Job) -> None:
    job.runner.start()
    job.cycle.on_record = lambda _record: job.runner.restart("Watermark")
    result = job.runner.tick()
    job.cycle.on_record = None
    assert result is not None and result.report.actions.get("create") == MEMBERS
    assert job.state.watermark is None  # not overwritten by the cycle's own watermark
    assert job.runner.due()
    assert job.runner.tick().report.kind == "initial"


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("", PORTAL_RESTART),
        (None, PORTAL_RESTART),
        (" , ", PORTAL_RESTART),
        ("Watermark, Escrows, QuarantineState", PORTAL_RESTART),
        ("forcedeletes", {ResetScope.FORCE_DELETES}),
        ("Full,ForceDeletes", {ResetScope.FULL, ResetScope.FORCE_DELETES}),
    ],
)
def test_reset_scope_parsing(text: str | None, flags: set[ResetScope]) -> None:
    assert parse_reset_scope(text) == flags


# -- persistence -------------------------------------------------------------------------------


def test_a_new_runner_on_the_same_state_file_resumes_status_and_schedule(job: Job) -> None:
    first_cycle(job)
    set_inbound(job.pair, False)
    job.advance(minutes=40)
    job.runner.tick()
    again = job.reopen()
    assert again.status() == job.runner.status()
    assert again.status()["status"]["code"] == "Quarantine"
    assert again.next_run() == job.runner.next_run()
    job.runner.pause()
    assert job.reopen().status()["schedule"]["state"] == "Paused"
