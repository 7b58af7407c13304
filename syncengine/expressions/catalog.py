"""The function catalogue and the compile-time checks of a syntax tree against it."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from types import MappingProxyType

from . import (
    functions_collections,
    functions_dates,
    functions_identity,
    functions_logic,
    functions_replace,
    functions_text,
)
from .errors import ExpressionError
from .invocation import FunctionSpec
from .nodes import Argument, FunctionCall, Keyword, children

MAX_EXPRESSION_LENGTH = 10_000
"""The service refuses expressions longer than this (entra-cross-cloud-sync.md §2.7)."""

FUNCTIONS: Mapping[str, FunctionSpec] = MappingProxyType(
    {
        spec.name: spec
        for module in (
            functions_collections,
            functions_dates,
            functions_identity,
            functions_logic,
            functions_replace,
            functions_text,
        )
        for spec in module.SPECS
    }
)

KEYWORDS = frozenset({"vbTextCompare", "vbBinaryCompare"})
"""Bare names the language accepts as values (InStr's compareType)."""


def _unknown_function(call: FunctionCall, text: str | None) -> ExpressionError:
    by_case = {name.lower(): name for name in FUNCTIONS}
    hint = None
    if call.name.lower() in by_case:
        spec = FUNCTIONS[by_case[call.name.lower()]]
        hint = f"function names are case-sensitive: did you mean {spec.signature}?"
    else:
        close = difflib.get_close_matches(call.name, list(FUNCTIONS), n=1)
        if close:
            hint = f"did you mean {FUNCTIONS[close[0]].signature}?"
    return ExpressionError(f"unknown function '{call.name}'", text=text, offset=call.offset, hint=hint)


def validate(node: Argument, text: str | None = None) -> None:
    """Raise ExpressionError unless every function exists and is called as documented."""
    if text is not None and len(text) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(
            f"the expression is {len(text):,} characters long; the maximum is {MAX_EXPRESSION_LENGTH:,}"
        )
    _validate(node, text, depth=0)


def _validate(node: Argument, text: str | None, depth: int) -> None:
    if isinstance(node, Keyword) and node.name not in KEYWORDS:
        raise ExpressionError(
            f"unknown name '{node.name}'",
            text=text,
            offset=node.offset,
            hint="string constants are written in double quotes, function calls need parentheses",
        )
    if isinstance(node, FunctionCall):
        spec = FUNCTIONS.get(node.name)
        if spec is None:
            raise _unknown_function(node, text)
        if not spec.supported:
            raise ExpressionError(
                f"{node.name} is documented but not supported by ccsync", text=text, offset=node.offset
            )
        if spec.top_level and depth > 0:
            raise ExpressionError(
                f"{node.name} must be the whole expression; it cannot be nested",
                text=text,
                offset=node.offset,
            )
        spec.validate(node, text)
    for child in children(node):
        _validate(child, text, depth + 1)
