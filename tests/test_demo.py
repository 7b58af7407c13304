"""``ccsync demo`` (what ``make demo`` runs) finishes and tells the story it promises."""

from __future__ import annotations

import io

from rich.console import Console

from ccsync.demo import run_demo


def test_demo_runs_two_cross_cloud_jobs_and_explains_each_change() -> None:
    out = io.StringIO()
    assert run_demo(Console(file=out, width=200), seed=42) == 0
    text = out.getvalue()
    assert "Contoso to Contoso Government" in text and "Contoso to Contoso China" in text
    for action in ("create (success)", "update (success)", "disable (success)", "delete (success)"):
        assert text.count(action) >= 2, action
    assert "licence warning" in text
    assert "demo finished" in text
