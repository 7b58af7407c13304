"""``/auditLogs``: the directory audits and provisioning logs of the caller's tenant (read-only).

Both are lists of immutable entries that grow at the newest end while a client pages through
them, so pages are cut by position in the log (time, then arrival) rather than by offset: a
``$skiptoken`` names the last entry handed out, and entries added meanwhile never shift a page.
"""

from __future__ import annotations

from simulator.directory.audit import LogEntry, LogKind, parse_time
from simulator.graph import odata
from simulator.graph.listing import context_url, decode_token, encode_token, next_link, render, single
from simulator.graph.odata_audit import AUDIT_MAX_TOP, DIRECTORY_AUDIT_SPEC, PROVISIONING_SPEC
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import not_found
from simulator.wire.message import GraphResponse

#: Page size without ``$top`` (assumed equal to the maximum, as the sign-in list documents).
PAGE_SIZE = AUDIT_MAX_TOP
_ALLOW = frozenset({"$filter", "$orderby", "$top", "$skiptoken", "$select"})
_LOGS = {
    LogKind.DIRECTORY_AUDITS: ("/auditLogs/directoryAudits", DIRECTORY_AUDIT_SPEC),
    LogKind.PROVISIONING: ("/auditLogs/provisioning", PROVISIONING_SPEC),
}


def _list(ctx: Context, kind: LogKind) -> GraphResponse:
    path, spec = _LOGS[kind]
    q = odata.parse_query(ctx.request.query, ctx.request.headers, spec, allow=_ALLOW)
    oldest_first = bool(q.orderby) and not q.orderby[0][1]
    entries = ctx.store.audit.entries(ctx.tenant.id, kind)  # newest first
    if oldest_first:
        entries.reverse()
    after = None
    if q.skiptoken:
        state = decode_token(q.skiptoken, ctx.request.query, ctx.store.token_key)
        at = parse_time(state.get("a"))
        if at is not None and isinstance(state.get("s"), int):
            after = (at, state["s"])
    keep = q.filter.matches if q.filter is not None else None
    top = q.top or PAGE_SIZE
    page: list[LogEntry] = []
    more = False
    for e in entries:
        if after is not None and ((e.at, e.seq) <= after if oldest_first else (e.at, e.seq) >= after):
            continue
        if keep is not None and not keep(e.record):
            continue
        if len(page) == top:
            more = True
            break
        page.append(e)
    body: dict = {"@odata.context": context_url(ctx, spec.entity_set, q)}
    if more:
        last = page[-1]
        token = encode_token(
            {"a": last.at.isoformat(), "s": last.seq}, ctx.request.query, ctx.store.token_key
        )
        body["@odata.nextLink"] = next_link(ctx, path, token)
    body["value"] = render([e.record for e in page], q, spec, None)
    return GraphResponse(200, body)


def _get(ctx: Context, kind: LogKind, entry_id: str) -> GraphResponse:
    _, spec = _LOGS[kind]
    for e in ctx.store.audit.entries(ctx.tenant.id, kind):
        if e.record.get("id") == entry_id:
            return single(ctx, e.record, spec, spec.entity_set)
    raise not_found(entry_id)


def list_directory_audits(ctx: Context) -> GraphResponse:
    return _list(ctx, LogKind.DIRECTORY_AUDITS)


def get_directory_audit(ctx: Context, aid: str) -> GraphResponse:
    return _get(ctx, LogKind.DIRECTORY_AUDITS, aid)


def list_provisioning(ctx: Context) -> GraphResponse:
    return _list(ctx, LogKind.PROVISIONING)


def get_provisioning(ctx: Context, pid: str) -> GraphResponse:
    return _get(ctx, LogKind.PROVISIONING, pid)


def register(router: GraphRouter) -> None:
    # The audit log has its own lock: reading it never waits for directory writes.
    router.add("GET", "/auditLogs/directoryAudits", list_directory_audits, perm.AUDIT_READ, locked=False)
    router.add("GET", "/auditLogs/directoryAudits/{aid}", get_directory_audit, perm.AUDIT_READ, locked=False)
    router.add("GET", "/auditLogs/provisioning", list_provisioning, perm.AUDIT_READ, locked=False)
    router.add("GET", "/auditLogs/provisioning/{pid}", get_provisioning, perm.AUDIT_READ, locked=False)
