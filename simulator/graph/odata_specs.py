"""How a collection's query rules are described: ResourceSpec, PropertyFilter, Edm type names.

The tables themselves (users, groups, ...) are in ``odata_resources``; the Graph error a broken
rule produces is built here, so every module words it the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from simulator.wire.errors import GraphError, bad_request, unsupported_query

#: Operator tokens a PropertyFilter speaks of. ``not`` is any negation above the clause, ``null``
#: an ``eq null`` / ``ne null`` test, ``count`` a ``/$count`` comparison on a collection.
OPERATORS = frozenset("eq ne gt ge lt le in startsWith endsWith contains not null count all".split())

ADVANCED_QUERY_HINT = (
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)

STRING = "Edm.String"
BOOLEAN = "Edm.Boolean"
DATETIME = "Edm.DateTimeOffset"
GUID = "Edm.Guid"
INT32 = "Edm.Int32"
#: Type of everything in a permissive spec: no type checks.
ANY_TYPE = "*"


def frozen(d: Mapping[str, object]) -> MappingProxyType:
    """A read-only copy of ``d`` (the spec tables are shared by every request)."""
    return MappingProxyType(dict(d))


def collection_of(t: str) -> str:
    return f"Collection({t})"


def is_collection(t: str) -> bool:
    return t.startswith("Collection(")


def element_type(t: str) -> str:
    return t[len("Collection(") : -1] if is_collection(t) else t


def is_primitive(t: str) -> bool:
    return t.startswith("Edm.") or t == ANY_TYPE


def advanced_query_required(what: str) -> GraphError:
    """The 400 Graph answers when a clause works only in an advanced query."""
    return unsupported_query(
        f"{what} is not supported because the required parameters might be missing. {ADVANCED_QUERY_HINT}"
    )


@dataclass(frozen=True)
class PropertyFilter:
    """The $filter operators one property takes by default, and those it takes only in advanced queries."""

    default: frozenset[str] = frozenset()
    advanced: frozenset[str] = frozenset()

    @classmethod
    def of(cls, default: str = "", advanced: str = "") -> PropertyFilter:
        """Built from space-separated operator tokens, e.g. ``of("eq in", "ne not")``."""
        d, a = frozenset(default.split()), frozenset(advanced.split())
        unknown = (d | a) - OPERATORS
        if unknown:
            raise ValueError(f"unknown filter operators {sorted(unknown)}")
        return cls(d, a)

    def allows(self, op: str) -> bool:
        return op in self.default or op in self.advanced


@dataclass(frozen=True, eq=False)
class ResourceSpec:
    """One entity type as a queryable collection: what $select, $filter, $orderby and $search accept."""

    name: str
    entity_set: str
    default_select: tuple[str, ...] | None
    filterable: Mapping[str, PropertyFilter]
    orderable: frozenset[str]
    orderable_advanced: frozenset[str]
    searchable: frozenset[str]
    known_properties: frozenset[str]
    #: Property → Edm type or complex type name; unlisted known properties are ``Edm.String``.
    types: Mapping[str, str] = field(default_factory=dict)
    #: Complex type name → its property → type (for paths like ``employeeOrgData/division``).
    complex_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Properties kept outside the directory (profile, mailbox); selecting them answers 501 like Graph.
    outside_directory: frozenset[str] = frozenset()
    #: Accept any property and operator (non-directory collections with no documented rules).
    permissive: bool = False
    max_top: int = 999
    #: OData functions allowed around a property in a comparison (``tolower``, ``toupper``: the audit
    #: logs); the directory refuses every function but startsWith/endsWith/contains.
    string_functions: frozenset[str] = frozenset()
    #: Property paths whose string comparisons are exact (the provisioning log); the directory
    #: compares strings ignoring case.
    case_sensitive: frozenset[str] = frozenset()
    #: ``$filter`` and ``$orderby`` combine in a plain query (audit logs); the directory needs an
    #: advanced query for that.
    orderby_with_filter: bool = False

    @property
    def odata_type(self) -> str:
        """``microsoft.graph.user`` for ``User``."""
        return f"microsoft.graph.{self.name[:1].lower()}{self.name[1:]}"

    @cached_property
    def _by_lower(self) -> dict[str, str]:
        return {p.lower(): p for p in self.known_properties | self.outside_directory}

    @cached_property
    def collection_properties(self) -> frozenset[str]:
        """Known properties whose missing value renders as ``[]`` rather than ``null``."""
        return frozenset(p for p, t in self.types.items() if is_collection(t))

    def canonical(self, name: str) -> str | None:
        """The property's declared spelling for a case-insensitive ``name``, or None if unknown."""
        if self.permissive:
            return self._by_lower.get(name.lower(), name)
        return self._by_lower.get(name.lower())

    def type_of(self, prop: str) -> str:
        if self.permissive and prop not in self.types:
            return ANY_TYPE
        return self.types.get(prop, STRING)

    def unknown_property(self, name: str, type_name: str | None = None) -> GraphError:
        return bad_request(
            f"Could not find a property named '{name}' on type '{type_name or self.odata_type}'."
        )

    def unsupported_filter(self, prop: str) -> GraphError:
        return unsupported_query(
            f"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{self.name}'."
        )
