"""Fixtures for expression tests: a fixed clock, seeded GUIDs, and a one-call evaluator."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from syncengine.expressions import EvalContext, evaluate

NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

Run = Callable[..., Any]


@pytest.fixture
def context() -> EvalContext:
    return EvalContext.deterministic(seed=7, now=NOW)


@pytest.fixture
def run(context: EvalContext) -> Run:
    """Evaluate an expression against keyword-argument attributes: ``run('[a]', a="x")``."""

    def _run(expression: str, **source: Any) -> Any:
        return evaluate(expression, source, context=context)

    return _run
