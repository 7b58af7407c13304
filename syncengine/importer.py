"""Import: the source users a cycle reads, page by page, and the linked target users as they are now.

An incremental cycle reads what changed since the watermark (Graph delta); an initial one reads every
user, or for "assigned users and groups" the assigned ones by id. Both then add the users whose
assignment changed, the escrowed users and the held deletes. A watermark Graph no longer honours
turns the cycle into an initial one. Deciding and exporting are ``decide``'s and ``export``'s.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterator
from typing import Any

from syncengine import mapping, scope
from syncengine.backend import GraphCall
from syncengine.client import RETRYABLE, GraphClient
from syncengine.errors import GraphApiError, NotFoundError
from syncengine.logs import CycleReport
from syncengine.model import AnchorKind, ApplyOn, JobConfig
from syncengine.state import EngineState

log = logging.getLogger(__name__)

#: Users per page of an initial import by assignment (as many as a delta page).
IMPORT_PAGE = 999

#: One page of source users and the delta link of its round.
Page = tuple[list[dict[str, Any]], str]


class Importer:
    """Reads one job's source users for a cycle, and the current values of their linked target users."""

    def __init__(
        self,
        job: JobConfig,
        source: GraphClient,
        target: GraphClient,
        state: EngineState,
        compiled: mapping.CompiledMappings,
    ) -> None:
        self.job = job
        self.source = source
        self.target = target
        self.state = state
        #: the target attributes a source-side change rewrites (every mapping but the create-only ones)
        self._target_select = ",".join(
            sorted(
                {"id"} | {e.target for e in compiled.attributes if e.mapping.apply is not ApplyOn.CREATE_ONLY}
            )
        )

    def select(self) -> list[str]:
        """The source attributes a job imports."""
        select = set(mapping.source_attributes(self.job.mappings, filter_groups=self.job.scope.filter_groups))
        select.add("assignedLicenses")
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            select.add("netId")  # service-internal: the real v1.0 Graph has no netId
        else:
            select.discard("netId")
        return sorted(select)

    def pages(
        self, report: CycleReport, assigned: set[str], on_full_import: Callable[[], None]
    ) -> Iterator[Page]:
        """Source users changed since the watermark (all of them on an initial cycle), page by page,
        then the users whose assignment changed, escrows and held deletes; with the round's delta link.

        ``assigned`` are the users assigned now (``assignments``); ``on_full_import`` is called when
        Graph no longer honours the watermark and the cycle becomes an initial one.
        """
        select = ",".join(self.select())
        pages = None
        if self.state.watermark:
            pages = self.source.delta_pages(self.state.watermark, page_size=999)
            try:
                first = next(pages)
            except GraphApiError as exc:
                if exc.status in (400, 410) and exc.code in ("syncStateNotFound", "resyncRequired"):
                    log.info("watermark no longer valid (%s): full import", exc.code)
                    report.kind = "initial"
                    on_full_import()
                    pages = None
                else:
                    raise
            else:
                pages = itertools.chain([first], pages)
        if pages is None:
            if self._imports_by_assignment():
                pages = self._assigned_pages(select, assigned)
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
        extra = (previous ^ assigned) if report.kind == "incremental" else set()
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

    def _assigned_pages(self, select: str, assigned: set[str]) -> Iterator[Page]:
        """The initial import of an assignment-scoped job: the assigned users and assigned groups'
        members (already read by ``assignments``), plus users still linked from before, by id in
        ``$batch`` reads; the watermark is a delta link taken first (``$deltatoken=latest``), so a change
        made while the users are read comes again in the next cycle, never lost.
        """
        first = self.source.get("/users/delta", {"$select": select, "$deltatoken": "latest"})
        link = first.get("@odata.deltaLink", "")
        if not link:
            raise GraphApiError(
                200, "InvalidDeltaResponse", "A $deltatoken=latest answer carried no deltaLink."
            )
        ids = sorted(assigned | set(self.state.shadow_ids("linked")))
        for start in range(0, len(ids), IMPORT_PAGE):
            chunk = ids[start : start + IMPORT_PAGE]
            found = get_users(self.source, chunk, select)
            yield [found.get(sid) or {"id": sid, "@removed": {"reason": "deleted"}} for sid in chunk], link

    def read_targets(self, users: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
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
        return get_users(self.target, ids, self._target_select)

    def assignments(self) -> set[str]:
        """The users assigned to the configuration, directly or through groups (none for sync-all)."""
        if self.job.scope.sync_all or not self.job.service_principal_id:
            return set()
        return set(scope.load_assigned_users(self.source, self.job.service_principal_id))


def get_users(client: GraphClient, ids: list[str], select: str) -> dict[str, dict[str, Any]]:
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
