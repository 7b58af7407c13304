"""The generative soak: bounded runs hold every invariant, and a deliberately broken engine is caught
and its failing sequence shrunk. (The 3 × 500-step run is `make soak`; figures in docs/scenarios.md.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scenarios.loader import load_text
from scenarios.soak import Soak, failure_report, generate, soak
from syncengine.decide import Decider


@pytest.fixture(scope="module")
def runner() -> Iterator[Soak]:
    r = Soak()
    yield r
    r.close()


def test_generated_sequences_are_deterministic_and_mix_every_kind_of_step() -> None:
    a, b = generate(3, 300), generate(3, 300)
    assert a == b and len(a) == 300
    kinds = {next(iter(s)) for s in a}
    assert {
        "update",
        "delete",
        "restore",
        "advance",
        "fault",
        "throttling",
        "restart_engine",
        "restart_simulator",
    } <= kinds


@pytest.mark.parametrize("seed", [1, 2])
def test_a_bounded_soak_holds_every_invariant(runner: Soak, seed: int) -> None:
    out = soak(seed, 40, runner=runner)
    assert out.broken == [], failure_report(out)


def test_an_engine_that_keeps_leavers_is_caught_and_shrunk(
    runner: Soak, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = Decider._deprovision

    def keeps_leavers(self, u, out, shadow, why):  # the lifecycle rule "out of scope → soft delete" is off
        if why == "left the scope":
            return self._skip(u, out, shadow, "Broken", "deliberately broken: leavers are kept")
        return original(self, u, out, shadow, why)

    monkeypatch.setattr(Decider, "_deprovision", keeps_leavers)
    out = soak(5, 30, runner=runner, shrink_budget=16)
    assert any("out of scope but target still active" in b for b in out.broken)
    assert out.shrunk is not None and len(out.shrunk) < 10 < 30
    report = failure_report(out)
    assert "soak seed 5" in report
    (scenario,) = load_text(report.split("as a scenario file:\n", 1)[1], "shrunk.scenario.yaml")  # runnable
    assert scenario.steps == out.shrunk
