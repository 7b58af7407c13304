"""The runner's record: stored as the same JSON object as ever, and shown as Graph's status."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from syncengine.job_status import NEVER, QuarantineRecord, RunnerRecord, ScheduleState, StatusCode
from syncengine.state import EngineState

#: A quarantined job's ``runner`` value as state files hold it (keys sorted, as ``set_json`` writes them).
STORED = (
    '{"completed": true, "due_now": false, "entries": 4, "escrows_pruned": false, "force_deletes": false, '
    '"last_began": "2026-01-02T00:00:00Z", "last_ended": "2026-01-02T00:01:00Z", "last_execution": '
    '{"state": "Failed"}, "last_successful": null, "last_with_exports": null, "pending_reset": ["Escrows"], '
    '"quarantine": {"currentBegan": "2026-01-02T00:00:00Z", "error": {"code": "x"}, "nextAttempt": '
    '"2026-01-02T06:00:00Z", "reason": "EncounteredQuarantineException", "seriesBegan": "2026-01-01T00:00:00Z", '
    '"seriesCount": 2}, "schedule": "Active", "started": true, "steady_first": null, "steady_last": null, '
    '"successive_failures": 3}'
)


def test_a_stored_record_loads_typed_and_is_written_back_byte_for_byte(tmp_path: Path) -> None:
    state = EngineState(tmp_path / "s.db", "job")
    state.set_meta("runner", STORED)
    record = RunnerRecord.from_json(state.get_json("runner"))
    assert record.schedule is ScheduleState.ACTIVE and record.successive_failures == 3
    assert record.quarantine == QuarantineRecord(
        "2026-01-01T00:00:00Z",
        2,
        "EncounteredQuarantineException",
        {"code": "x"},
        "2026-01-02T00:00:00Z",
        "2026-01-02T06:00:00Z",
    )
    state.set_json("runner", record.to_json())
    assert state.get_meta("runner") == STORED


def test_a_fresh_record_is_a_disabled_job_that_never_ran() -> None:
    record = RunnerRecord.from_json(None)
    assert json.loads(json.dumps(record.to_json())) == {
        "started": False,
        "schedule": "Disabled",
        "completed": False,
        "successive_failures": 0,
        "escrows_pruned": False,
        "last_execution": None,
        "last_successful": None,
        "last_with_exports": None,
        "quarantine": None,
        "steady_first": None,
        "steady_last": None,
        "entries": None,
        "last_began": None,
        "last_ended": None,
        "due_now": False,
        "force_deletes": False,
        "pending_reset": None,
    }
    assert record.code() is StatusCode.PAUSED
    status = record.to_graph(timedelta(minutes=40))
    assert status["schedule"] == {"expiration": None, "interval": "PT40M", "state": "Disabled"}
    assert status["status"]["steadyStateFirstAchievedTime"] == NEVER


def test_a_quarantined_record_shows_graphs_quarantine_and_copies_what_it_returns() -> None:
    record = RunnerRecord.from_json(json.loads(STORED))
    status = record.to_graph(timedelta(minutes=40))["status"]
    assert status["code"] == "Quarantine"
    assert status["quarantine"]["seriesCount"] == 2 and status["quarantine"]["error"] == {"code": "x"}
    assert status["synchronizedEntryCountByType"] == [{"key": "User to User", "value": 4}]
    status["quarantine"]["error"]["code"] = "changed"
    status["lastExecution"]["state"] = "changed"
    assert record.quarantine is not None and record.quarantine.error == {"code": "x"}
    assert record.last_execution == {"state": "Failed"}
