"""Multi-valued attributes: Count, Item, RemoveDuplicates (Join and Split live with the strings)."""

from __future__ import annotations

from typing import Any

from .invocation import FunctionSpec, Invocation, Param
from .values import as_list, is_null


def _count(inv: Invocation) -> int:
    return len(as_list(inv.value(0)))


def _item(inv: Invocation) -> Any:
    values, index = inv.value(0), inv.integer(1)
    if is_null(values) or index is None:
        return None
    items = as_list(values)
    if not 1 <= index <= len(items):
        raise inv.fail(
            f"index {index} is out of range: the attribute has {len(items)} value(s), counted from 1"
        )
    return items[index - 1]


def _remove_duplicates(inv: Invocation) -> list[Any] | None:
    value = inv.value(0)
    if is_null(value):
        return None
    unique: list[Any] = []
    for item in as_list(value):
        if item not in unique:
            unique.append(item)
    return unique


def _specs() -> list[FunctionSpec]:
    attribute = (Param("attribute"),)
    return [
        FunctionSpec("Count", "Count(attribute)", attribute, _count),
        FunctionSpec("Item", "Item(attribute, index)", (Param("attribute"), Param("index")), _item),
        FunctionSpec("RemoveDuplicates", "RemoveDuplicates(attribute)", attribute, _remove_duplicates),
    ]


SPECS: tuple[FunctionSpec, ...] = tuple(_specs())
