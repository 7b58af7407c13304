"""The expression syntax tree: frozen values that render back to canonical text.

The Graph synchronization schema stores a mapping's source as expression text, so every node can be
rendered; ``parse(node.render()) == node`` holds for every tree the parser produces. Source offsets are
kept for error messages but take no part in equality.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field


def quote(value: str) -> str:
    """A string constant as expression text: backslash and double quote escaped with a backslash."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class Attribute:
    """``[name]``: the value of a source attribute (null when the object has none)."""

    name: str
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return f"[{self.name}]"


@dataclass(frozen=True)
class StringLiteral:
    """``"text"``: a string constant."""

    value: str
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return quote(self.value)


@dataclass(frozen=True)
class NumberLiteral:
    """An integer constant: decimal (``-10``) or VBA hexadecimal (``&HF7``)."""

    value: int
    hexadecimal: bool = False
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        if self.hexadecimal and self.value >= 0:
            return f"&H{self.value:X}"
        return str(self.value)


@dataclass(frozen=True)
class Keyword:
    """A bare name used as an enumeration value, such as ``vbTextCompare`` in InStr."""

    name: str
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return self.name


@dataclass(frozen=True)
class Omitted:
    """An argument left empty, as in ``Replace([mail], "@contoso.com", , , "", , )``."""

    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return ""


@dataclass(frozen=True)
class FunctionCall:
    """``Name(arg, ...)``."""

    name: str
    args: tuple[Argument, ...] = ()
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return f"{self.name}({', '.join(arg.render() for arg in self.args)})"


@dataclass(frozen=True)
class Comparison:
    """``left op right`` with op one of = <> < <= > >= (the condition of IIF, CBool's argument)."""

    op: str
    left: Expr
    right: Expr
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return f"{self.left.render()} {self.op} {self.right.render()}"


@dataclass(frozen=True)
class Concat:
    """``a & b & ...``: VBA string concatenation (documented in the cloud-sync expression reference)."""

    parts: tuple[Expr, ...]
    offset: int = field(default=0, compare=False, repr=False)

    def render(self) -> str:
        return " & ".join(part.render() for part in self.parts)


Expr = Attribute | StringLiteral | NumberLiteral | Keyword | FunctionCall | Comparison | Concat
Argument = Expr | Omitted


def children(node: Argument) -> tuple[Argument, ...]:
    """The direct sub-expressions of ``node``."""
    if isinstance(node, FunctionCall):
        return node.args
    if isinstance(node, Comparison):
        return (node.left, node.right)
    if isinstance(node, Concat):
        return node.parts
    return ()


def walk(node: Argument) -> Iterator[Argument]:
    """``node`` and every node below it, depth first, left to right."""
    yield node
    for child in children(node):
        yield from walk(child)


def attribute_names(node: Argument) -> tuple[str, ...]:
    """The source attributes ``node`` reads, in order of first appearance, without repeats."""
    seen: dict[str, None] = {}
    for sub in walk(node):
        if isinstance(sub, Attribute):
            seen.setdefault(sub.name, None)
    return tuple(seen)
