"""The value model of expression evaluation: null, the flow-ignore sentinel, coercions, attribute lookup.

Source values are what Graph returns: str, bool, int, list (multi-valued), dict (complex) or None.
Date functions add ``datetime`` (the service's DateTime); it prints as ``M/d/yyyy h:mm:ss tt``.
An absent attribute and an empty multi-valued attribute (``[]``) are both null.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from . import dotnet_datetime
from .errors import ExpressionEvaluationError


class Flow(enum.Enum):
    """Outcomes of a mapping that are not values."""

    IGNORE = "IGNORE_FLOW"

    def __repr__(self) -> str:
        return self.value


IGNORE_FLOW = Flow.IGNORE
"""Returned by evaluation when IgnoreFlowIfNullOrEmpty drops the attribute: do not flow it at all."""


class FlowIgnored(Exception):
    """Raised inside evaluation by IgnoreFlowIfNullOrEmpty; the evaluator turns it into IGNORE_FLOW."""


def is_null(value: Any) -> bool:
    """Null in the service's sense: absent, or a multi-valued attribute without values."""
    return value is None or (isinstance(value, list | tuple) and len(value) == 0)


def is_null_or_empty(value: Any) -> bool:
    return is_null(value) or value == ""


def as_text(value: Any, what: str) -> str | None:
    """``value`` as a string (null stays null); booleans print as True/False like .NET."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, datetime):
        return dotnet_datetime.format_datetime(value, dotnet_datetime.DISPLAY_FORMAT)
    if isinstance(value, list | tuple):
        if not value:
            return None
        if len(value) == 1:
            return as_text(value[0], what)
        raise ExpressionEvaluationError(f"{what} must be a single value, got {len(value)} values")
    raise ExpressionEvaluationError(f"{what} must be a string, got a {type(value).__name__}")


_INTEGER = re.compile(r"\s*[+-]?\d+\s*")


def as_int(value: Any, what: str) -> int | None:
    """``value`` as an integer (null stays null); numeric strings are accepted."""
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    text = as_text(value, what) if isinstance(value, list | tuple) else value
    if isinstance(text, str) and _INTEGER.fullmatch(text):
        return int(text)
    raise ExpressionEvaluationError(f"{what} must be a whole number, got {value!r}")


def as_bool(value: Any, what: str) -> bool:
    """``value`` as a boolean: True/False (any case), or a number that is non-zero."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = as_text(value, what)
    if text is not None:
        if text.strip().lower() in ("true", "false"):
            return text.strip().lower() == "true"
        if _INTEGER.fullmatch(text):
            return int(text) != 0
    raise ExpressionEvaluationError(f"{what} must be True or False, got {value!r}")


def as_datetime(value: Any, what: str) -> datetime | None:
    """``value`` as a DateTime: a datetime, or a string CDate understands (null stays null)."""
    if isinstance(value, datetime) or value is None:
        return value
    text = as_text(value, what)
    if text is None:
        return None
    try:
        return dotnet_datetime.parse_any(text)
    except ValueError as exc:
        raise ExpressionEvaluationError(f"{what}: {exc}") from None


def as_list(value: Any) -> list[Any]:
    """``value`` as the values of a multi-valued attribute (null has none, a single value is one)."""
    if is_null(value):
        return []
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


def flatten(values: list[Any]) -> list[Any]:
    """Multi-valued arguments spread into their values."""
    flat: list[Any] = []
    for value in values:
        flat.extend(flatten(list(value)) if isinstance(value, list | tuple) else [value])
    return flat


def to_graph(value: Any) -> Any:
    """A result in the form it flows to the target: DateTimes become the service's display string."""
    if isinstance(value, datetime):
        return as_text(value, "result")
    if isinstance(value, list):
        return [to_graph(item) for item in value]
    return value


_EXTENSION_ATTRIBUTE = re.compile(r"extensionAttribute(?:[1-9]|1[0-5])", re.IGNORECASE)


def resolve_attribute(source: Mapping[str, Any], name: str) -> Any:
    """The value of attribute ``name`` in a Graph object, or None.

    Lookup order: the exact key; a key differing only in case; a dotted path into nested objects
    (``onPremisesExtensionAttributes.extensionAttribute1``); and ``extensionAttribute1``..``15`` inside
    ``onPremisesExtensionAttributes``, where Graph keeps them (the provisioning schema lists them flat).
    """
    found, value = _lookup(source, name)
    if found:
        return value
    if "." in name:
        current: Any = source
        for part in name.split("."):
            if not isinstance(current, Mapping):
                return None
            found, current = _lookup(current, part)
            if not found:
                return None
        return current
    if _EXTENSION_ATTRIBUTE.fullmatch(name):
        nested = _lookup(source, "onPremisesExtensionAttributes")[1]
        if isinstance(nested, Mapping):
            return _lookup(nested, name)[1]
    return None


def _lookup(mapping: Mapping[str, Any], key: str) -> tuple[bool, Any]:
    if key in mapping:
        return True, mapping[key]
    folded = key.casefold()
    for candidate, value in mapping.items():
        if isinstance(candidate, str) and candidate.casefold() == folded:
            return True, value
    return False, None
