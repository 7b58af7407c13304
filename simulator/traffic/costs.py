"""What one Graph request costs: resource units (RU) and whether it counts as a write.

The identity-and-access cost table of Graph's throttling documentation: anything unlisted costs
1 RU (GET: not a write; POST/PATCH/PUT/DELETE: 1 write); ``$select`` −1, ``$expand`` +1,
``$top`` < 20 −1, never below 1. ``me/…`` costs apply to ``users/{id|upn}/…``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

#: ``users('x')`` / ``servicePrincipals(appId='x')`` -> ``users/x`` (one segment for the key).
_KEY_SEGMENT = re.compile(r"/(\w+)\(([^()/]*)\)(?=/|$)")
_READ_METHODS = frozenset({"GET", "HEAD"})


@dataclass(frozen=True)
class Cost:
    """The charge of one request: ``ru`` resource units, and whether it uses the write budgets."""

    ru: int
    write: bool


_MEMBER_ACTIONS = (
    ("checkMemberGroups", 4),
    ("checkMemberObjects", 4),
    ("getMemberGroups", 2),
    ("getMemberObjects", 2),
)
_ME_NAVIGATIONS = ("licenseDetails", "memberOf", "ownedObjects", "transitiveMemberOf")

#: The documented base costs: (method, path shape, RU); ``*`` stands for any key segment. The POSTs
#: listed here are read-style actions and do not count as writes.
COST_TABLE: tuple[tuple[str, str, int], ...] = (
    ("GET", "applications", 2),
    ("GET", "applications/*/extensionProperties", 2),
    ("GET", "contracts", 3),
    ("POST", "directoryObjects/getByIds", 5),
    ("POST", "getObjectsById", 5),
    ("GET", "domains/*/domainNameReferences", 4),
    ("GET", "groups/*/members", 3),
    ("GET", "groups/*/transitiveMembers", 5),
    ("POST", "isMemberOf", 4),
    ("POST", "*/*/isMemberOf", 4),
    *(("POST", f"{who}/{action}", ru) for action, ru in _MEMBER_ACTIONS for who in ("me", "users/*")),
    *(("GET", f"{who}/{nav}", 2) for nav in _ME_NAVIGATIONS for who in ("me", "users/*")),
    ("GET", "oauth2PermissionGrants", 2),
    ("GET", "oauth2PermissionGrants/*", 2),
    ("GET", "servicePrincipals/*/appRoleAssignments", 2),
    ("GET", "subscribedSkus", 3),
    ("GET", "users", 2),
)


def _index(
    rows: tuple[tuple[str, str, int], ...],
) -> dict[tuple[str, str], tuple[tuple[tuple[str, ...], int], ...]]:
    """(method, last segment) -> [(shape segments, RU)], so a request looks at one or two rows."""
    table: dict[tuple[str, str], tuple[tuple[tuple[str, ...], int], ...]] = {}
    for method, shape, ru in rows:
        segs = tuple(shape.lower().split("/"))
        table[(method, segs[-1])] = (*table.get((method, segs[-1]), ()), (segs, ru))
    return table


_TABLE = _index(COST_TABLE)
#: ``getByIds`` / ``getObjectsById`` with ``$select``: the table's own reduced price.
_SELECT_PRICE = {("directoryobjects", "getbyids"): 2, ("getobjectsbyid",): 2}


def _segments(path: str) -> tuple[str, ...]:
    low = path.lower()
    if "(" in low:
        low = _KEY_SEGMENT.sub(lambda m: f"/{m.group(1)}/{m.group(2).strip(chr(39))}", low)
    segs = tuple(s for s in low.split("/") if s)
    if segs and segs[-1].startswith("microsoft.graph."):
        segs = (*segs[:-1], segs[-1][len("microsoft.graph.") :])
    return segs


def _listed(rows: tuple[tuple[tuple[str, ...], int], ...], segs: tuple[str, ...]) -> int:
    """The RU of the first row whose shape matches ``segs``; 0 when none does."""
    n = len(segs)
    for shape, ru in rows:
        if len(shape) != n:
            continue
        for s, g in zip(shape, segs):  # noqa: B905 - same length checked above
            if s != "*" and s != g:
                break
        else:
            return ru
    return 0


def request_cost(method: str, path: str, query: Mapping[str, str]) -> Cost:
    """The RU cost and write flag of ``method path?query`` (path under the version root)."""
    method = method.upper()
    segs = _segments(path)
    listed = 0
    if segs:
        rows = _TABLE.get((method, segs[-1]))
        if rows:
            listed = _listed(rows, segs)
        if not listed:
            rows = _TABLE.get((method, "*"))
            if rows:
                listed = _listed(rows, segs)
    base = listed or 1
    write = method not in _READ_METHODS and not listed
    if not query:
        return Cost(base, write)
    select = expand = small_top = False
    for key, value in query.items():
        name = key.lower().lstrip("$")
        if name == "select":
            select = True
        elif name == "expand":
            expand = True
        elif name == "top":
            try:
                small_top = int(value) < 20
            except (TypeError, ValueError):
                pass
    ru = base
    if select:
        ru = _SELECT_PRICE[segs] if listed and segs in _SELECT_PRICE else ru - 1
    if expand:
        ru += 1
    if small_top:
        ru -= 1
    return Cost(max(ru, 1), write)
