"""One synchronization cycle: import → scope → match → map → diff → export, as the Entra service does.

A cycle first plans every change (nothing written), checks the plan against the accidental-deletion
threshold, then exports. ``dry_run`` stops after the plan. Shadows are committed object by object
and the watermark only at the end, so a killed engine resumes without loss or duplicates.

This module orchestrates: what to do with one user is ``decide``'s, finding a user's target
counterpart is ``matching``'s, writing a decided change to the target is ``export``'s.
"""

from __future__ import annotations

import contextlib
import gc
import itertools
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncengine import licences, mapping, preflight, scope
from syncengine.backend import GraphCall
from syncengine.client import RETRYABLE, GraphClient
from syncengine.clock import Clock
from syncengine.decide import Decider, Situation
from syncengine.errors import GraphApiError, NotFoundError, TokenError, TransportError
from syncengine.export import Exporter, PlanKind, Planned
from syncengine.logs import CycleReport, LogContext, provisioning_record
from syncengine.matching import TargetMatcher
from syncengine.model import Action, AnchorKind, ApplyOn, JobConfig, Status, Step, StepType
from syncengine.state import EngineState

log = logging.getLogger(__name__)

#: Objects exported per state commit.
EXPORT_BATCH = 250
#: Users per page of an initial import by assignment (as many as a delta page).
IMPORT_PAGE = 999


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
        #: the target attributes a source-side change rewrites (every mapping but the create-only ones)
        self._target_select = ",".join(
            sorted(
                {"id"}
                | {e.target for e in self.compiled.attributes if e.mapping.apply is not ApplyOn.CREATE_ONLY}
            )
        )
        #: target id → the target user's current values, read for the users of the page being planned
        self._target_now: dict[str, dict[str, Any]] = {}
        self._matcher = TargetMatcher(job, target)
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
            self._assigned = self._assignments()
            self._begin_plan(report)
            deferred: list[Planned] = []
            delta_link = ""
            for page, link in self._pages(report):
                delta_link = link
                self._target_now = self._read_targets(page)
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

    def _select(self) -> list[str]:
        """The source attributes a job imports."""
        select = set(mapping.source_attributes(self.job.mappings, filter_groups=self.job.scope.filter_groups))
        select.add("assignedLicenses")
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            select.add("netId")  # service-internal: the real v1.0 Graph has no netId
        else:
            select.discard("netId")
        return sorted(select)

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
            user = self.source.get(f"/users/{source_id}", {"$select": ",".join(self._select())})
        except NotFoundError:
            user = {"id": source_id, "@removed": {"reason": "deleted"}}
        self._assigned = self._assignments()
        self._begin_plan(report)
        self._target_now = self._read_targets([user])
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

    def _pages(self, report: CycleReport) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """Source users changed since the watermark (all of them on an initial cycle), page by page,
        then the users whose assignment changed, escrows and held deletes; with the round's delta link."""
        select = ",".join(self._select())
        pages = None
        if self.state.watermark:
            pages = self.source.delta_pages(self.state.watermark, page_size=999)
            try:
                first = next(pages)
            except GraphApiError as exc:
                if exc.status in (400, 410) and exc.code in ("syncStateNotFound", "resyncRequired"):
                    log.info("watermark no longer valid (%s): full import", exc.code)
                    report.kind = "initial"
                    self._matcher.prepare(initial=True)
                    pages = None
                else:
                    raise
            else:
                pages = itertools.chain([first], pages)
        if pages is None:
            if self._imports_by_assignment():
                pages = self._assigned_pages(select)
            else:
                pages = self.source.delta_pages("/users/delta", {"$select": select}, page_size=999)
        seen: set[str] = set()
        link = ""
        for entries, link in pages:
            latest = {e["id"]: e for e in entries}
            seen.update(latest)
            report.imported += len(latest)
            yield list(latest.values()), link
        previous = set(self.state.get_json("assigned") or [])
        extra = (previous ^ self._assigned) if report.kind == "incremental" else set()
        extra |= {sid for sid, *_ in self.state.escrows()}
        extra |= {sid for sid, *_ in self.state.staged()}  # held deletes wait for a release
        more = []
        for sid in sorted(extra - seen):
            try:
                more.append(self.source.get(f"/users/{sid}", {"$select": select}))
            except NotFoundError:
                more.append({"id": sid, "@removed": {"reason": "deleted"}})
        if more:
            report.imported += len(more)
            yield more, link

    def _imports_by_assignment(self) -> bool:
        """Scope "assigned users and groups": an initial cycle reads the assigned users, not the tenant."""
        return not self.job.scope.sync_all and bool(self.job.service_principal_id)

    def _assigned_pages(self, select: str) -> Iterator[tuple[list[dict[str, Any]], str]]:
        """The initial import of an assignment-scoped job: the assigned users and assigned groups'
        members (already read by ``_assignments``), plus users still linked from before, by id in
        ``$batch`` reads; the watermark is a delta link taken first (``$deltatoken=latest``), so a change
        made while the users are read comes again in the next cycle, never lost.
        """
        first = self.source.get("/users/delta", {"$select": select, "$deltatoken": "latest"})
        link = first.get("@odata.deltaLink", "")
        if not link:
            raise GraphApiError(
                200, "InvalidDeltaResponse", "A $deltatoken=latest answer carried no deltaLink."
            )
        ids = sorted(self._assigned | set(self.state.shadow_ids("linked")))
        for start in range(0, len(ids), IMPORT_PAGE):
            chunk = ids[start : start + IMPORT_PAGE]
            found = _get_users(self.source, chunk, select)
            yield [found.get(sid) or {"id": sid, "@removed": {"reason": "deleted"}} for sid in chunk], link

    def _read_targets(self, users: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """The current target values of the linked users among ``users`` ($batch reads, mapped attributes).

        The service compares the source with the target as it is now, not with what it last exported:
        a target admin's edit lasts only until the next source-side change to that user.
        """
        ids = []
        for u in users:
            if "@removed" in u:
                continue
            shadow = self.state.shadow(u["id"])
            if shadow is not None and shadow.phase == "linked" and shadow.target_id:
                ids.append(shadow.target_id)
        if not ids:
            return {}
        return _get_users(self.target, ids, self._target_select)

    def _assignments(self) -> set[str]:
        if self.job.scope.sync_all or not self.job.service_principal_id:
            return set()
        a = scope.load_assignments(self.source, self.job.service_principal_id)
        members = scope.group_members(self.source, a.group_ids)
        return set(scope.assigned_user_ids(a, members))

    def _begin_plan(self, report: CycleReport) -> None:
        self._requirement = licences.requirement_for(self.job)
        self._catalogue = licences.LicenceCatalogue.from_subscribed_skus(self.source.get("/subscribedSkus"))
        self._enforce = self.job.safety.licence_policy.value == "enforce"
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


def _get_users(client: GraphClient, ids: list[str], select: str) -> dict[str, dict[str, Any]]:
    """``GET /users/{id}?$select=…`` for every id, in ``$batch`` requests of 20; an id Graph does not
    know is left out. Items still throttled or unavailable after the batch's own retries are read one by
    one (each honours its Retry-After); any other error raises ``GraphApiError``."""
    calls = [GraphCall("GET", f"/users/{uid}", {"$select": select}) for uid in ids]
    found: dict[str, dict[str, Any]] = {}
    again: list[str] = []
    for uid, r in zip(ids, client.batch(calls), strict=True):
        if r.status == 200 and isinstance(r.body, dict):
            found[uid] = r.body
        elif r.status == 404:
            continue
        elif r.status in RETRYABLE or r.status == 599:
            again.append(uid)
        else:
            err = r.body.get("error", {}) if isinstance(r.body, dict) else {}
            raise GraphApiError(
                r.status, err.get("code", "UnknownError"), err.get("message", f"GET /users/{uid} failed")
            )
    for uid in again:  # the batch already waited out the Retry-After of the items it gave up on
        try:
            found[uid] = client.get(f"/users/{uid}", {"$select": select})
        except NotFoundError:
            continue
    return found


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
