"""One synchronization cycle: import → scope → match → map → diff → export, as the Entra service does.

A cycle first plans every change (nothing written), checks the plan against the accidental-deletion
threshold, then exports. ``dry_run`` stops after the plan. Shadows are committed object by object
and the watermark only at the end, so a killed engine resumes without loss or duplicates.

This module orchestrates: reading the users is ``importer``'s, what to do with one user is
``decide``'s, finding a user's target counterpart is ``matching``'s, writing a decided change to the
target is ``export``'s.
"""

from __future__ import annotations

import contextlib
import gc
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncengine import licences, mapping, preflight, scope
from syncengine.client import GraphClient
from syncengine.clock import Clock
from syncengine.decide import Decider, Situation
from syncengine.errors import GraphApiError, NotFoundError, TokenError, TransportError
from syncengine.export import Exporter, PlanKind, Planned
from syncengine.importer import Importer
from syncengine.logs import CycleReport, LogContext, provisioning_record
from syncengine.matching import TargetMatcher
from syncengine.model import Action, JobConfig, LicencePolicy, Status, Step, StepType
from syncengine.state import EngineState

#: Objects exported per state commit.
EXPORT_BATCH = 250


@dataclass
class CycleResult:
    report: CycleReport
    records: list[dict[str, Any]]
    plan: list[Planned]


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Cycle:
    """Runs cycles of one job between two Graph clients, with its state file."""

    def __init__(
        self,
        job: JobConfig,
        source: GraphClient,
        target: GraphClient,
        state: EngineState,
        clock: Clock,
        *,
        job_id: str | None = None,
        service_principal_name: str = "ccsync",
        on_record: Callable[[dict[str, Any]], None] | None = None,
        keep_records: bool = True,
    ) -> None:
        self.job = job
        self.source = source
        self.target = target
        self.state = state
        self.clock = clock
        self.job_id = (
            job_id
            or f"Azure2Azure.{job.source.tenant_id.replace('-', '')}.{uuid.uuid5(uuid.NAMESPACE_URL, job.name)}"
        )
        self.sp_name = service_principal_name
        self.on_record = on_record
        #: keep every record and plan in the CycleResult (off for tenants of millions: they stream to state)
        self.keep_records = keep_records
        self.compiled = mapping.compile_mappings(job.mappings)
        #: target id → the target user's current values, read for the users of the page being planned
        self._target_now: dict[str, dict[str, Any]] = {}
        self._matcher = TargetMatcher(job, target)
        self._importer = Importer(job, source, target, state, self.compiled)
        self._decider = Decider(job, self.compiled, self._matcher)
        self._exporter = Exporter(job, target, state, clock)

    # -- the cycle ---------------------------------------------------------------------------

    def run(self, *, dry_run: bool = False, force_deletes: bool = False) -> CycleResult:
        with _gc_paused():
            return self._run(dry_run=dry_run, force_deletes=force_deletes)

    def _run(self, *, dry_run: bool, force_deletes: bool) -> CycleResult:
        began = self.clock.now()
        wall = time.perf_counter()
        self._stats0 = [
            (c.stats.requests, c.stats.throttled, c.stats.retries, c.stats.waited_seconds)
            for c in (self.source, self.target)
        ]
        cycle_id = str(uuid.uuid4())
        kind = "incremental" if self.state.watermark else "initial"
        report = CycleReport(self.job.name, cycle_id, kind, _iso(began), dry_run=dry_run)
        ctx = LogContext(self.job, self.job_id, cycle_id, self.job.service_principal_id or "", self.sp_name)
        records: list[dict[str, Any]] = []
        plan: list[Planned] = []
        if not dry_run:
            self.state.begin_cycle(cycle_id, kind, _iso(began))
        try:
            failures = self._preflight()
            if failures:
                f = failures[0]
                report.state = "Failed"
                report.failure = {"code": f.code, "message": f.message, "side": f.side}
                return self._finish(report, records, plan, began, wall, dry_run)
            self._assigned = self._importer.assignments()
            self._begin_plan(report)
            deferred: list[Planned] = []
            delta_link = ""
            for page, link in self._importer.pages(report, self._assigned, self._full_import):
                delta_link = link
                self._target_now = self._importer.read_targets(page)
                self._matcher.prefetch(self._unlinked_anchors(page))
                plans = [self._plan_one(u, report) for u in page]
                deferred += [p for p in plans if p.kind in (PlanKind.DELETE, PlanKind.DISABLE)]
                self._emit(
                    [p for p in plans if p.kind not in (PlanKind.DELETE, PlanKind.DISABLE)],
                    ctx,
                    report,
                    records,
                    plan,
                    dry_run,
                )
            held = self._hold_deletes(deferred, force_deletes, dry_run)
            if held:
                report.quarantine = {"reason": "TooManyDeletes", "held": held}
            self._emit(deferred, ctx, report, records, plan, dry_run)
            self._end_plan(report, record=not dry_run)
            if report.errors:
                report.state = "EntryLevelErrors"
            if not dry_run:
                if not held:
                    self.state.clear_staged()
                self.state.set_json("assigned", sorted(self._assigned))
                self.state.commit_watermark(delta_link)
        except TokenError as exc:
            report.state = "Failed"
            report.failure = {"code": exc.error, "message": exc.description, "side": "pair"}
        except (GraphApiError, TransportError) as exc:
            report.state = "Failed"
            report.failure = {
                "code": getattr(exc, "code", exc.__class__.__name__),
                "message": str(exc),
                "side": "pair",
            }
        return self._finish(report, records, plan, began, wall, dry_run)

    def _finish(
        self, report: CycleReport, records: list, plan: list, began: datetime, wall: float, dry_run: bool
    ) -> CycleResult:
        report.ended = _iso(self.clock.now())
        report.duration_s = round(time.perf_counter() - wall, 3)
        for c, (req0, thr0, ret0, wait0) in zip(
            (self.source.stats, self.target.stats), self._stats0, strict=True
        ):
            report.throttled += c.throttled - thr0
            report.retries += c.retries - ret0
            report.waited_s = round(report.waited_s + c.waited_seconds - wait0, 3)
            report.requests += c.requests - req0
        if not dry_run:
            self.state.end_cycle(report.cycle_id, report.ended, report.to_dict())
        return CycleResult(report, records, plan)

    # -- stages ------------------------------------------------------------------------------

    def _preflight(self) -> list[preflight.PreflightFailure]:
        return preflight.run_preflight(self.job, self.source, self.target)

    def run_one(self, source_id: str) -> CycleResult:
        """Provision on demand: one source user through the whole pipeline now; the watermark is untouched."""
        began = self.clock.now()
        wall = time.perf_counter()
        self._stats0 = [
            (c.stats.requests, c.stats.throttled, c.stats.retries, c.stats.waited_seconds)
            for c in (self.source, self.target)
        ]
        cycle_id = str(uuid.uuid4())
        report = CycleReport(self.job.name, cycle_id, "onDemand", _iso(began))
        ctx = LogContext(self.job, self.job_id, cycle_id, self.job.service_principal_id or "", self.sp_name)
        failures = self._preflight()
        if failures:
            report.state = "Failed"
            report.failure = {
                "code": failures[0].code,
                "message": failures[0].message,
                "side": failures[0].side,
            }
            return self._finish(report, [], [], began, wall, True)
        try:
            user = self.source.get(f"/users/{source_id}", {"$select": ",".join(self._importer.select())})
        except NotFoundError:
            user = {"id": source_id, "@removed": {"reason": "deleted"}}
        self._assigned = self._importer.assignments()
        self._begin_plan(report)
        self._target_now = self._importer.read_targets([user])
        plan = [self._plan_one(user, report)]
        self._end_plan(report)
        records = []
        with self.state.transaction():
            for p in plan:
                self._exporter.export(p)
                rec = provisioning_record(p.outcome, ctx, self.clock.now())
                records.append(rec)
                report.count(p.outcome)
                if self.on_record:
                    self.on_record(rec)
        if report.errors:
            report.state = "EntryLevelErrors"
        return self._finish(report, records, plan, began, wall, True)

    def _full_import(self) -> None:
        """The watermark was refused mid-cycle: match against the whole target, as an initial cycle does."""
        self._matcher.prepare(initial=True)

    def _begin_plan(self, report: CycleReport) -> None:
        self._requirement, self._catalogue = licences.licence_terms(self.job, self.source)
        self._enforce = self.job.safety.licence_policy is LicencePolicy.ENFORCE
        #: source id → licensed (True/False) or None (left the scope) for every user this cycle saw
        self._scope_seen: dict[str, bool | None] = {}
        self._matcher.prepare(initial=report.kind == "initial")

    def _unlinked_anchors(self, users: list[dict[str, Any]]) -> list[str]:
        """The anchors ``Decider.decide`` will look up for ``users``: in scope, neither linked nor restorable."""
        anchors: list[str] = []
        if not self._matcher.prefetches:
            return anchors
        for u in users:
            if "@removed" in u:
                continue
            shadow = self.state.shadow(u["id"])
            if shadow is not None and (
                shadow.phase == "linked" or (shadow.phase == "deprovisioned" and shadow.target_id)
            ):
                continue
            if not scope.decide(u, scope=self.job.scope, assigned=u["id"] in self._assigned).in_scope:
                continue
            anchors.append(self._matcher.anchor(u, None))  # the extension-attribute anchor needs no mapping
        return anchors

    def _plan_one(self, u: dict[str, Any], report: CycleReport) -> Planned:
        shadow = self.state.shadow(u["id"])
        linked = shadow is not None and shadow.phase == "linked"
        target_now = self._target_now.get(shadow.target_id or "") if linked and shadow else None
        if "@removed" in u:
            self._scope_seen[u["id"]] = None
            return self._decider.decide(Situation(u, shadow, None, False, self._requirement, target_now))
        d = scope.decide(u, scope=self.job.scope, assigned=u["id"] in self._assigned)
        unlicensed = False
        if d.in_scope:
            licensed = self._catalogue.has_plan(u, self._requirement.service_plan_id)
            self._scope_seen[u["id"]] = licensed
            unlicensed = self._enforce and not licensed
        else:
            self._scope_seen[u["id"]] = None
        return self._decider.decide(Situation(u, shadow, d, unlicensed, self._requirement, target_now))

    def _end_plan(self, report: CycleReport, *, record: bool = False) -> None:
        """Count this cycle's in-scope users and word the licence warning over the whole scope.

        The warning an admin sees counts every user in scope, not only those an incremental cycle
        touched: the users it did not see keep the licence state the state file last recorded (a
        licence change reaches the cycle through delta, ``assignedLicenses`` is imported).
        """
        seen = self._scope_seen
        report.in_scope = sum(1 for v in seen.values() if v is not None)
        replace = report.kind == "initial"
        total, missing = self.state.scope_licence_counts(seen, replace=replace)
        report.licence_warning = licences.warning_text(
            self._requirement, total, missing, self.job.safety.licence_policy
        )
        if record:
            self.state.apply_scope_licences(seen, replace=replace)
        self._scope_seen = {}

    def _emit(
        self,
        plans: list[Planned],
        ctx: LogContext,
        report: CycleReport,
        records: list,
        kept: list,
        dry_run: bool,
    ) -> None:
        """Export (unless a dry run) and log a batch of planned changes."""
        batch: list[dict[str, Any]] = []
        for start in range(0, len(plans), EXPORT_BATCH):
            chunk = plans[start : start + EXPORT_BATCH]
            with self.state.transaction() if not dry_run else contextlib.nullcontext():
                for p in chunk:
                    if not dry_run:
                        self._exporter.export(p)
                    rec = provisioning_record(p.outcome, ctx, self.clock.now())
                    batch.append(rec)
                    report.count(p.outcome)
                    if self.on_record and not dry_run:
                        self.on_record(rec)
        if not dry_run and batch:
            self.state.add_logs(ctx.cycle_id, batch)
        if self.keep_records:
            records.extend(batch)
            kept.extend(plans)

    def _hold_deletes(self, plan: list[Planned], force: bool, dry_run: bool = False) -> int:
        """Accidental-deletion prevention: hold every delete and disable of a cycle that exceeds the threshold.

        A dry run only plans the hold: staging a held user would make the next real cycle re-import it.
        """
        threshold = self.job.safety.deletion_threshold
        risky = [p for p in plan if p.kind in (PlanKind.DELETE, PlanKind.DISABLE)]
        if threshold is None or force or len(risky) <= threshold:  # exactly the threshold passes
            return 0
        for p in risky:
            p.kind = PlanKind.SKIP
            p.outcome.action = Action.STAGED_DELETE
            p.outcome.status = Status.SKIPPED
            p.outcome.skip_reason = "TooManyDeletes"
            p.outcome.steps.append(
                Step(
                    "EntryExportStagedDelete",
                    StepType.EXPORT,
                    Status.SKIPPED,
                    f"The change is held: this cycle would delete or disable {len(risky)} users, more than the accidental-deletion threshold of {threshold}.",
                )
            )
            if not dry_run:
                self.state.stage(p.source["id"], p.target_id, "TooManyDeletes")
        return len(risky)


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector during a cycle.

    A cycle allocates hundreds of thousands of short-lived, acyclic objects (reference counting frees
    them); full collections rescanning the growing heap cost a quarter of a large initial cycle.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
