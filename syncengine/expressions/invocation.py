"""How a function is described (name, documented signature, parameters) and how it sees its arguments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .context import EvalContext
from .errors import ExpressionError, ExpressionEvaluationError
from .nodes import Argument, FunctionCall, Omitted
from .values import as_datetime, as_int, as_text


@dataclass(frozen=True)
class Param:
    """One documented parameter; an optional one may be left empty or, at the end, left out."""

    name: str
    optional: bool = False


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the expression language.

    ``params`` are the leading parameters; ``repeating`` (if any) repeat after them, as Switch's
    key/value pairs do. ``min_args`` defaults to the number of required leading parameters.
    ``check`` adds compile-time rules the counts cannot express; ``top_level`` forbids nesting.
    """

    name: str
    signature: str
    params: tuple[Param, ...]
    impl: Callable[[Invocation], Any]
    repeating: tuple[Param, ...] = ()
    min_args: int | None = None
    max_args: int | None = None
    check: Callable[[FunctionCall], str | None] | None = None
    top_level: bool = False
    supported: bool = True

    @property
    def minimum(self) -> int:
        if self.min_args is not None:
            return self.min_args
        required = [i for i, p in enumerate(self.params) if not p.optional]
        return required[-1] + 1 if required else 0

    @property
    def maximum(self) -> int | None:
        if self.max_args is not None or self.repeating:
            return self.max_args
        return len(self.params)

    def param(self, index: int) -> Param:
        if index < len(self.params):
            return self.params[index]
        return self.repeating[(index - len(self.params)) % len(self.repeating)]

    def validate(self, call: FunctionCall, text: str | None) -> None:
        """Raise ExpressionError when ``call`` cannot be a call of this function."""
        count = len(call.args)
        maximum = self.maximum
        signature = f"signature: {self.signature}"
        if count < self.minimum or (maximum is not None and count > maximum):
            if maximum == self.minimum:
                wanted = f"{self.minimum} argument{'s' if self.minimum != 1 else ''}"
            elif maximum is None:
                wanted = f"at least {self.minimum} arguments"
            else:
                wanted = f"{self.minimum} to {maximum} arguments"
            raise ExpressionError(
                f"{self.name} takes {wanted}, got {count}", text=text, offset=call.offset, hint=signature
            )
        for index, arg in enumerate(call.args):
            if isinstance(arg, Omitted) and not self.param(index).optional:
                raise ExpressionError(
                    f"{self.name}: argument {index + 1} ({self.param(index).name}) may not be empty",
                    text=text,
                    offset=arg.offset,
                    hint=signature,
                )
        problem = self.check(call) if self.check else None
        if problem:
            raise ExpressionError(f"{self.name}: {problem}", text=text, offset=call.offset, hint=signature)


class Invocation:
    """One call being evaluated: arguments are evaluated on first use, so IIF and Switch stay lazy."""

    def __init__(
        self,
        spec: FunctionSpec,
        call: FunctionCall,
        evaluate: Callable[[Argument], Any],
        context: EvalContext,
        source: Mapping[str, Any],
    ) -> None:
        self.spec = spec
        self.call = call
        self.context = context
        self.source = source
        self._evaluate = evaluate
        self._values: dict[int, Any] = {}

    @property
    def name(self) -> str:
        return self.spec.name

    def __len__(self) -> int:
        return len(self.call.args)

    def node(self, index: int) -> Argument:
        return self.call.args[index]

    def provided(self, index: int) -> bool:
        """Whether argument ``index`` was written (an empty argument or a missing one was not)."""
        return index < len(self.call.args) and not isinstance(self.call.args[index], Omitted)

    def value(self, index: int) -> Any:
        """Argument ``index`` evaluated (once); None when it was not provided."""
        if not self.provided(index):
            return None
        if index not in self._values:
            self._values[index] = self._evaluate(self.call.args[index])
        return self._values[index]

    def _what(self, index: int) -> str:
        return f"{self.name}: {self.spec.param(index).name}"

    def text(self, index: int) -> str | None:
        return as_text(self.value(index), self._what(index))

    def integer(self, index: int) -> int | None:
        return as_int(self.value(index), self._what(index))

    def date(self, index: int) -> datetime | None:
        return as_datetime(self.value(index), self._what(index))

    def fail(self, message: str) -> ExpressionEvaluationError:
        return ExpressionEvaluationError(f"{self.name}: {message}")
