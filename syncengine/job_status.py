"""A job's status as the runner keeps it and as Graph shows it.

``RunnerRecord`` is everything a ``JobRunner`` knows of its job, stored as one JSON object in the job's
state file; ``to_graph`` turns it into Graph's ``synchronizationJob`` ``schedule`` and ``status``
(graph-protocol.md §6.6), and ``execution_of`` a cycle's report into a ``synchronizationTaskExecution``.
The runner (``runner.py``) decides when cycles run and what their outcomes change.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import timedelta
from typing import Any

from syncengine import quarantine
from syncengine.logs import CycleReport

#: Graph's "never" timestamp (steadyState* before the first steady state, the placeholder execution).
NEVER = "0001-01-01T00:00:00Z"
#: ``synchronizedEntryCountByType`` key: "{source object} to {target object}", as Graph shows it for other
#: templates ("user to User"); the Azure2Azure source object is ``User`` (assumed).
ENTRY_TYPE_KEY = "User to User"


class ScheduleState(enum.StrEnum):
    """Graph ``synchronizationScheduleState``."""

    ACTIVE = "Active"
    DISABLED = "Disabled"
    PAUSED = "Paused"


class StatusCode(enum.StrEnum):
    """Graph ``synchronizationStatusCode``."""

    NOT_CONFIGURED = "NotConfigured"
    NOT_RUN = "NotRun"
    ACTIVE = "Active"
    PAUSED = "Paused"
    QUARANTINE = "Quarantine"


def iso_duration(delta: timedelta) -> str:
    """``timedelta`` as an ISO-8601 duration (``PT40M``)."""
    total = int(delta.total_seconds())
    days, rest = divmod(total, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    time = "".join(f"{v}{u}" for v, u in ((hours, "H"), (minutes, "M"), (seconds, "S")) if v)
    out = "P" + (f"{days}D" if days else "")
    return out + ("T" + time if time else "") if (days or time) else "PT0S"


@dataclass
class QuarantineRecord:
    """A job's quarantine as Graph's ``synchronizationQuarantine`` shows it (timestamps ISO-8601 text)."""

    series_began: str
    series_count: int = 0
    reason: str = ""
    #: Graph's ``synchronizationError`` of the cycle that quarantined the job, or None
    error: dict[str, Any] | None = None
    current_began: str = ""
    next_attempt: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as stored (and as Graph names its fields)."""
        return {
            "seriesBegan": self.series_began,
            "seriesCount": self.series_count,
            "reason": self.reason,
            "error": self.error,
            "currentBegan": self.current_began,
            "nextAttempt": self.next_attempt,
        }

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> QuarantineRecord:
        return cls(
            doc["seriesBegan"],
            int(doc.get("seriesCount") or 0),
            doc.get("reason") or "",
            doc.get("error"),
            doc.get("currentBegan") or "",
            doc.get("nextAttempt"),
        )


@dataclass
class RunnerRecord:
    """Everything a job runner knows, kept in the state file under ``runner`` (one JSON object).

    A fresh record is a just-created job: schedule Disabled, status Paused, nothing run. Executions are
    Graph's ``synchronizationTaskExecution`` objects as the status shows them; timestamps are ISO-8601.
    """

    started: bool = False
    schedule: ScheduleState = ScheduleState.DISABLED
    completed: bool = False
    successive_failures: int = 0
    escrows_pruned: bool = False
    last_execution: dict[str, Any] | None = None
    last_successful: dict[str, Any] | None = None
    last_with_exports: dict[str, Any] | None = None
    quarantine: QuarantineRecord | None = None
    #: when the job first and last reached a steady state (a cycle with nothing to export)
    steady_first: str | None = None
    steady_last: str | None = None
    #: linked users after the last cycle that did not fail (``synchronizedEntryCountByType``)
    entries: int | None = None
    last_began: str | None = None
    last_ended: str | None = None
    #: a cycle is due at once (start after quarantine, restart)
    due_now: bool = False
    #: the next cycle releases the deletes the accidental-deletion threshold held
    force_deletes: bool = False
    #: ``ResetScope`` values of a restart that arrived during a cycle, applied when it ends
    pending_reset: list[str] | None = None

    def to_json(self) -> dict[str, Any]:
        """The record as stored: field names as keys, the schedule by its Graph name."""
        doc = {f.name: getattr(self, f.name) for f in fields(self)}
        doc["schedule"] = self.schedule.value
        doc["quarantine"] = None if self.quarantine is None else self.quarantine.to_json()
        return doc

    @classmethod
    def from_json(cls, doc: Mapping[str, Any] | None) -> RunnerRecord:
        """A stored record (None: a fresh job); keys it lacks keep their fresh values."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in (doc or {}).items() if k in known}
        record = cls(**values)
        record.schedule = ScheduleState(record.schedule)
        if isinstance(record.quarantine, Mapping):
            record.quarantine = QuarantineRecord.from_json(record.quarantine)
        return record

    def code(self) -> StatusCode:
        """Graph's ``synchronizationStatusCode`` of the job."""
        if not self.started or self.schedule is ScheduleState.PAUSED:
            return StatusCode.PAUSED
        if self.quarantine is not None:
            return StatusCode.QUARANTINE
        if not self.completed:
            return StatusCode.NOT_RUN
        return StatusCode.ACTIVE

    def to_graph(self, interval: timedelta) -> dict[str, Any]:
        """Graph's ``synchronizationJob`` ``schedule`` and ``status`` (copies: the caller may change them)."""
        q = self.quarantine
        return {
            "schedule": {
                "expiration": None,
                "interval": iso_duration(interval),
                "state": self.schedule.value,
            },
            "status": {
                "code": self.code().value,
                "countSuccessiveCompleteFailures": self.successive_failures,
                "escrowsPruned": self.escrows_pruned,
                "lastExecution": _copy(self.last_execution),
                "lastSuccessfulExecution": _copy(self.last_successful),
                "lastSuccessfulExecutionWithExports": _copy(self.last_with_exports),
                "progress": [],
                "quarantine": None
                if q is None
                else {
                    "currentBegan": q.current_began,
                    "error": _copy(q.error),
                    "nextAttempt": q.next_attempt,
                    "reason": q.reason,
                    "seriesBegan": q.series_began,
                    "seriesCount": q.series_count,
                },
                "steadyStateFirstAchievedTime": self.steady_first or NEVER,
                "steadyStateLastAchievedTime": self.steady_last or NEVER,
                "synchronizedEntryCountByType": []
                if self.entries is None
                else [{"key": ENTRY_TYPE_KEY, "value": self.entries}],
                "troubleshootingUrl": None,
            },
        }


def placeholder_execution() -> dict[str, Any]:
    """What a just-started job shows as ``lastExecution`` before its first cycle (doc example)."""
    return {
        "activityIdentifier": None,
        "countEntitled": 0,
        "countEntitledForProvisioning": 0,
        "countEscrowed": 0,
        "countEscrowedRaw": 0,
        "countExported": 0,
        "countExports": 0,
        "countImported": 0,
        "countImportedDeltas": 0,
        "countImportedReferenceDeltas": 0,
        "error": {"code": "None", "message": "", "tenantActionable": False},
        "state": "Failed",
        "timeBegan": NEVER,
        "timeEnded": NEVER,
    }


def _copy(value: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if value is None else {k: dict(v) if isinstance(v, dict) else v for k, v in value.items()}


def execution_of(report: CycleReport, verdict: quarantine.Verdict) -> dict[str, Any]:
    """A cycle report as Graph's ``synchronizationTaskExecution``."""
    failures = report.statuses.get("failure", 0)
    successes = report.statuses.get("success", 0)
    held = int((report.quarantine or {}).get("held") or 0)
    state = report.state if report.state in ("Succeeded", "Failed", "EntryLevelErrors") else "Failed"
    error = None
    if state == "Failed" and verdict.error is not None:
        error = verdict.error.to_graph()
    return {
        "activityIdentifier": report.cycle_id,
        "countEntitled": report.in_scope,
        "countEntitledForProvisioning": report.in_scope,
        "countEscrowed": failures,
        "countEscrowedRaw": failures + held,
        "countExported": successes,
        "countExports": successes + failures,
        "countImported": report.imported,
        "countImportedDeltas": report.imported if report.kind == "incremental" else 0,
        "countImportedReferenceDeltas": 0,
        "error": error,
        "state": state,
        "timeBegan": report.began,
        "timeEnded": report.ended or report.began,
    }
