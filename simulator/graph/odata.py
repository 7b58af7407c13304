"""OData query options of a Graph collection request, parsed and checked once, HTTP-agnostic.

``parse_query`` turns the decoded query string and headers into a Query (raising GraphError for
every client mistake, with Graph's codes); routers then use ``Query.filter.matches``,
``Query.search.matches``, ``sort_objects`` and ``apply_select`` on plain Graph-shaped dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from simulator.graph.odata_filter import Filter, compile_filter
from simulator.graph.odata_resources import (
    APPLICATION_SPEC,
    DIRECTORY_OBJECT_SPEC,
    GENERIC_SPEC,
    GROUP_SPEC,
    SERVICE_PRINCIPAL_SPEC,
    SERVICE_USER_SPEC,
    USER_SPEC,
    user_spec_for,
)
from simulator.graph.odata_search import Search, parse_search
from simulator.graph.odata_specs import ADVANCED_QUERY_HINT, PropertyFilter, ResourceSpec
from simulator.wire.errors import bad_request, not_implemented, unsupported_query
from simulator.wire.message import Headers

__all__ = [
    "APPLICATION_SPEC",
    "DEFAULT_ALLOW",
    "DIRECTORY_OBJECT_SPEC",
    "GENERIC_SPEC",
    "GROUP_SPEC",
    "SERVICE_PRINCIPAL_SPEC",
    "SERVICE_USER_SPEC",
    "USER_SPEC",
    "user_spec_for",
    "Filter",
    "PropertyFilter",
    "Query",
    "ResourceSpec",
    "Search",
    "apply_select",
    "parse_query",
    "projector",
    "sort_key",
    "sort_objects",
]

#: The options a plain directory collection (``GET /users``) accepts.
DEFAULT_ALLOW = frozenset(
    {"$select", "$filter", "$orderby", "$top", "$count", "$search", "$skiptoken", "$expand"}
)

#: System query options OData defines; a ``$``-name outside this set is refused as unknown.
_SYSTEM_OPTIONS = frozenset(
    {
        "select",
        "filter",
        "orderby",
        "top",
        "skip",
        "count",
        "search",
        "skiptoken",
        "deltatoken",
        "expand",
        "format",
        "apply",
        "compute",
        "index",
        "levels",
        "schemaversion",
        "id",
    }
)
#: Options Graph v1.0 also takes without the ``$`` (``?top=5``); other plain parameters are ignored.
_NO_DOLLAR = frozenset(
    {"select", "filter", "orderby", "top", "skip", "count", "search", "skiptoken", "deltatoken", "expand"}
)

SEARCH_NEEDS_HEADER = (
    "Request with $search query parameter only works through MSGraph with a special request header: "
    "'ConsistencyLevel: eventual'"
)


@dataclass(frozen=True)
class Query:
    """The query options of one collection request, validated against a ResourceSpec."""

    select: tuple[str, ...] | None = None
    filter: Filter | None = None
    #: (property, descending) pairs, canonical property names.
    orderby: tuple[tuple[str, bool], ...] = ()
    top: int | None = None
    #: ``@odata.count`` is due: ``$count=true`` and ``ConsistencyLevel: eventual`` (Graph ignores it otherwise).
    count: bool = False
    search: Search | None = None
    #: ``ConsistencyLevel: eventual`` was sent.
    advanced: bool = False
    skiptoken: str | None = None
    deltatoken: str | None = None
    expand: tuple[str, ...] = ()
    #: ``$count=true`` was sent, with or without the header.
    count_requested: bool = False

    @property
    def advanced_query(self) -> bool:
        """The header plus ``$count=true`` or ``$search``: what unlocks ``ne``, ``not``, ``endsWith``, ..."""
        return self.advanced and (self.count_requested or self.search is not None)


def _options(query: Mapping[str, str], allow: frozenset[str]) -> dict[str, str]:
    """System options by bare lower-case name; refuses unknown and disallowed ``$``-options."""
    allowed = {a.lower().lstrip("$") for a in allow}
    opts: dict[str, str] = {}
    for raw, value in query.items():
        low = raw.lower()
        if low.startswith("$"):
            name = low[1:]
            if name not in _SYSTEM_OPTIONS:
                raise bad_request(f"The query parameter '{raw}' is not supported.")
        elif low in _NO_DOLLAR:
            name = low
        else:
            continue
        if name in opts:
            raise bad_request(
                f"Query option '{name}' was specified more than once, but it must be specified at most once."
            )
        if name not in allowed:
            raise bad_request(f"'${name}' is not supported by the service.")
        opts[name] = value
    return opts


def _split_top_level(text: str) -> list[str]:
    """``text`` split on commas outside parentheses (``$expand=members($select=id),owners``)."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(text):
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "," and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return parts


def _items(text: str) -> list[str]:
    """The comma-separated items of ``$select`` / ``$orderby`` / ``$expand``; an empty item is a syntax error."""
    items, start = [], 0
    for part in _split_top_level(text):
        item = part.strip()
        if not item:
            comma = text.find(",", start)
            raise bad_request(
                f"Syntax error: character ',' is not valid at position {comma if comma >= 0 else start - 1} in '{text}'."
            )
        items.append(item)
        start += len(part) + 1
    return items


def _parse_top(value: str, spec: ResourceSpec) -> int:
    v = value.strip()
    if not (v.isascii() and v.isdigit() and len(v) < 10) or not 1 <= int(v) <= spec.max_top:
        raise bad_request(
            f"Invalid page size specified: '{value}'. Must be between 1 and {spec.max_top} inclusive."
        )
    return int(v)


def _parse_count(value: str) -> bool:
    v = value.strip().lower()
    if v not in ("true", "false"):
        raise bad_request(f"'{value}' is not a valid count option.")
    return v == "true"


def _parse_select(value: str, spec: ResourceSpec) -> tuple[str, ...]:
    out: list[str] = []
    for item in _items(value):
        if item == "*":
            name = "*"
        else:
            name = spec.canonical(item)
            if name is None:
                raise spec.unknown_property(item)
            if name in spec.outside_directory:
                raise not_implemented()
        if name not in out:
            out.append(name)
    return tuple(out)


def _parse_orderby(
    value: str, spec: ResourceSpec, *, filtered: bool, advanced_query: bool
) -> tuple[tuple[str, bool], ...]:
    out: list[tuple[str, bool]] = []
    for item in _items(value):
        words = item.split()
        if len(words) > 2 or (len(words) == 2 and words[1].lower() not in ("asc", "desc")):
            raise bad_request(
                f"Syntax error at position {value.find(item) + len(words[0]) + 1} in '{value}'."
            )
        name = spec.canonical(words[0])
        if name is None:
            raise spec.unknown_property(words[0])
        if not spec.permissive:
            if name in spec.orderable_advanced and not advanced_query:
                raise unsupported_query(
                    f"Sorting not supported for current query. Sorting by '{name}' needs an advanced query. "
                    + ADVANCED_QUERY_HINT
                )
            if name not in spec.orderable and name not in spec.orderable_advanced:
                raise unsupported_query(
                    f"Sorting not supported for current query. Property '{name}' of resource '{spec.name}' "
                    "cannot be used in $orderby."
                )
        out.append((name, len(words) == 2 and words[1].lower() == "desc"))
    if filtered and not advanced_query and not spec.permissive and not spec.orderby_with_filter:
        raise unsupported_query(
            "Sorting not supported for current query. $orderby together with $filter needs an advanced query. "
            + ADVANCED_QUERY_HINT
        )
    return tuple(out)


def parse_query(
    query: Mapping[str, str],
    headers: Headers | Mapping[str, str],
    spec: ResourceSpec,
    *,
    allow: frozenset[str] = DEFAULT_ALLOW,
) -> Query:
    """The validated query options of a request on ``spec``'s collection.

    ``query`` holds decoded values; ``allow`` lists the options this endpoint takes (``$``-spelled).
    Raises GraphError 400 (``Request_BadRequest`` / ``Request_UnsupportedQuery``) like Graph, and
    501 when ``$select`` names a property Graph keeps outside the directory (``skills``).
    """
    if not isinstance(headers, Headers):
        headers = Headers(headers)
    opts = _options(query, allow)
    eventual = str(headers.get("ConsistencyLevel") or "").strip().lower() == "eventual"

    top = _parse_top(opts["top"], spec) if "top" in opts else None
    count_requested = _parse_count(opts["count"]) if "count" in opts else False
    select = _parse_select(opts["select"], spec) if opts.get("select", "").strip() else None

    search_text = opts.get("search", "").strip()
    if "search" in opts and not eventual:
        raise unsupported_query(SEARCH_NEEDS_HEADER)
    advanced_query = eventual and (count_requested or bool(search_text))

    filter_text = opts.get("filter", "")
    flt = compile_filter(filter_text, spec, advanced_query=advanced_query) if filter_text.strip() else None
    search = parse_search(search_text, spec) if search_text else None
    orderby_text = opts.get("orderby", "")
    orderby = (
        _parse_orderby(orderby_text, spec, filtered=flt is not None, advanced_query=advanced_query)
        if orderby_text.strip()
        else ()
    )
    expand = tuple(_items(opts["expand"])) if opts.get("expand", "").strip() else ()

    return Query(
        select=select,
        filter=flt,
        orderby=orderby,
        top=top,
        count=count_requested and eventual,
        search=search,
        advanced=eventual,
        skiptoken=opts.get("skiptoken"),
        deltatoken=opts.get("deltatoken"),
        expand=expand,
        count_requested=count_requested,
    )


# -- projection -------------------------------------------------------------------------------------


def projector(query: Query, spec: ResourceSpec) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function shaping stored objects for the response: ``$select`` or the default properties.

    ``id`` is always present; a selected property the object lacks renders as ``null`` (``[]`` for
    collections, as Graph does). Values are shared with the stored object, not copied.
    """
    names = query.select if query.select is not None else spec.default_select
    if names is None or "*" in names:
        return dict
    if "id" not in names:
        names = (*names, "id")
    collections = spec.collection_properties
    fields = tuple((n, n in collections) for n in names)

    def project(obj: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if "@odata.type" in obj:
            out["@odata.type"] = obj["@odata.type"]
        get = obj.get
        for name, is_list in fields:
            v = get(name)
            out[name] = ([] if is_list else None) if v is None else v
        return out

    return project


def apply_select(obj: dict[str, Any], query: Query, spec: ResourceSpec) -> dict[str, Any]:
    """``obj`` as the response shows it (see ``projector``; prefer that one for a whole page)."""
    return projector(query, spec)(obj)


# -- ordering -------------------------------------------------------------------------------------


def _rank(v: Any) -> tuple[int, Any]:
    """Sort rank of a value: nulls first, then booleans/numbers, then strings case-insensitively."""
    if v is None:
        return (0, 0)
    cls = v.__class__
    if cls is str:
        return (2, v.lower())
    if cls is bool or cls is int or cls is float:
        return (1, v)
    return (3, str(v))


class _Descending:
    """Inverts the order of a rank inside a composite key."""

    __slots__ = ("rank",)

    def __init__(self, rank: tuple[int, Any]) -> None:
        self.rank = rank

    def __lt__(self, other: _Descending) -> bool:
        return other.rank < self.rank

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and other.rank == self.rank

    __hash__ = None  # type: ignore[assignment]


def rank_to_json(part: Any) -> list[Any]:
    """One element of a ``sort_key`` key as JSON (for skip tokens that resume after a sort key)."""
    rank = part.rank if isinstance(part, _Descending) else part
    return [rank[0], rank[1]]


def rank_from_json(doc: Any, descending: bool) -> Any:
    """The inverse of ``rank_to_json`` for an ``$orderby`` part sorted ``descending`` or not."""
    if not isinstance(doc, list) or len(doc) != 2 or not isinstance(doc[0], int):
        raise ValueError("sort key")
    rank = (doc[0], doc[1])
    return _Descending(rank) if descending else rank


def _value_getter(prop: str) -> Callable[[dict[str, Any]], Any]:
    if "/" not in prop:
        return lambda o: o.get(prop)
    segments = prop.split("/")

    def get(o: Any) -> Any:
        for s in segments:
            o = o.get(s) if isinstance(o, Mapping) else None
        return o

    return get


def sort_key(orderby: Iterable[tuple[str, bool]]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """A ``key=`` for ``sorted`` implementing Graph's $orderby (nulls first ascending, strings case-insensitive)."""
    parts = [(_value_getter(p), desc) for p, desc in orderby]

    def key(obj: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(_Descending(_rank(g(obj))) if desc else _rank(g(obj)) for g, desc in parts)

    return key


def sort_objects(objs: Iterable[dict[str, Any]], orderby: Iterable[tuple[str, bool]]) -> list[dict[str, Any]]:
    """``objs`` ordered by ``orderby``; stable, and faster than ``sort_key`` (one C-level sort per key)."""
    out = list(objs)
    for prop, desc in reversed(tuple(orderby)):
        get = _value_getter(prop)
        out.sort(key=lambda o, g=get: _rank(g(o)), reverse=desc)
    return out
