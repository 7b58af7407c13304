"""The job runner: one job's schedule and status (start, pause, restart, quarantine), as Graph shows them.

A ``JobRunner`` decides when the next cycle of its job is due, runs it, and turns the cycle's report
into Graph's ``synchronizationJob`` ``schedule`` and ``status`` (graph-protocol.md §6.6, reference §2.1–2.3,
§2.10–2.12, §4.2). Everything it knows (a ``RunnerRecord``, ``job_status.py``) lives in the job's state
file under the ``runner`` key, so an engine (or simulator) that restarts resumes the same schedule,
status and quarantine.

Choices the docs leave open (see docs/fidelity.md):

* Cadence: a cycle starts ``interval`` after the previous one *started* (the docs: "fixed to start at
  40-minute intervals"); one that ran longer than the interval is followed at once. In quarantine the
  cadence is ``quarantine.next_attempt`` instead.
* ``start`` clears quarantine (documented); a job that never ran or was quarantined is due at once, a
  paused job resumes its cadence where it stopped (the pause point).
* ``restart`` also resumes a paused or disabled job, and its next cycle is due at once; a restart that
  arrives during a cycle applies its resets when that cycle ends.
* The runner never interrupts a cycle: ``pause`` during a cycle lets it finish and nothing runs after.
* Steady state: a cycle that exported nothing, escrowed nothing and held no deletes (assumed).
"""

from __future__ import annotations

import enum
import threading
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from syncengine import quarantine
from syncengine.clock import Clock
from syncengine.cycle import Cycle, CycleResult
from syncengine.errors import TokenError
from syncengine.job_status import (
    QuarantineRecord,
    RunnerRecord,
    ScheduleState,
    StatusCode,
    execution_of,
    placeholder_execution,
)
from syncengine.logs import CycleReport
from syncengine.state import EngineState

STATE_KEY = "runner"
INTERVAL = timedelta(minutes=40)


class ResetScope(enum.StrEnum):
    """Graph ``synchronizationJobRestartScope`` flags of ``restart``'s ``criteria.resetScope``."""

    NONE = "None"
    CONNECTOR_DATA_STORE = "ConnectorDataStore"
    ESCROWS = "Escrows"
    WATERMARK = "Watermark"
    QUARANTINE_STATE = "QuarantineState"
    FULL = "Full"
    FORCE_DELETES = "ForceDeletes"


#: The portal's "Restart provisioning" (an empty or absent resetScope).
PORTAL_RESTART = frozenset({ResetScope.QUARANTINE_STATE, ResetScope.WATERMARK, ResetScope.ESCROWS})


def parse_reset_scope(text: str | None) -> frozenset[ResetScope]:
    """The flags of a comma-separated ``resetScope`` (any case and spacing; empty = the portal's Restart)."""
    tokens = [t.strip() for t in (text or "").split(",") if t.strip()]
    if not tokens:
        return PORTAL_RESTART
    by_name = {f.value.lower(): f for f in ResetScope}
    unknown = [t for t in tokens if t.lower() not in by_name]
    if unknown:
        raise ValueError(
            f"unknown resetScope flag(s) {', '.join(repr(t) for t in unknown)}; "
            f"valid flags: {', '.join(f.value for f in ResetScope)}"
        )
    return frozenset(by_name[t.lower()] for t in tokens)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _parse(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


class JobRunner:
    """Schedules and runs the cycles of one job and keeps its Graph schedule and status."""

    def __init__(
        self, cycle: Cycle, state: EngineState, clock: Clock, *, interval: timedelta = INTERVAL
    ) -> None:
        self.cycle = cycle
        self.state = state
        self.clock = clock
        self.interval = interval
        self._lock = threading.RLock()
        self._running = False
        self._rec = RunnerRecord.from_json(state.get_json(STATE_KEY))

    # -- control (Graph start / pause / restart) ---------------------------------------------

    def start(self) -> None:
        """Schedule Active; clears quarantine; NotRun until the first cycle completes."""
        with self._lock:
            r = self._rec
            was_quarantined = r.quarantine is not None
            r.started = True
            r.schedule = ScheduleState.ACTIVE
            r.quarantine = None
            if was_quarantined:
                r.due_now = True
            if r.last_execution is None:
                r.last_execution = placeholder_execution()
            self._save()

    def pause(self) -> None:
        """Schedule Paused: a running cycle finishes, no further cycle starts; all state is kept."""
        with self._lock:
            self._rec.started = True
            self._rec.schedule = ScheduleState.PAUSED
            self._save()

    def restart(self, reset_scope: str | None = "") -> frozenset[ResetScope]:
        """Apply ``resetScope`` flags (comma-separated; empty = portal Restart) and make a cycle due at once.

        Raises ValueError naming the valid flags when one is unknown. Returns the flags applied.
        """
        flags = parse_reset_scope(reset_scope)
        with self._lock:
            r = self._rec
            if self._running:
                # never under a running cycle's feet: it would commit its watermark over the reset
                r.pending_reset = sorted(set(r.pending_reset or ()) | {f.value for f in flags})
            else:
                self._reset(flags)
            r.started = True
            r.schedule = ScheduleState.ACTIVE
            r.due_now = True
            if r.last_execution is None:
                r.last_execution = placeholder_execution()
            self._save()
        return flags

    def _reset(self, flags: frozenset[ResetScope]) -> None:
        r = self._rec
        links = bool(flags & {ResetScope.FULL, ResetScope.CONNECTOR_DATA_STORE})
        if ResetScope.WATERMARK in flags or links:
            self.state.commit_watermark(None)
        if ResetScope.ESCROWS in flags or links:
            self.state.clear_escrows()
        if links:
            self.state.forget_links()
            self.state.clear_staged()  # held deletes belonged to the links just broken
        if flags & {ResetScope.QUARANTINE_STATE, ResetScope.FULL, ResetScope.NONE}:
            r.quarantine = None
        if ResetScope.FORCE_DELETES in flags:
            r.force_deletes = True

    # -- schedule ----------------------------------------------------------------------------

    def due(self, now: datetime | None = None) -> bool:
        """Whether a cycle should start now."""
        with self._lock:
            when = self.next_run(now)
            return when is not None and not self._running and (now or self.clock.now()) >= when

    def next_run(self, now: datetime | None = None) -> datetime | None:
        """When the next cycle is due (``now`` when due at once); None when nothing is scheduled."""
        now = now or self.clock.now()
        with self._lock:
            r = self._rec
            if r.schedule is not ScheduleState.ACTIVE:
                return None
            if r.due_now:
                return now
            q = r.quarantine
            if q is not None:
                return _parse(q.next_attempt) if q.next_attempt else None
            if r.last_began is None:
                return now
            after_start = _parse(r.last_began) + self.interval
            ended = _parse(r.last_ended) if r.last_ended else after_start
            return max(after_start, ended)

    def tick(self) -> CycleResult | None:
        """Run one cycle if one is due; apply its outcome to the status and quarantine."""
        with self._lock:
            began = self.clock.now()
            if not self.due(began):
                return None
            self._running = True
            force = bool(self._rec.force_deletes)
            self._rec.due_now = False
            self._rec.last_began = _iso(began)
            self._rec.last_ended = None
            self._save()
        try:
            try:
                result = self.cycle.run(force_deletes=force)
            except TokenError as exc:  # no token at all: the whole cycle failed (invalid credentials)
                report = CycleReport(self.cycle.job.name, str(uuid.uuid4()), "incremental", _iso(began))
                report.state = "Failed"
                report.failure = {"code": exc.error, "message": exc.description, "side": "pair"}
                report.ended = _iso(self.clock.now())
                result = CycleResult(report, [], [])
            with self._lock:
                self._apply(result.report, force)
        finally:
            with self._lock:
                self._running = False
                pending = self._rec.pending_reset
                if pending:  # a restart that arrived during the cycle
                    self._rec.pending_reset = None
                    self._reset(frozenset(ResetScope(f) for f in pending))
                    self._save()
        return result

    # -- outcome -----------------------------------------------------------------------------

    def _apply(self, report: CycleReport, force: bool) -> None:
        r = self._rec
        now = self.clock.now()
        failures = report.statuses.get("failure", 0)
        successes = report.statuses.get("success", 0)
        # reference failures (manager, group members) are not escrowed apart yet: cycles sync no references
        verdict = quarantine.evaluate(
            report,
            escrow_failures=failures,
            reference_failures=0,
            successes=successes,
            initial=report.kind == "initial",
            safety=self.cycle.job.safety,
        )
        execution = execution_of(report, verdict)
        r.completed = True
        r.last_ended = _iso(now)
        r.last_execution = execution
        r.successive_failures = r.successive_failures + 1 if verdict.complete_failure else 0
        if report.state == "Succeeded" and not verdict.quarantine:
            r.last_successful = execution
        if report.state != "Failed" and execution["countExported"] > 0:
            r.last_with_exports = execution
        held = int((report.quarantine or {}).get("held") or 0)
        if report.state != "Failed" and execution["countExports"] == 0 and held == 0:
            r.steady_first = r.steady_first or execution["timeEnded"]
            r.steady_last = execution["timeEnded"]
        if report.state != "Failed":
            r.entries = self.state.count_shadows("linked")
            if force:  # the held deletes were released by this cycle
                self.state.clear_staged()
                r.force_deletes = False
            if report.kind == "initial":
                r.escrows_pruned = verdict.prune_escrows
        if verdict.prune_escrows:
            self.state.clear_escrows()
            r.quarantine = None
            if r.schedule is ScheduleState.ACTIVE:
                r.schedule = ScheduleState.PAUSED  # waits for the customer to clean up
        elif verdict.reason is not None:
            self._quarantine(verdict, now)
        else:
            r.quarantine = None  # any successful retry lifts quarantine
        self._save()

    def _quarantine(self, verdict: quarantine.Verdict, now: datetime) -> None:
        r = self._rec
        q = r.quarantine
        if q is None:
            q = QuarantineRecord(_iso(now))
        else:
            q.series_count += 1
        assert verdict.reason is not None
        q.reason = verdict.reason.value
        q.error = verdict.error.to_graph() if verdict.error else None
        q.current_began = _iso(now)
        nxt = quarantine.next_attempt(_parse(q.series_began), q.series_count, now)
        q.next_attempt = _iso(nxt) if nxt else None
        r.quarantine = q
        if nxt is None and r.schedule is ScheduleState.ACTIVE:
            r.schedule = ScheduleState.DISABLED  # four weeks in quarantine

    def _save(self) -> None:
        self.state.set_json(STATE_KEY, self._rec.to_json())

    # -- Graph view --------------------------------------------------------------------------

    def code(self) -> StatusCode:
        return self._rec.code()

    def status(self) -> dict[str, Any]:
        """Graph's ``synchronizationJob`` ``schedule`` and ``status``."""
        with self._lock:
            return self._rec.to_graph(self.interval)
