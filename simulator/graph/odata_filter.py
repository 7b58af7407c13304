"""``$filter`` compiled once into a Python predicate, with Graph's per-property rules enforced.

Compiling checks the clause against a ResourceSpec (unknown property, wrong literal type,
operator not allowed, advanced query needed) and yields closures that are cheap to call on
every object of a large tenant: literals are normalized once, strings compared lower-cased
(directory string comparisons are case-insensitive), a missing key is null.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulator.directory.record import UserRecord
from simulator.graph.odata_specs import (
    ANY_TYPE,
    ResourceSpec,
    advanced_query_required,
    element_type,
    is_collection,
    is_primitive,
)
from simulator.graph.odata_syntax import (
    And,
    BinaryOp,
    Call,
    Compare,
    CountOf,
    In,
    Lambda,
    Literal,
    Node,
    Not,
    Or,
    Path,
    parse_filter,
)
from simulator.wire.errors import GraphError, bad_request, unsupported_query

Predicate = Callable[[Any], bool]
Getter = Callable[[Any], Any]

_OPS: dict[str, Callable[[Any, Any], bool]] = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
_OP_KIND = {
    "eq": "Equal",
    "ne": "NotEqual",
    "gt": "GreaterThan",
    "ge": "GreaterThanOrEqual",
    "lt": "LessThan",
    "le": "LessThanOrEqual",
    "in": "In",
}
_FUNCTIONS = {"startswith": "startsWith", "endswith": "endsWith", "contains": "contains"}
#: OData functions Graph does not evaluate on directory objects: refused as unsupported, not unknown.
_OTHER_ODATA_FUNCTIONS = frozenset(
    "tolower toupper trim length indexof substring concat matchespattern year month day hour minute second "
    "fractionalseconds totalseconds totaloffsetminutes date time now maxdatetime mindatetime round floor "
    "ceiling cast isof geo.distance geo.length geo.intersects".split()
)
#: Case functions a ResourceSpec may allow around a property (``spec.string_functions``).
_CASE_FUNCTIONS: dict[str, Callable[[str], str]] = {"tolower": str.lower, "toupper": str.upper}
_LITERAL_EDM = {
    "string": "Edm.String",
    "guid": "Edm.Guid",
    "bool": "Edm.Boolean",
    "datetime": "Edm.DateTimeOffset",
    "date": "Edm.Date",
    "int": "Edm.Int32",
    "int64": "Edm.Int64",
    "double": "Edm.Double",
}
# Types that compare with each other; the family decides how values are normalized.
_FAMILY = {
    "Edm.String": "string",
    "Edm.Guid": "string",
    "Edm.Boolean": "bool",
    "Edm.DateTimeOffset": "datetime",
    "Edm.Date": "datetime",
    "Edm.Int32": "number",
    "Edm.Int64": "number",
    "Edm.Double": "number",
    "Edm.Decimal": "number",
}


@dataclass(frozen=True)
class Filter:
    """A compiled ``$filter``: ``matches(obj)`` is the predicate, ``ids()`` the id set if it names only ids."""

    text: str
    matches: Predicate
    id_set: frozenset[str] | None
    #: Top-level properties the clause reads (canonical spelling).
    properties: frozenset[str]

    def ids(self) -> frozenset[str] | None:
        """Lower-cased ids when the filter is ``id eq``, ``id in`` or an or-chain of those (delta), else None."""
        return self.id_set


@dataclass(frozen=True)
class _Resolved:
    """A property path bound to the spec: how to read it and under which name its rules live."""

    display: str  # name used in error messages and the capability table
    type: str
    getter: Getter


@dataclass(frozen=True)
class _Scope:
    var: str
    type: str  # element type
    cap_key: str


def compile_filter(text: str, spec: ResourceSpec, *, advanced_query: bool) -> Filter:
    """``text`` parsed, checked against ``spec`` and compiled; raises GraphError (400) on any problem."""
    node = parse_filter(text)
    compiler = _Compiler(spec, advanced_query)
    pred = compiler.boolean(node, None, False)
    ids = _id_set(node)
    if ids is not None and "id" not in spec.case_sensitive:
        # Same answer as the compiled or-chain, in one set lookup (delta's 50-id filters).
        pred = lambda o: (v := o.get("id")).__class__ is str and v.lower() in ids  # noqa: E731
    return Filter(text, pred, ids, frozenset(compiler.used))


def _id_set(node: Node) -> frozenset[str] | None:
    if isinstance(node, Or):
        ids: set[str] = set()
        for operand in node.operands:
            part = _id_set(operand)
            if part is None:
                return None
            ids |= part
        return frozenset(ids)
    if isinstance(node, Compare) and node.op == "eq":
        left, right = node.left, node.right
        if _is_id(left) and isinstance(right, Literal) and right.kind == "string":
            return frozenset({right.value.lower()})
    if isinstance(node, In) and _is_id(node.left) and all(i.kind == "string" for i in node.items):
        return frozenset(i.value.lower() for i in node.items)
    return None


def _is_id(node: Node) -> bool:
    return isinstance(node, Path) and len(node.segments) == 1 and node.segments[0].lower() == "id"


def _first_path(node: Node | None) -> Path | None:
    """The first property path in ``node`` (to name the property in an error)."""
    if node is None or isinstance(node, Literal):
        return None
    if isinstance(node, Path):
        return node
    if isinstance(node, CountOf | Lambda):
        return node.path
    if isinstance(node, Call):
        for a in node.args:
            p = _first_path(a)
            if p:
                return p
        return None
    if isinstance(node, Not):
        return _first_path(node.operand)
    if isinstance(node, And | Or):
        return next((p for p in map(_first_path, node.operands) if p), None)
    if isinstance(node, In):
        return _first_path(node.left)
    return _first_path(node.left) or _first_path(node.right)


def _getter(segments: tuple[str, ...]) -> Getter:
    if not segments:
        return lambda o: o
    if len(segments) == 1:
        (name,) = segments

        def get1(o: Any) -> Any:
            # Stored users are UserRecords, other objects and nested values dicts; checking the two
            # classes first is 5x cheaper than the Mapping ABC check on a million-user scan.
            cls = o.__class__
            return o.get(name) if cls is dict or cls is UserRecord or isinstance(o, Mapping) else None

        return get1

    def get_path(o: Any) -> Any:
        for s in segments:
            cls = o.__class__
            if cls is not dict and cls is not UserRecord and not isinstance(o, Mapping):
                return None
            o = o.get(s)
        return o

    return get_path


def _any_of(preds: list[Predicate]) -> Predicate:
    if len(preds) == 2:
        a, b = preds
        return lambda o: a(o) or b(o)

    def any_of(o: Any) -> bool:
        for p in preds:
            if p(o):
                return True
        return False

    return any_of


def _all_of(preds: list[Predicate]) -> Predicate:
    if len(preds) == 2:
        a, b = preds
        return lambda o: a(o) and b(o)

    def all_of(o: Any) -> bool:
        for p in preds:
            if not p(o):
                return False
        return True

    return all_of


def _as_datetime(v: Any) -> datetime | None:
    if v.__class__ is not str:
        return v if isinstance(v, datetime) else None
    try:
        dt = datetime.fromisoformat(v)
    except ValueError:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


class _Compiler:
    def __init__(self, spec: ResourceSpec, advanced_query: bool) -> None:
        self.spec = spec
        self.aq = advanced_query
        self.used: set[str] = set()

    # -- rules ------------------------------------------------------------------------------

    def require(self, res: _Resolved, op: str, display_op: str | None = None) -> None:
        """``op`` must be allowed on ``res``; by default, or because this is an advanced query."""
        spec = self.spec
        if spec.permissive:
            return
        rule = spec.filterable.get(res.display)
        if rule is None or not rule.allows(op):
            raise spec.unsupported_filter(res.display)
        if op not in rule.default and not self.aq:
            raise advanced_query_required(f"Operator '{display_op or op}'")

    def unsupported(self, node: Node | None) -> GraphError:
        path = _first_path(node)
        if path is None:
            return unsupported_query("Unsupported or invalid query filter clause specified.")
        return self.spec.unsupported_filter("/".join(path.segments))

    def string_operand(self, node: Node, scope: _Scope | None) -> tuple[_Resolved, str | None]:
        """A property, or an allowed case function of one: the property and the function's name."""
        if isinstance(node, Path):
            return self.resolve(node, scope), None
        if not isinstance(node, Call) or node.name not in self.spec.string_functions:
            raise self.unsupported(node)
        if len(node.args) != 1:
            raise bad_request(
                f"No function signature for the function with name '{node.name}' matches the specified "
                f"arguments. The function signatures considered are: {node.name}(Edm.String Nullable=true)."
            )
        (arg,) = node.args
        if not isinstance(arg, Path):
            raise self.unsupported(node)
        res = self.resolve(arg, scope)
        if res.type not in ("Edm.String", ANY_TYPE):
            raise self.spec.unsupported_filter(res.display)
        return res, node.name

    def exact(self, res: _Resolved) -> bool:
        """Strings of ``res`` compare case-sensitively (``spec.case_sensitive``)."""
        return res.display in self.spec.case_sensitive

    def string_getter(self, res: _Resolved, fn: str | None) -> Getter:
        """The property's value as a comparison sees it: the case function applied when it matters."""
        if fn is None or not self.exact(res):
            # A case-insensitive comparison lower-cases both sides anyway.
            return res.getter
        fold, get = _CASE_FUNCTIONS[fn], res.getter
        return lambda o: fold(v) if (v := get(o)).__class__ is str else v

    def resolve(self, path: Path, scope: _Scope | None) -> _Resolved:
        """``path`` bound to the spec (or to the lambda's element type), canonical spelling."""
        spec = self.spec
        first, rest = path.segments[0], path.segments[1:]
        if scope is not None:
            if first != scope.var:
                # Graph's lambdas only look at their range variable.
                raise spec.unsupported_filter(scope.cap_key)
            t, canon = scope.type, []
        else:
            top = spec.canonical(first)
            if top is None:
                raise spec.unknown_property(first)
            self.used.add(top)
            t, canon = spec.type_of(top), [top]
        for seg in rest:
            if t == ANY_TYPE:
                canon.append(seg)
                continue
            if is_collection(t):
                raise bad_request(
                    f"The parent value for a property access of a property '{seg}' is not a single value. "
                    "Property access can only be applied to a single value."
                )
            props = spec.complex_types.get(t)
            if props is None:
                # A complex type we do not model: none of its members is filterable.
                raise spec.unsupported_filter(scope.cap_key if scope else "/".join([*canon, seg]))
            sub = next((p for p in props if p.lower() == seg.lower()), None)
            if sub is None:
                raise spec.unknown_property(seg, t)
            canon.append(sub)
            t = props[sub]
        display = scope.cap_key if scope is not None else "/".join(canon)
        return _Resolved(display, t, _getter(tuple(canon)))

    # -- boolean structure ------------------------------------------------------------------

    def boolean(self, node: Node, scope: _Scope | None, negated: bool) -> Predicate:
        if isinstance(node, Or):
            return _any_of([self.boolean(n, scope, negated) for n in node.operands])
        if isinstance(node, And):
            return _all_of([self.boolean(n, scope, negated) for n in node.operands])
        if isinstance(node, Not):
            inner = self.boolean(node.operand, scope, True)
            return lambda o: not inner(o)
        if isinstance(node, Compare):
            return self.compare(node, scope, negated)
        if isinstance(node, In):
            return self.in_(node, scope, negated)
        if isinstance(node, Call):
            return self.call(node, scope, negated)
        if isinstance(node, Lambda):
            return self.lambda_(node, scope, negated)
        if isinstance(node, BinaryOp):
            raise self.unsupported(node)
        if isinstance(node, Path) and self.spec.permissive:
            getter = self.resolve(node, scope).getter
            return lambda o: getter(o) is True
        raise self.unsupported(node)

    # -- leaves -----------------------------------------------------------------------------

    def compare(self, node: Compare, scope: _Scope | None, negated: bool) -> Predicate:
        left, right, op = node.left, node.right, node.op
        if isinstance(left, CountOf) and isinstance(right, Literal):
            return self.count(left, op, right, scope, negated)
        if (
            isinstance(left, Call)
            and isinstance(right, Literal)
            and right.kind == "bool"
            and op in ("eq", "ne")
        ):
            pred = self.call(left, scope, negated or (op == "eq") != right.value)
            return pred if (op == "eq") == right.value else (lambda o: not pred(o))
        if not isinstance(right, Literal):
            raise self.unsupported(node)
        res, fn = self.string_operand(left, scope)
        if right.kind == "null":
            if op not in ("eq", "ne") or fn is not None:
                raise self.spec.unsupported_filter(res.display)
            self.require(res, "null", op)
            if op == "ne":
                self.require(res, "ne")
            if negated:
                self.require(res, "not")
            getter = res.getter
            if op == "eq":
                return lambda o: getter(o) is None
            return lambda o: getter(o) is not None
        if not is_primitive(res.type):
            raise self.spec.unsupported_filter(res.display)
        family = self.family(res, right, _OP_KIND[op])
        self.require(res, op)
        if negated:
            self.require(res, "not")
        exact = family == "string" and self.exact(res)
        getter = self.string_getter(res, fn)
        eq = self.equality(getter, family, right.value, exact)
        if op == "eq":
            return eq
        if op == "ne":
            return lambda o: not eq(o)
        return self.ordering(getter, family, _OPS[op], right.value, exact)

    def in_(self, node: In, scope: _Scope | None, negated: bool) -> Predicate:
        if not isinstance(node.left, Path):
            raise self.unsupported(node)
        res = self.resolve(node.left, scope)
        if not is_primitive(res.type):
            raise self.spec.unsupported_filter(res.display)
        items = [i for i in node.items if i.kind != "null"]
        families = {self.family(res, i, "In") for i in items}
        self.require(res, "in")
        if negated:
            self.require(res, "not")
        with_null = len(items) != len(node.items)
        if not items:
            getter = res.getter
            return (lambda o: getter(o) is None) if with_null else (lambda o: False)
        if len(families) > 1:
            raise bad_request("The 'in' operator requires all values of the list to be of one type.")
        (family,) = families
        getter = res.getter
        if family == "string" and self.exact(res):
            raw = frozenset(str(i.value) for i in items)

            def in_exact(o: Any) -> bool:
                v = getter(o)
                return v in raw if v.__class__ is str else with_null and v is None

            return in_exact
        if family == "string":
            values = frozenset(str(i.value).lower() for i in items)

            def in_strings(o: Any) -> bool:
                v = getter(o)
                if v.__class__ is str:
                    return v.lower() in values
                return with_null and v is None

            return in_strings
        if family == "bool":
            flags = frozenset(bool(i.value) for i in items)
            return lambda o: (v := getter(o)) is None and with_null or v.__class__ is bool and v in flags
        if family == "datetime":
            stamps = frozenset(i.value for i in items)

            def in_datetimes(o: Any) -> bool:
                v = getter(o)
                if v is None:
                    return with_null
                return _as_datetime(v) in stamps

            return in_datetimes
        numbers = frozenset(i.value for i in items)
        return lambda o: (
            (v := getter(o)) is None and with_null or v.__class__ in (int, float) and v in numbers
        )

    def call(self, node: Call, scope: _Scope | None, negated: bool) -> Predicate:
        name = node.name
        if name not in _FUNCTIONS:
            if name in _OTHER_ODATA_FUNCTIONS:
                raise self.unsupported(node)
            raise bad_request(
                f"An unknown function with name '{node.raw_name}' was found. This may also be a function import "
                "or a key lookup on a navigation property, which is not allowed."
            )
        op = _FUNCTIONS[name]
        signature_error = bad_request(
            f"No function signature for the function with name '{name}' matches the specified arguments. "
            f"The function signatures considered are: {name}(Edm.String Nullable=true, Edm.String Nullable=true)."
        )
        if len(node.args) != 2:
            raise signature_error
        target, lit = node.args
        if not isinstance(lit, Literal):
            raise self.unsupported(node)
        res, fn = self.string_operand(target, scope)
        if res.type != ANY_TYPE and (res.type not in ("Edm.String",) or lit.kind != "string"):
            if is_collection(res.type) or not is_primitive(res.type):
                raise self.spec.unsupported_filter(res.display)
            raise signature_error
        if lit.kind != "string":
            raise signature_error
        self.require(res, op)
        if negated:
            self.require(res, "not")
        if self.exact(res):
            get, raw = self.string_getter(res, fn), lit.value
            if op == "startsWith":
                return lambda o: (v := get(o)).__class__ is str and v.startswith(raw)
            if op == "endsWith":
                return lambda o: (v := get(o)).__class__ is str and v.endswith(raw)
            return lambda o: (v := get(o)).__class__ is str and raw in v
        getter, needle = res.getter, lit.value.lower()
        if op == "startsWith":
            return lambda o: (v := getter(o)).__class__ is str and v.lower().startswith(needle)
        if op == "endsWith":
            return lambda o: (v := getter(o)).__class__ is str and v.lower().endswith(needle)
        return lambda o: (v := getter(o)).__class__ is str and needle in v.lower()

    def lambda_(self, node: Lambda, scope: _Scope | None, negated: bool) -> Predicate:
        res = self.resolve(node.path, scope)
        spec = self.spec
        if res.type != ANY_TYPE and not is_collection(res.type):
            raise bad_request("Any/All may only be used following a collection.")
        cap_key = res.display
        if not spec.permissive:
            if cap_key not in spec.filterable or node.kind == "all":
                raise spec.unsupported_filter(cap_key)
            if negated:
                self.require(res, "not")
        coll = res.getter
        if node.body is None:
            return lambda o: bool(v := coll(o)) and v.__class__ is list
        inner = self.boolean(node.body, _Scope(node.var or "", element_type(res.type), cap_key), False)
        if node.kind == "all":
            return lambda o: (v := coll(o)).__class__ is not list or all(inner(e) for e in v)

        def any_of(o: Any) -> bool:
            v = coll(o)
            if v.__class__ is not list:
                return False
            for e in v:
                if inner(e):
                    return True
            return False

        return any_of

    def count(self, node: CountOf, op: str, lit: Literal, scope: _Scope | None, negated: bool) -> Predicate:
        res = self.resolve(node.path, scope)
        if res.type != ANY_TYPE and not is_collection(res.type):
            raise bad_request("The $count segment may only be used following a collection.")
        if lit.kind not in ("int", "int64"):
            raise bad_request(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'Edm.Int32' and '{_LITERAL_EDM.get(lit.kind, 'null')}' for operator kind '{_OP_KIND[op]}'."
            )
        self.require(res, "count", "$count")
        if negated:
            self.require(res, "not")
        coll, fn, n = res.getter, _OPS[op], lit.value
        return lambda o: fn(len(v) if (v := coll(o)).__class__ is list else 0, n)

    # -- typing and normalization ------------------------------------------------------------

    def family(self, res: _Resolved, lit: Literal, op_kind: str) -> str:
        lit_type = _LITERAL_EDM[lit.kind]
        if res.type == ANY_TYPE:
            return _FAMILY[lit_type]
        prop_family, lit_family = _FAMILY.get(res.type), _FAMILY[lit_type]
        compatible = prop_family == lit_family and (res.type == "Edm.Guid") == (lit_type == "Edm.Guid")
        if not compatible:
            raise bad_request(
                "A binary operator with incompatible types was detected. Found operand types "
                f"'{res.type}' and '{lit_type}' for operator kind '{op_kind}'."
            )
        return lit_family

    @staticmethod
    def equality(getter: Getter, family: str, value: Any, exact: bool = False) -> Predicate:
        if family == "string" and exact:
            return lambda o: (v := getter(o)).__class__ is str and v == value
        if family == "string":
            needle = value.lower()
            return lambda o: (v := getter(o)).__class__ is str and v.lower() == needle
        if family == "bool":
            return lambda o: getter(o) is value
        if family == "datetime":
            return lambda o: (v := getter(o)) is not None and _as_datetime(v) == value
        return lambda o: (v := getter(o)).__class__ in (int, float) and v == value

    @staticmethod
    def ordering(
        getter: Getter, family: str, fn: Callable[[Any, Any], bool], value: Any, exact: bool = False
    ) -> Predicate:
        if family == "string" and exact:
            return lambda o: (v := getter(o)).__class__ is str and fn(v, value)
        if family == "string":
            needle = value.lower()
            return lambda o: (v := getter(o)).__class__ is str and fn(v.lower(), needle)
        if family == "datetime":

            def dt_order(o: Any) -> bool:
                v = getter(o)
                if v is None:
                    return False
                d = _as_datetime(v)
                return d is not None and fn(d, value)

            return dt_order
        if family == "bool":
            return lambda o: (v := getter(o)).__class__ is bool and fn(v, value)
        return lambda o: (v := getter(o)).__class__ in (int, float) and fn(v, value)
