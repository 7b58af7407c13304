"""Errors raised while parsing, compiling and evaluating attribute-mapping expressions."""

from __future__ import annotations

from collections.abc import Sequence

from syncengine.errors import SyncEngineError


def line_and_column(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of a 0-based offset."""
    line = text.count("\n", 0, offset) + 1
    line_start = text.rfind("\n", 0, offset) + 1
    return line, offset - line_start + 1


class ExpressionError(SyncEngineError):
    """An expression the engine cannot use: bad syntax, an unknown function, wrong arguments.

    When the position is known the message ends with "at column N" (or "at line L, column N" for a
    multi-line expression) and ``str()`` adds the offending line with a caret under the position.
    """

    def __init__(
        self, message: str, *, text: str | None = None, offset: int | None = None, hint: str | None = None
    ) -> None:
        self.text = text
        self.offset = offset
        self.line: int | None = None
        self.column: int | None = None
        if text is not None and offset is not None:
            self.line, self.column = line_and_column(text, offset)
            where = f"column {self.column}" if "\n" not in text else f"line {self.line}, column {self.column}"
            message = f"{message} at {where}"
        if hint:
            message = f"{message}; {hint}"
        self.message = message
        super().__init__(message)

    def __str__(self) -> str:
        if self.text is None or self.offset is None or self.column is None or self.line is None:
            return self.message
        source_line = self.text.split("\n")[self.line - 1]
        return f"{self.message}\n  {source_line}\n  {' ' * (self.column - 1)}^"


class ExpressionSyntaxError(ExpressionError):
    """The text is not a well-formed expression; the message says what was expected and where."""


class ExpressionEvaluationError(ExpressionError):
    """A well-formed expression failed on a particular source object (bad date, index out of range...)."""


class UniqueValueUnavailable(ExpressionEvaluationError):
    """Every candidate of SelectUniqueValue is already taken in the target: the entry goes to escrow."""

    def __init__(self, candidates: Sequence[str]) -> None:
        self.candidates = tuple(candidates)
        listed = ", ".join(repr(c) for c in self.candidates) or "none"
        super().__init__(f"SelectUniqueValue: no unique value among the candidates ({listed})")
