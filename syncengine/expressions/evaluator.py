"""Compiling an expression once and evaluating it against source objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .catalog import FUNCTIONS, validate
from .context import EvalContext
from .functions_logic import compare
from .invocation import Invocation
from .nodes import (
    Argument,
    Attribute,
    Comparison,
    Concat,
    Expr,
    FunctionCall,
    Keyword,
    NumberLiteral,
    Omitted,
    StringLiteral,
    attribute_names,
    walk,
)
from .parser import parse
from .values import IGNORE_FLOW, FlowIgnored, as_text, resolve_attribute, to_graph


@dataclass(frozen=True)
class CompiledExpression:
    """A checked expression, ready to evaluate against any number of source objects.

    ``attributes``: the source attributes it reads (what the engine must import), in order of first
    appearance. ``redacted``: it uses Redact, so provisioning logs must not show its value.
    """

    node: Expr
    attributes: tuple[str, ...] = field(init=False)
    redacted: bool = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", attribute_names(self.node))
        redacted = any(isinstance(n, FunctionCall) and n.name == "Redact" for n in walk(self.node))
        object.__setattr__(self, "redacted", redacted)

    def render(self) -> str:
        """The canonical expression text, as stored in the synchronization schema."""
        return self.node.render()

    def evaluate(self, source: Mapping[str, Any], context: EvalContext) -> Any:
        """The value to flow for ``source``: None for null, IGNORE_FLOW to leave the attribute out.

        Raises ExpressionEvaluationError (UniqueValueUnavailable for an exhausted SelectUniqueValue).
        """
        try:
            return to_graph(_Evaluator(source, context).eval(self.node))
        except FlowIgnored:
            return IGNORE_FLOW


def compile(expression: str | Expr) -> CompiledExpression:  # noqa: A001 - the package's verb
    """Parse (when given text) and check an expression; raises ExpressionSyntaxError or ExpressionError."""
    if isinstance(expression, str):
        node = parse(expression)
        validate(node, expression)
    else:
        node = expression
        validate(node)
    return CompiledExpression(node)


def evaluate(
    expr: str | Expr | CompiledExpression, source: Mapping[str, Any], *, context: EvalContext
) -> Any:
    """Compile ``expr`` if needed and evaluate it against ``source`` (see CompiledExpression.evaluate)."""
    compiled = expr if isinstance(expr, CompiledExpression) else compile(expr)
    return compiled.evaluate(source, context)


class _Evaluator:
    def __init__(self, source: Mapping[str, Any], context: EvalContext) -> None:
        self.source = source
        self.context = context

    def eval(self, node: Argument) -> Any:
        if isinstance(node, Attribute):
            return resolve_attribute(self.source, node.name)
        if isinstance(node, StringLiteral | NumberLiteral):
            return node.value
        if isinstance(node, Keyword):
            return node.name
        if isinstance(node, Omitted):
            return None
        if isinstance(node, Comparison):
            return compare(node.op, self.eval(node.left), self.eval(node.right))
        if isinstance(node, Concat):
            return "".join(as_text(self.eval(part), "'&' operand") or "" for part in node.parts)
        spec = FUNCTIONS[node.name]
        return spec.impl(Invocation(spec, node, self.eval, self.context, self.source))
