"""Delta queries for users and groups: paged rounds, delta links, removals, ``members@delta``.

A round reads the tenant's change log between two versions, so an incremental round costs
O(changes), not O(tenant). Tokens are signed, carry the round's query, and expire after 7 days.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from simulator.directory.collection import Collection, Obj
from simulator.directory.tenant import Tenant
from simulator.directory.users import derived
from simulator.graph import odata
from simulator.graph.listing import decode_token, encode_token
from simulator.graph.router import Context
from simulator.wire.errors import GraphError, bad_request, unsupported_query
from simulator.wire.message import GraphResponse

#: Directory delta tokens live 7 days (reduced from 30 in 2020).
TOKEN_LIFETIME_S = 7 * 86400
DEFAULT_PAGE = 100
MAX_PAGE = 999
#: ``members@delta`` entries per page; a larger group is split across pages with the group repeated.
MEMBERS_PER_PAGE = 500
MAX_FILTER_IDS = 50
_ALLOW = frozenset({"$select", "$filter", "$skiptoken", "$expand"})
_NO_BIND: dict[str, str] = {}
SYNC_STATE_NOT_FOUND = (
    "The sync state generation is not found. The delta token is expired and data must be synchronized again."
)


@dataclass(frozen=True)
class _Kind:
    name: str  # user | group
    entity_set: str
    spec: odata.ResourceSpec
    odata_type: str

    def live(self, tenant: Tenant) -> Collection:
        return tenant.users if self.name == "user" else tenant.groups


USERS = _Kind("user", "users", odata.USER_SPEC, "#microsoft.graph.user")
GROUPS = _Kind("group", "groups", odata.GROUP_SPEC, "#microsoft.graph.group")


@dataclass
class _Round:
    """The query of a round, as carried inside its tokens."""

    select: list[str] | None
    ids: list[str] | None
    members: bool
    minimal: bool = False

    def to_token(self) -> dict[str, Any]:
        return {"s": self.select, "i": self.ids, "m": self.members}

    @classmethod
    def from_token(cls, p: dict[str, Any]) -> _Round:
        return cls(p.get("s"), p.get("i"), bool(p.get("m")))


def users_delta(ctx: Context) -> GraphResponse:
    return _delta(ctx, USERS)


def groups_delta(ctx: Context) -> GraphResponse:
    return _delta(ctx, GROUPS)


def _page_size(ctx: Context) -> int:
    prefer = (ctx.request.headers.get("prefer") or "").lower()
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.strip() == "odata.maxpagesize" and value.strip().isdigit():
            return max(1, min(MAX_PAGE, int(value)))
    return DEFAULT_PAGE


def _wants_minimal(ctx: Context) -> bool:
    return "return=minimal" in (ctx.request.headers.get("prefer") or "").lower().replace(" ", "")


def _new_round(ctx: Context, kind: _Kind) -> _Round:
    options = {k: v for k, v in ctx.request.query.items() if k.lower().lstrip("$") != "deltatoken"}
    spec = odata.user_spec_for(ctx.caller.app_id) if kind is USERS else kind.spec
    q = odata.parse_query(options, ctx.request.headers, spec, allow=_ALLOW)
    if "$top" in {k.lower() for k in ctx.request.query}:
        raise bad_request("$top is not supported with delta queries.")
    select = list(q.select) if q.select else None
    members = kind is GROUPS and (select is None or "members" in select or "members" in q.expand)
    if select is not None and "members" in select:
        select.remove("members")
    if q.expand and (kind is USERS or any(e.split("(")[0] != "members" for e in q.expand)):
        raise unsupported_query("$expand is not supported with delta queries (except members on groups).")
    ids = None
    if q.filter is not None:
        found = q.filter.ids()
        if found is None:
            raise unsupported_query("Delta queries only support $filter on id: id eq '...' or id eq '...'.")
        if len(found) > MAX_FILTER_IDS:
            raise unsupported_query(f"A delta $filter can name at most {MAX_FILTER_IDS} ids.")
        ids = sorted(found)
    return _Round(select, ids, members)


def _delta(ctx: Context, kind: _Kind) -> GraphResponse:
    tenant = ctx.tenant
    log = tenant.changes
    now = ctx.now.timestamp()
    raw_query = {k.lower().lstrip("$"): v for k, v in ctx.request.query.items()}
    if "deltatoken" in raw_query and raw_query["deltatoken"].lower() == "latest":
        rnd = _new_round(ctx, kind)
        return _answer(ctx, kind, [], None, _token(ctx, kind, rnd, log.version, log.epoch, now))
    if "skiptoken" in raw_query:
        p = decode_token(raw_query["skiptoken"], _NO_BIND, ctx.store.token_key, "skip token")
        _check_state(ctx, kind, p, now)
        rnd = _Round.from_token(p)
    elif "deltatoken" in raw_query:
        if not raw_query["deltatoken"]:
            p = {"k": kind.name, "ph": "init", "e": log.epoch, "t": now}
            rnd = _new_round(ctx, kind)
        else:
            p = decode_token(raw_query["deltatoken"], _NO_BIND, ctx.store.token_key, "delta token")
            _check_state(ctx, kind, p, now)
            if p["v"] < log.floor:
                raise GraphError(400, "syncStateNotFound", SYNC_STATE_NOT_FOUND)
            rnd = _Round.from_token(p)
            p = {"ph": "chg", "a": p["v"], "u": log.version, "o": 0}
    else:
        rnd = _new_round(ctx, kind)
        p = {"ph": "init"}
    rnd.minimal = _wants_minimal(ctx)
    size = _page_size(ctx)
    if p["ph"] == "init":
        until = p.get("u", log.version)
        entries, cursor = _initial_page(tenant, kind, rnd, p.get("c", 0), p.get("mo", 0), size)
        if cursor is None:
            return _answer(ctx, kind, entries, None, _token(ctx, kind, rnd, until, log.epoch, now))
        nxt = {"ph": "init", "u": until, "c": cursor[0], "mo": cursor[1]}
    else:
        entries_all = _changes(tenant, kind, rnd, p["a"], p["u"])
        off = p.get("o", 0)
        entries = entries_all[off : off + size]
        if off + size >= len(entries_all):
            return _answer(ctx, kind, entries, None, _token(ctx, kind, rnd, p["u"], log.epoch, now))
        nxt = {"ph": "chg", "a": p["a"], "u": p["u"], "o": off + size}
    skip = encode_token(
        {**nxt, **rnd.to_token(), "k": kind.name, "e": log.epoch, "t": p.get("t", now)},
        _NO_BIND,
        ctx.store.token_key,
    )
    return _answer(ctx, kind, entries, skip, None)


def _check_state(ctx: Context, kind: _Kind, p: dict[str, Any], now: float) -> None:
    if p.get("k") != kind.name:
        raise bad_request(f"This token belongs to a delta query on another resource, not {kind.entity_set}.")
    if p.get("e") != ctx.tenant.changes.epoch:
        raise GraphError(
            410,
            "resyncRequired",
            "The delta token is no longer valid; the sync must start over from the Location URL.",
            headers={"Location": f"{ctx.root}/{kind.entity_set}/delta?$deltatoken="},
        )
    if now - float(p.get("t", 0)) > TOKEN_LIFETIME_S:
        raise GraphError(400, "syncStateNotFound", SYNC_STATE_NOT_FOUND)


def _token(ctx: Context, kind: _Kind, rnd: _Round, version: int, epoch: int, now: float) -> str:
    return encode_token(
        {"k": kind.name, "v": version, "e": epoch, "t": now, **rnd.to_token()}, _NO_BIND, ctx.store.token_key
    )


def _answer(
    ctx: Context, kind: _Kind, entries: list[Obj], skip: str | None, delta: str | None
) -> GraphResponse:
    body: dict[str, Any] = {"@odata.context": f"{ctx.root}/$metadata#{kind.entity_set}"}
    if skip is not None:
        body["@odata.nextLink"] = f"{ctx.root}/{kind.entity_set}/delta?$skiptoken={skip}"
    else:
        body["@odata.deltaLink"] = f"{ctx.root}/{kind.entity_set}/delta?$deltatoken={delta}"
    body["value"] = entries
    return GraphResponse(200, body)


def _shape(tenant: Tenant, kind: _Kind, rnd: _Round, obj: Obj) -> Obj:
    q = odata.Query(select=tuple(rnd.select) if rnd.select else None)
    # the round's $select was checked against the caller's spec; the service's is a superset
    out = odata.apply_select(obj, q, odata.SERVICE_USER_SPEC if kind is USERS else kind.spec)
    if kind is USERS:
        derived(tenant)(out, obj)
    out.pop("@odata.type", None)
    return out


def _initial_page(
    tenant: Tenant, kind: _Kind, rnd: _Round, cursor: int, member_offset: int, size: int
) -> tuple[list[Obj], tuple[int, int] | None]:
    """One page of the initial round: every live object (or the filtered ids), large groups split.

    The cursor is ``(seq, 0)``: resume after object ``seq``; or ``(seq, n)``: resume inside the
    member list of object ``seq`` at member ``n``.
    """
    coll = kind.live(tenant)
    wanted = set(rnd.ids) if rnd.ids is not None else None
    out: list[Obj] = []
    budget = MEMBERS_PER_PAGE
    last = cursor
    for seq, obj in coll.iter_after(cursor - 1 if member_offset else cursor):
        if wanted is not None and obj["id"] not in wanted:
            last = seq
            continue
        if len(out) >= size or (rnd.members and budget <= 0):
            return out, (last, 0)
        entry = _shape(tenant, kind, rnd, obj)
        if rnd.members:
            members = list(tenant.members.get(obj["id"], {}).items())
            start = member_offset if seq == cursor else 0
            take = members[start : start + budget]
            entry["members@delta"] = [{"@odata.type": t, "id": mid} for mid, t in take]
            budget -= len(take)
            out.append(entry)
            if start + len(take) < len(members):
                return out, (seq, start + len(take))
        else:
            out.append(entry)
        last = seq
    return out, None


def _changes(tenant: Tenant, kind: _Kind, rnd: _Round, after: int, until: int) -> list[Obj]:
    """Every entry of an incremental round, net of repeated changes, in order of last change."""
    tracked = set(rnd.select) if rnd.select else set(kind.spec.default_select or ()) or None
    wanted = set(rnd.ids) if rnd.ids is not None else None
    last: dict[str, int] = {}
    whole: set[str] = set()
    changed_props: dict[str, set[str]] = {}
    member_ops: dict[str, dict[str, tuple[str, str | None]]] = {}
    for c in tenant.changes.since(after, until, kind.name):
        if wanted is not None and c.obj_id not in wanted:
            continue
        if c.op in ("member_add", "member_remove"):
            if not rnd.members:
                continue
            member_ops.setdefault(c.obj_id, {})[c.member_id or ""] = (c.op, c.member_type)
        elif c.op == "update" and c.props is not None:
            relevant = c.props if tracked is None else c.props & tracked
            if not relevant:
                continue
            changed_props.setdefault(c.obj_id, set()).update(relevant)
        else:
            whole.add(c.obj_id)
        last[c.obj_id] = c.version
    live = kind.live(tenant)
    out: list[Obj] = []
    for obj_id in sorted(last, key=last.__getitem__):
        obj = live.get(obj_id)
        if obj is None:
            gone = tenant.deleted.get(obj_id)
            out.append({"id": obj_id, "@removed": {"reason": "changed" if gone is not None else "deleted"}})
            continue
        if rnd.minimal and obj_id not in whole:
            entry = {"id": obj_id, **{p: obj.get(p) for p in sorted(changed_props.get(obj_id, ()))}}
        else:
            entry = _shape(tenant, kind, rnd, obj)
        ops = member_ops.get(obj_id)
        if ops:
            members = []
            for mid, (op, mtype) in ops.items():
                item: dict[str, Any] = {"@odata.type": mtype or "#microsoft.graph.user", "id": mid}
                if op == "member_remove":
                    item["@removed"] = {"reason": "deleted"}
                members.append(item)
            for k in range(0, len(members), MEMBERS_PER_PAGE):
                out.append({**entry, "members@delta": members[k : k + MEMBERS_PER_PAGE]})
        else:
            out.append(entry)
    return out
