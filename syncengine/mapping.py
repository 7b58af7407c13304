"""What the target user gets: the attribute mappings, compiled once per job and applied per user.

Reference §2.6–2.8. ``DEFAULT_MAPPINGS`` holds rows 1–18 of the default cross-tenant synchronization
user mappings, in on-screen order. ``manager`` (row 19) is never included: cross-cloud and US Gov
configurations don't support it, and ccsync resolves no references.

``COMMON_EXTRA_MAPPINGS`` (jobTitle, surname, companyName, usageLocation) is kept apart on purpose:
those rows are commonly seen in real tenants but no Microsoft text or screenshot lists them among the
defaults (reference §2.7, §5 item 7). A job opts in by adding them to its mappings; the defaults stay
what the documentation confirms.

Rules applied by ``map_user`` (documented unless noted): ObjectAddOnly mappings flow only on create; a
default value applies only on create and only when the mapped value is null; null (None, "" or an
empty list) is never provisioned, so the attribute is absent and the target keeps its value; an
expression answering ``IgnoreFlow`` leaves the attribute absent; the target UPN is the B2B form
``<source UPN with '@' → '_'>#EXT#@<target initial domain>``; the anchor (``alternativeSecurityIds``)
and ``IsSoftDeleted`` are returned beside the attributes, never among them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from syncengine.errors import SyncEngineError
from syncengine.expressions import IGNORE_FLOW, MAX_EXPRESSION_LENGTH, EvalContext, ExpressionError
from syncengine.expressions import compile as compile_expression
from syncengine.expressions.values import resolve_attribute
from syncengine.model import ApplyOn, AttributeMapping, FilterGroup, MappingKind

#: Graph's code for a refused synchronization schema (reference §2.6, §3.3).
SCHEMA_INVALID = "schemaInvalid"
#: A multi-valued value mapped to a single-valued target (reference §3.3).
SINGLE_VALUE_ONLY = "SchemaPropertyCanOnlyAcceptValue"
#: An expression failed on one source object (our code; the service's per-object code is undocumented).
EXPRESSION_FAILED = "ExpressionEvaluationFailed"

_EXTENSION_ATTRIBUTE = re.compile(r"extensionAttribute(?:[1-9]|1[0-5])", re.IGNORECASE)

ANCHOR_TARGET = "alternativeSecurityIds"
SOFT_DELETE_TARGET = "IsSoftDeleted"
UPN = "userPrincipalName"

#: Target attributes of type Boolean; every other single-valued target is a string.
BOOLEAN_TARGETS = frozenset({"accountEnabled", "showInAddressList", SOFT_DELETE_TARGET})
#: Target attributes that are string collections in Graph.
MULTI_VALUED_TARGETS = frozenset({"businessPhones", "imAddresses"})
#: Targets no mapping may write (reference §2.7): read-only or computed in the target.
FORBIDDEN_TARGETS = {
    "proxyAddresses": "proxyAddresses is read-only in Microsoft Graph; it can be a source, never a target",
    "otherMails": "otherMails is computed in the target tenant and must not be a target",
    "targetAddress": "targetAddress (Exchange ExternalEmailAddress) cannot be mapped",
}
#: Source attributes the provisioning schema does not offer (reference §2.7).
UNAVAILABLE_SOURCES = {
    "userType": "userType is not available as a source attribute (use a directory extension)",
    "SamAccountName": "SamAccountName is not available as a source attribute (use a directory extension)",
}
#: Computed by the engine, not read from Graph: never in ``$select``.
ENGINE_ATTRIBUTES = frozenset({SOFT_DELETE_TARGET})
#: What scope, matching and the lifecycle read whatever the mappings say.
LIFECYCLE_ATTRIBUTES = frozenset(
    {
        "id",
        "userPrincipalName",
        "accountEnabled",
        "userType",
        "creationType",
        "identities",
        "displayName",
        "mail",
    }
)


def _direct(name: str, apply: ApplyOn = ApplyOn.ALWAYS) -> AttributeMapping:
    return AttributeMapping(name, MappingKind.DIRECT, name, apply)


DEFAULT_MAPPINGS: tuple[AttributeMapping, ...] = (
    AttributeMapping(
        ANCHOR_TARGET, MappingKind.EXPRESSION, "AltSecIdFromNetId([netId])", matching_priority=1
    ),
    _direct(SOFT_DELETE_TARGET),
    _direct("accountEnabled"),
    _direct("streetAddress"),
    _direct("city"),
    _direct("state"),
    _direct("postalCode"),
    _direct("country"),
    _direct("department"),
    _direct("employeeId"),
    _direct("displayName"),
    _direct("givenName"),
    _direct("mailNickname"),
    _direct("preferredLanguage"),
    _direct(UPN),
    _direct("mail"),
    AttributeMapping("showInAddressList", MappingKind.CONSTANT, "true"),
    AttributeMapping("userType", MappingKind.CONSTANT, "Member", ApplyOn.CREATE_ONLY),
)

COMMON_EXTRA_MAPPINGS: tuple[AttributeMapping, ...] = (
    _direct("jobTitle"),
    _direct("surname"),
    _direct("companyName"),
    _direct("usageLocation"),
)


class MappingError(SyncEngineError):
    """A mapping the engine refuses (``code`` as the service reports it) or one that failed on a user."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


# -- compiling -------------------------------------------------------------------------------------


class _Expression(Protocol):
    """What mapping uses of a compiled expression."""

    @property
    def attributes(self) -> frozenset[str] | tuple[str, ...]: ...

    def evaluate(self, source: Mapping[str, Any], context: EvalContext) -> Any: ...


@dataclass(frozen=True)
class CompiledMapping:
    """One mapping ready to run: its expression parsed once."""

    mapping: AttributeMapping
    expression: _Expression | None = None

    @property
    def target(self) -> str:
        return self.mapping.target


@dataclass(frozen=True)
class CompiledMappings:
    """A job's mappings compiled once, split into the anchor, IsSoftDeleted and the attributes."""

    mappings: tuple[AttributeMapping, ...]
    anchor: CompiledMapping | None
    soft_delete: CompiledMapping | None
    attributes: tuple[CompiledMapping, ...]


def _compile_one(mapping: AttributeMapping) -> CompiledMapping:
    if mapping.kind is not MappingKind.EXPRESSION:
        return CompiledMapping(mapping)
    text = mapping.source or ""
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise MappingError(
            SCHEMA_INVALID,
            f"The expression mapped to '{mapping.target}' is {len(text)} characters long; "
            f"expressions are limited to {MAX_EXPRESSION_LENGTH:,} characters.",
        )
    try:
        return CompiledMapping(mapping, compile_expression(text))
    except ExpressionError as e:
        column = getattr(e, "column", None)
        where = f" (column {column})" if column is not None and "column" not in e.message else ""
        raise MappingError(
            SCHEMA_INVALID,
            f"The expression mapped to '{mapping.target}' is not valid: {e.message}{where}.",
        ) from e


def compile_mappings(mappings: Sequence[AttributeMapping]) -> CompiledMappings:
    """Compile every expression once; raises ``MappingError`` for one that is too long or doesn't parse."""
    anchor = soft_delete = None
    attributes: list[CompiledMapping] = []
    for mapping in mappings:
        compiled = _compile_one(mapping)
        if mapping.matching_priority > 0 or mapping.target == ANCHOR_TARGET:
            if anchor is None or mapping.matching_priority < anchor.mapping.matching_priority:
                anchor = compiled
        elif mapping.target == SOFT_DELETE_TARGET:
            soft_delete = compiled
        else:
            attributes.append(compiled)
    return CompiledMappings(tuple(mappings), anchor, soft_delete, tuple(attributes))


def _compiled(mappings: CompiledMappings | Sequence[AttributeMapping]) -> CompiledMappings:
    return mappings if isinstance(mappings, CompiledMappings) else compile_mappings(mappings)


# -- what a job reads ------------------------------------------------------------------------------


def source_attributes(
    mappings: CompiledMappings | Sequence[AttributeMapping],
    *,
    filter_groups: Sequence[FilterGroup] = (),
) -> frozenset[str]:
    """Every source attribute a job imports (``$select``): mappings, expressions, scope and lifecycle.

    ``extensionAttributeN`` becomes ``onPremisesExtensionAttributes``; engine-computed ones are left out.
    """
    compiled = _compiled(mappings)
    names: set[str] = set(LIFECYCLE_ATTRIBUTES)
    for entry in (compiled.anchor, compiled.soft_delete, *compiled.attributes):
        if entry is None:
            continue
        if entry.expression is not None:
            names.update(entry.expression.attributes)
        elif entry.mapping.kind is MappingKind.DIRECT and entry.mapping.source:
            names.add(entry.mapping.source)
    for group in filter_groups:
        names.update(clause.attribute for clause in group.clauses)
    out = set()
    for name in names - ENGINE_ATTRIBUTES:
        head = name.split(".", 1)[0]
        out.add("onPremisesExtensionAttributes" if _EXTENSION_ATTRIBUTE.fullmatch(head) else head)
    return frozenset(out)


# -- validation ------------------------------------------------------------------------------------


def validate_mappings(
    mappings: Sequence[AttributeMapping], *, defaults: Sequence[AttributeMapping] = DEFAULT_MAPPINGS
) -> None:
    """Refuse a schema the service would refuse; raises ``MappingError`` (code ``schemaInvalid``)."""
    expected = [m for m in defaults if m.matching_priority > 0]
    matching = [m for m in mappings if m.matching_priority > 0]
    if matching != expected:
        raise MappingError(
            SCHEMA_INVALID,
            "The matching attribute of cross-tenant synchronization cannot be changed and no other "
            "matching attribute can be added: expected "
            + ", ".join(f"{m.source} -> {m.target} (precedence {m.matching_priority})" for m in expected)
            + ", got "
            + (
                ", ".join(f"{m.source} -> {m.target} (precedence {m.matching_priority})" for m in matching)
                or "none"
            )
            + ".",
        )
    seen: set[str] = set()
    for mapping in mappings:
        target = mapping.target
        if not target:
            raise MappingError(SCHEMA_INVALID, "A mapping has no target attribute.")
        if target in seen:
            raise MappingError(SCHEMA_INVALID, f"The target attribute '{target}' is mapped more than once.")
        seen.add(target)
        if target in FORBIDDEN_TARGETS:
            raise MappingError(SCHEMA_INVALID, f"'{target}' cannot be a target: {FORBIDDEN_TARGETS[target]}.")
        if target == ANCHOR_TARGET and mapping.matching_priority == 0:
            raise MappingError(SCHEMA_INVALID, f"'{ANCHOR_TARGET}' is written only by the matching mapping.")
        if mapping.kind in (MappingKind.DIRECT, MappingKind.CONSTANT) and mapping.source is None:
            raise MappingError(
                SCHEMA_INVALID, f"The {mapping.kind.value} mapping to '{target}' has no source value."
            )
        if mapping.kind is MappingKind.DIRECT and mapping.source in UNAVAILABLE_SOURCES:
            raise MappingError(SCHEMA_INVALID, f"{UNAVAILABLE_SOURCES[mapping.source]} ('{target}').")
        compiled = _compile_one(mapping)
        if compiled.expression is not None:
            for name in compiled.expression.attributes:
                if name in UNAVAILABLE_SOURCES:
                    raise MappingError(
                        SCHEMA_INVALID, f"{UNAVAILABLE_SOURCES[name]} (expression mapped to '{target}')."
                    )


# -- mapping one user ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MapContext:
    """What mapping needs beyond the source user: the target's initial domain and expression context."""

    target_domain: str
    evaluation: EvalContext = field(default_factory=EvalContext)


@dataclass(frozen=True)
class MappedUser:
    """The desired target user: attributes to write, the anchor value, and IsSoftDeleted."""

    attributes: dict[str, Any]
    anchor: Any | None
    is_soft_deleted: bool | None


def _is_null(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _raw_value(entry: CompiledMapping, user: Mapping[str, Any], context: MapContext) -> Any:
    mapping = entry.mapping
    if mapping.kind is MappingKind.DIRECT:
        return resolve_attribute(user, mapping.source or "")
    if mapping.kind is MappingKind.CONSTANT:
        return mapping.source
    if mapping.kind is MappingKind.EXPRESSION and entry.expression is not None:
        try:
            return entry.expression.evaluate(user, context.evaluation)
        except ExpressionError as e:
            raise MappingError(
                EXPRESSION_FAILED, f"The expression mapped to '{mapping.target}' failed: {e.message}"
            ) from e
    return None  # MappingKind.NONE: leave the target alone (the default still fills it on create)


def _as_boolean(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return value


def _as_text(target: str, value: Any) -> Any:
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        items = [v for v in value if not _is_null(v)]
        if len(items) > 1:
            raise MappingError(
                SINGLE_VALUE_ONLY,
                f"'{target}' is single-valued but the mapped value has {len(items)} values.",
            )
        return _as_text(target, items[0]) if items else None
    return value


def _typed(target: str, value: Any) -> Any:
    """The value in the target attribute's type: Boolean, string collection or string."""
    if target in BOOLEAN_TARGETS:
        return _as_boolean(value)
    if target in MULTI_VALUED_TARGETS:
        return list(value) if isinstance(value, list | tuple) else [value]
    return _as_text(target, value)


def _b2b_upn(source_upn: Any, target_domain: str) -> Any:
    if not isinstance(source_upn, str):
        return source_upn
    return f"{source_upn.replace('@', '_')}#EXT#@{target_domain}"


def _flow(entry: CompiledMapping, user: Mapping[str, Any], creating: bool, context: MapContext) -> Any:
    """The value this mapping provisions, or None when nothing flows."""
    value = _raw_value(entry, user, context)
    if value is IGNORE_FLOW:
        return None
    if _is_null(value):
        if not creating or entry.mapping.default is None:
            return None
        value = entry.mapping.default
    value = _typed(entry.mapping.target, value)
    return None if _is_null(value) else value


def map_user(
    user: Mapping[str, Any],
    mappings: CompiledMappings | Sequence[AttributeMapping],
    *,
    creating: bool,
    context: MapContext,
) -> MappedUser:
    """The desired target values for ``user``; pass ``compile_mappings(...)`` when mapping many users."""
    compiled = _compiled(mappings)
    attributes: dict[str, Any] = {}
    for entry in compiled.attributes:
        if entry.mapping.apply is ApplyOn.CREATE_ONLY and not creating:
            continue
        value = _flow(entry, user, creating, context)
        if value is None:
            continue
        if entry.mapping.target == UPN:
            value = _b2b_upn(value, context.target_domain)
        attributes[entry.mapping.target] = value
    anchor = None
    if compiled.anchor is not None:
        raw = _raw_value(compiled.anchor, user, context)
        anchor = None if raw is IGNORE_FLOW or _is_null(raw) else raw
    soft_deleted = None
    if compiled.soft_delete is not None:
        raw = _raw_value(compiled.soft_delete, user, context)
        flag = None if raw is IGNORE_FLOW or _is_null(raw) else _as_boolean(raw)
        soft_deleted = flag if isinstance(flag, bool) else None
    return MappedUser(attributes, anchor, soft_deleted)


# -- comparing with the target ---------------------------------------------------------------------


def _comparable(value: Any) -> Any:
    if isinstance(value, str):
        lowered = value.lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    if isinstance(value, tuple):
        return list(value)
    return value


def diff(desired: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, tuple[Any, Any]]:
    """``{attribute: (old, new)}`` where the target differs; empty means ``RedundantExport``.

    Strings are compared exactly; Booleans and "True"/"False" strings alike; lists as lists.
    """
    changes: dict[str, tuple[Any, Any]] = {}
    for name, new in desired.items():
        old = current.get(name)
        if old == new:
            continue
        if isinstance(old, bool) or isinstance(new, bool):
            if _comparable(old) == _comparable(new):
                continue
        elif isinstance(old, list | tuple) and isinstance(new, list | tuple) and list(old) == list(new):
            continue
        changes[name] = (old, new)
    return changes


__all__ = [
    "ANCHOR_TARGET",
    "BOOLEAN_TARGETS",
    "COMMON_EXTRA_MAPPINGS",
    "DEFAULT_MAPPINGS",
    "SCHEMA_INVALID",
    "CompiledMapping",
    "CompiledMappings",
    "MapContext",
    "MappedUser",
    "MappingError",
    "compile_mappings",
    "diff",
    "map_user",
    "source_attributes",
    "validate_mappings",
]
