"""Collection responses: query evaluation, ordering, exact paging with opaque skip tokens, counts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from bisect import bisect_right
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import quote

from simulator.directory.collection import Collection, Obj
from simulator.graph import odata
from simulator.graph.router import Context
from simulator.wire.errors import GraphError, bad_request
from simulator.wire.message import GraphResponse

DEFAULT_PAGE = 100
_TOKEN_OPTIONS = ("skiptoken", "deltatoken")


def _query_fingerprint(query: dict[str, str]) -> str:
    items = sorted(
        (k.lower().lstrip("$"), v) for k, v in query.items() if k.lower().lstrip("$") not in _TOKEN_OPTIONS
    )
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()[:16]


def encode_token(payload: dict[str, Any], query: dict[str, str], key: bytes) -> str:
    """An opaque, signed token carrying ``payload``, bound to the query options it pages."""
    body = dict(payload, q=_query_fingerprint(query))
    raw = json.dumps(body, separators=(",", ":")).encode()
    sig = hmac.new(key, raw, hashlib.sha256).digest()[:12]
    return base64.urlsafe_b64encode(sig + raw).decode().rstrip("=")


def decode_token(token: str, query: dict[str, str], key: bytes, what: str = "skip token") -> dict[str, Any]:
    """The payload of an ``encode_token`` token; Graph's 400 if forged, damaged or used with other options."""
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        sig, raw = blob[:12], blob[12:]
        if not hmac.compare_digest(sig, hmac.new(key, raw, hashlib.sha256).digest()[:12]):
            raise ValueError("signature")
        payload = json.loads(raw)
        if not isinstance(payload, dict):
            raise ValueError("shape")
    except (ValueError, TypeError):
        raise bad_request(
            f"Invalid or malformed {what}. Follow the link Graph returned, unchanged."
        ) from None
    if payload.get("q") != _query_fingerprint(query):
        raise bad_request(
            f"The {what} does not belong to this query: keep every query option of the link unchanged."
        )
    return payload


def next_link(ctx: Context, path: str, token: str) -> str:
    safe = "$,()':/@="
    parts = [
        f"{k}={quote(v, safe=safe)}"
        for k, v in ctx.request.query.items()
        if k.lower().lstrip("$") != "skiptoken"
    ]
    parts.append(f"$skiptoken={token}")
    return f"{ctx.root}{path}?{'&'.join(parts)}"


def context_url(ctx: Context, entity_set: str, query: odata.Query | None) -> str:
    sel = f"({','.join(query.select)})" if query is not None and query.select else ""
    return f"{ctx.root}/$metadata#{entity_set}{sel}"


def list_collection(
    ctx: Context,
    source: Collection | Callable[[], Iterable[Obj]],
    spec: odata.ResourceSpec,
    *,
    path: str,
    entity_set: str | None = None,
    derive: Callable[[Obj, Obj], None] | None = None,
    allow: frozenset[str] | None = None,
) -> GraphResponse:
    """Answer a GET on a collection: filter, search, order, page, count, select.

    ``derive(out, stored)`` fills selected properties that the stored object derives or omits.
    """
    kwargs = {"allow": allow} if allow is not None else {}
    q = odata.parse_query(ctx.request.query, ctx.request.headers, spec, **kwargs)
    top = q.top or DEFAULT_PAGE
    keep = _predicate(q)
    cursor_state = decode_token(q.skiptoken, ctx.request.query, ctx.store.token_key) if q.skiptoken else None
    if q.orderby:
        items = [
            o
            for o in (source.values() if isinstance(source, Collection) else source())
            if keep is None or keep(o)
        ]
        page, token = _ordered_page(ctx, items, q.orderby, top, cursor_state)
        total = len(items) if q.count else None
    elif isinstance(source, Collection):
        cursor = cursor_state["c"] if cursor_state else 0
        page, nxt = source.page(cursor, top, keep)
        token = encode_token({"c": nxt}, ctx.request.query, ctx.store.token_key) if nxt is not None else None
        total = sum(1 for o in source.values() if keep is None or keep(o)) if q.count else None
    else:
        items = [o for o in source() if keep is None or keep(o)]
        offset = cursor_state["o"] if cursor_state else 0
        page = items[offset : offset + top]
        token = (
            encode_token({"o": offset + top}, ctx.request.query, ctx.store.token_key)
            if offset + top < len(items)
            else None
        )
        total = len(items) if q.count else None
    body: dict[str, Any] = {"@odata.context": context_url(ctx, entity_set or path.strip("/"), q)}
    if total is not None:
        body["@odata.count"] = total
    if token is not None:
        body["@odata.nextLink"] = next_link(ctx, path, token)
    body["value"] = render(page, q, spec, derive)
    return GraphResponse(200, body)


def _ordered_page(
    ctx: Context,
    items: list[Obj],
    orderby: list[tuple[str, bool]],
    top: int,
    cursor_state: dict[str, Any] | None,
) -> tuple[list[Obj], str | None]:
    """One page of ``items`` in ``$orderby`` order (ties by id), resuming after the token's sort key.

    The token carries the last item's sort key and id, not an offset: objects created or deleted
    between pages shift no unchanged object into a repeat or out of the enumeration.
    """
    sort_key = odata.sort_key(orderby)
    descending = [desc for _, desc in orderby]

    def full_key(o: Obj) -> tuple[Any, ...]:
        return (*sort_key(o), o["id"])

    keyed = sorted(((full_key(o), o) for o in items), key=lambda pair: pair[0])
    start = 0
    if cursor_state is not None:
        try:
            ranks, last_id = cursor_state["k"], cursor_state["i"]
            last = (*(odata.rank_from_json(r, d) for r, d in zip(ranks, descending, strict=True)), last_id)
        except (KeyError, TypeError, ValueError):
            raise bad_request(
                "Invalid or malformed skip token. Follow the link Graph returned, unchanged."
            ) from None
        start = bisect_right(keyed, last, key=lambda pair: pair[0])
    page = [o for _, o in keyed[start : start + top]]
    if start + top >= len(keyed) or not page:
        return page, None
    last_key = keyed[start + top - 1][0]
    payload = {"k": [odata.rank_to_json(part) for part in last_key[:-1]], "i": last_key[-1]}
    return page, encode_token(payload, ctx.request.query, ctx.store.token_key)


def render(
    objs: Iterable[Obj], q: odata.Query, spec: odata.ResourceSpec, derive: Callable[[Obj, Obj], None] | None
) -> list[Obj]:
    """Stored objects as a response shows them: projected by ``$select``, derived values filled in."""
    project = odata.projector(q, spec)
    if derive is None:
        return [project(o) for o in objs]
    out = []
    for o in objs:
        p = project(o)
        derive(p, o)
        out.append(p)
    return out


def count_collection(
    ctx: Context, source: Collection | Callable[[], Iterable[Obj]], spec: odata.ResourceSpec
) -> GraphResponse:
    """``GET …/$count``: text/plain integer, only with ``ConsistencyLevel: eventual``."""
    if (ctx.request.headers.get("consistencylevel") or "").lower() != "eventual":
        raise bad_request("$count is not currently supported.")
    q = odata.parse_query(
        ctx.request.query, ctx.request.headers, spec, allow=frozenset({"$filter", "$search"})
    )
    keep = _predicate(q)
    objs = source.values() if isinstance(source, Collection) else source()
    n = sum(1 for o in objs if keep is None or keep(o))
    return GraphResponse(200, text=str(n), headers={"Content-Type": "text/plain"})


def _predicate(q: odata.Query) -> Callable[[Obj], bool] | None:
    f, s = q.filter, q.search
    if f is None and s is None:
        return None
    if s is None:
        return f.matches  # type: ignore[union-attr]
    if f is None:
        return s.matches
    return lambda o: f.matches(o) and s.matches(o)


def single(
    ctx: Context,
    obj: Obj,
    spec: odata.ResourceSpec,
    entity_set: str,
    derive: Callable[[Obj, Obj], None] | None = None,
) -> GraphResponse:
    """Answer a GET on one entity with ``$select`` applied."""
    q = odata.parse_query(
        ctx.request.query, ctx.request.headers, spec, allow=frozenset({"$select", "$expand"})
    )
    body = render([obj], q, spec, derive)[0]
    sel = f"({','.join(q.select)})" if q.select else ""
    return GraphResponse(200, {"@odata.context": f"{ctx.root}/$metadata#{entity_set}{sel}/$entity", **body})


__all__ = ["GraphError", "count_collection", "list_collection", "single"]
