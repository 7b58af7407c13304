"""Conditions and null handling: BitAnd, CBool, Coalesce, IgnoreFlowIfNullOrEmpty, IIF, IsNull,
IsNullOrEmpty, IsPresent, IsString, Not, Switch, and the comparison operators used in conditions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .errors import ExpressionEvaluationError
from .invocation import FunctionSpec, Invocation, Param
from .nodes import FunctionCall, attribute_names
from .values import FlowIgnored, as_bool, as_int, as_text, is_null, is_null_or_empty, resolve_attribute


def compare(op: str, left: Any, right: Any) -> bool:
    """``left op right``: case-sensitive string comparison (null compares as ""); ordering compares
    numerically when both sides are whole numbers and dates when both are DateTimes."""
    if isinstance(left, datetime) and isinstance(right, datetime):
        a: Any = left
        b: Any = right
    else:
        a = as_text(left, f"'{op}' left side") or ""
        b = as_text(right, f"'{op}' right side") or ""
        if op not in ("=", "<>"):
            try:
                a, b = as_int(a, op), as_int(b, op)
            except ExpressionEvaluationError:
                pass
    results = {"=": a == b, "<>": a != b}
    if op in results:
        return results[op]
    try:
        return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]
    except TypeError:
        raise ExpressionEvaluationError(f"cannot compare {left!r} {op} {right!r}") from None


def _bit_and(inv: Invocation) -> int | None:
    first, second = inv.integer(0), inv.integer(1)
    return None if first is None or second is None else first & second


def _cbool(inv: Invocation) -> bool:
    value = inv.value(0)
    return False if is_null_or_empty(value) else as_bool(value, "CBool: Expression")


def _coalesce(inv: Invocation) -> Any:
    for index in range(len(inv)):
        value = inv.value(index)
        if not is_null(value):
            return value
    return None


def _ignore_flow(inv: Invocation) -> Any:
    value = inv.value(0)
    if is_null_or_empty(value):
        raise FlowIgnored
    return value


def _iif(inv: Invocation) -> Any:
    # The reference: when a source attribute used in the condition is null or empty, the condition
    # check fails; the attribute then gets no value (so IIF(IsPresent([x]), ...) cannot test for null).
    for name in attribute_names(inv.node(0)):
        if is_null_or_empty(resolve_attribute(inv.source, name)):
            return None
    condition = inv.value(0)
    if is_null_or_empty(condition):
        return None
    return inv.value(1) if as_bool(condition, "IIF: condition") else inv.value(2)


def _is_null(inv: Invocation) -> bool:
    return is_null(inv.value(0))


def _is_null_or_empty(inv: Invocation) -> bool:
    return is_null_or_empty(inv.value(0))


def _is_present(inv: Invocation) -> bool:
    return not is_null_or_empty(inv.value(0))


def _is_string(inv: Invocation) -> bool:
    value = inv.value(0)
    return isinstance(value, str | int | datetime) or (isinstance(value, list) and len(value) == 1)


def _not(inv: Invocation) -> bool:
    value = inv.value(0)
    if isinstance(value, bool):
        return not value
    text = as_text(value, "Not: source") if not isinstance(value, dict) else None
    return not (text is not None and text.strip().lower() == "true")


def _switch(inv: Invocation) -> Any:
    # Null compares equal to "": the reference's way to give empty or null values a default.
    source = as_text(inv.value(0), "Switch: source") or ""
    for index in range(2, len(inv), 2):
        if (as_text(inv.value(index), "Switch: key") or "") == source:
            return inv.value(index + 1)
    return inv.value(1)


def _switch_pairs(call: FunctionCall) -> str | None:
    if len(call.args) % 2:
        return "key and value arguments must come in pairs (an even number of arguments in all)"
    return None


def _specs() -> list[FunctionSpec]:
    expression = (Param("Expression"),)
    return [
        FunctionSpec("BitAnd", "BitAnd(value1, value2)", (Param("value1"), Param("value2")), _bit_and),
        FunctionSpec("CBool", "CBool(Expression)", expression, _cbool),
        FunctionSpec(
            "Coalesce",
            "Coalesce(source1, source2, ..., defaultValue)",
            (),
            _coalesce,
            repeating=(Param("source"),),
            min_args=1,
        ),
        FunctionSpec(
            "IgnoreFlowIfNullOrEmpty", "IgnoreFlowIfNullOrEmpty(expression)", expression, _ignore_flow
        ),
        FunctionSpec(
            "IIF",
            "IIF(condition, valueIfTrue, valueIfFalse)",
            (Param("condition"), Param("valueIfTrue"), Param("valueIfFalse")),
            _iif,
        ),
        FunctionSpec("IsNull", "IsNull(Expression)", expression, _is_null),
        FunctionSpec("IsNullOrEmpty", "IsNullOrEmpty(Expression)", expression, _is_null_or_empty),
        FunctionSpec("IsPresent", "IsPresent(Expression)", expression, _is_present),
        FunctionSpec("IsString", "IsString(Expression)", expression, _is_string),
        FunctionSpec("Not", "Not(source)", (Param("source"),), _not),
        FunctionSpec(
            "Switch",
            "Switch(source, defaultValue, key1, value1, key2, value2, ...)",
            (Param("source"), Param("defaultValue", True)),
            _switch,
            repeating=(Param("key"), Param("value")),
            min_args=4,
            check=_switch_pairs,
        ),
    ]


SPECS: tuple[FunctionSpec, ...] = tuple(_specs())
