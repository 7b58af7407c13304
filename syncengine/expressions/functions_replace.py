"""Replace: seven positional parameters, five documented ways of combining them.

The arguments that are written (not left empty) choose the mode, most specific first:
regexPattern + regexGroupName + replacementAttributeName, regexPattern + regexGroupName +
replacementValue, regexPattern + replacementValue, oldValue + replacementValue, oldValue + template.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import dotnet_regex
from .invocation import FunctionSpec, Invocation, Param
from .nodes import FunctionCall, Omitted, StringLiteral
from .values import as_text, is_null_or_empty

SOURCE, OLD_VALUE, PATTERN, GROUP, REPLACEMENT, REPLACEMENT_ATTRIBUTE, TEMPLATE = range(7)


def replace_mode(provided: Callable[[int], bool]) -> str | None:
    """Which documented form a call uses, from which arguments it writes; None if none fits."""
    if provided(PATTERN) and provided(GROUP) and provided(REPLACEMENT_ATTRIBUTE):
        return "group-from-attribute"
    if provided(PATTERN) and provided(GROUP) and provided(REPLACEMENT):
        return "group"
    if provided(PATTERN) and provided(REPLACEMENT):
        return "regex"
    if provided(OLD_VALUE) and provided(REPLACEMENT):
        return "old-value"
    if provided(OLD_VALUE) and provided(TEMPLATE):
        return "template"
    return None


def _check(call: FunctionCall) -> str | None:
    def provided(index: int) -> bool:
        return not isinstance(call.args[index], Omitted)

    if replace_mode(provided) is None:
        return (
            "write oldValue with replacementValue or template, or regexPattern with replacementValue, "
            "or regexPattern and regexGroupName with replacementValue or replacementAttributeName"
        )
    pattern, group = call.args[PATTERN], call.args[GROUP]
    if isinstance(pattern, StringLiteral):
        try:
            compiled = dotnet_regex.compile_pattern(pattern.value)
        except ValueError as exc:
            return str(exc)
        if isinstance(group, StringLiteral) and group.value not in compiled.groupindex:
            return f"regexPattern has no group named {group.value!r}"
    return None


def _replace(inv: Invocation) -> str | None:
    mode = replace_mode(inv.provided)
    if mode == "group-from-attribute":
        return _group_from_attribute(inv)
    source = inv.text(SOURCE)
    if source is None:
        return None
    replacement = inv.text(REPLACEMENT) or ""
    if mode == "old-value":
        old = inv.text(OLD_VALUE)
        return source.replace(old, replacement) if old else source
    if mode == "template":
        old, template = inv.text(OLD_VALUE), inv.text(TEMPLATE)
        if template is None:
            return None
        return template.replace(old, source) if old else template
    pattern = _pattern(inv)
    if mode == "regex":
        return pattern.sub(dotnet_regex.substitution(replacement), source)
    group = _group_name(inv, pattern)
    out: list[str] = []
    position = 0
    for match in pattern.finditer(source):
        start, end = match.span(group)
        if start < position:  # the group did not take part, or overlaps what was replaced
            continue
        out.append(source[position:start] + replacement)
        position = end
    return "".join(out) + source[position:]


def _group_from_attribute(inv: Invocation) -> str | None:
    # A source with a value is kept; otherwise the group is taken from replacementAttributeName.
    source = inv.value(SOURCE)
    if not is_null_or_empty(source):
        return as_text(source, "Replace: source")
    other = inv.text(REPLACEMENT_ATTRIBUTE)
    if other is None:
        return None
    pattern = _pattern(inv)
    match = pattern.search(other)
    return match.group(_group_name(inv, pattern)) if match else None


def _pattern(inv: Invocation) -> re.Pattern[str]:
    try:
        return dotnet_regex.compile_pattern(inv.text(PATTERN) or "")
    except ValueError as exc:
        raise inv.fail(str(exc)) from None


def _group_name(inv: Invocation, pattern: re.Pattern[str]) -> str:
    name = inv.text(GROUP) or ""
    if name not in pattern.groupindex:
        raise inv.fail(f"regexPattern has no group named {name!r}")
    return name


SPECS: tuple[FunctionSpec, ...] = (
    FunctionSpec(
        "Replace",
        "Replace(source, oldValue, regexPattern, regexGroupName, replacementValue, "
        "replacementAttributeName, template)",
        (
            Param("source"),
            Param("oldValue", True),
            Param("regexPattern", True),
            Param("regexGroupName", True),
            Param("replacementValue", True),
            Param("replacementAttributeName", True),
            Param("template", True),
        ),
        _replace,
        min_args=7,
        check=_check,
    ),
)
