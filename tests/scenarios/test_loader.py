"""Scenario files with mistakes get file:line:column, what was expected, and the closest valid word."""

from __future__ import annotations

from pathlib import Path

import pytest

from scenarios.loader import ScenarioFileError, load_file, load_text

BASE = """\
name: disable
cites: https://learn.microsoft.com/x
given:
  users:
    alice: {groups: [sync]}
  groups:
    sync: {}
setup: {source: source, target: target, scope: sync}
steps:
"""


def problems(steps: str, head: str = BASE) -> list[str]:
    with pytest.raises(ScenarioFileError) as exc:
        load_text(head + steps, "f.scenario.yaml")
    return [str(p) for p in exc.value.problems]


def test_unknown_step_names_line_column_and_the_closest_step() -> None:
    assert problems("  - advnce: PT40M\n") == [
        "f.scenario.yaml:10:5: unknown step 'advnce' — did you mean 'advance'?"
    ]


def test_wrong_type_says_what_was_expected() -> None:
    assert problems("  - cycles: two\n") == ["f.scenario.yaml:10:13: cycles must be a whole number, not text"]


def test_unknown_user_reference_suggests_a_declared_name() -> None:
    (p,) = problems("  - disable: alicee\n")
    assert p.startswith("f.scenario.yaml:10:14: no user named 'alicee'") and "did you mean 'alice'?" in p


def test_bad_enum_value_and_unknown_expectation_key() -> None:
    out = problems(
        "  - expect: {user: {user: alice, exist: true}}\n",
        BASE.replace("scope: sync}", "scope: sync, licence_policy: warm}"),
    )
    assert "f.scenario.yaml:8:" in out[0] and "did you mean 'warn'?" in out[0]
    assert (
        out[1].startswith("f.scenario.yaml:10:") and "unknown key 'exist'" in out[1] and "'exists'" in out[1]
    )


def test_missing_citation_and_broken_yaml() -> None:
    (p,) = problems("  - start\n", BASE.replace("cites: https://learn.microsoft.com/x\n", ""))
    assert p.startswith("f.scenario.yaml:1:1: the scenario has no 'cites'")
    (y,) = problems("  - advance: [PT40M\n")
    assert y.startswith("f.scenario.yaml:11:1: not valid YAML")


def test_the_library_is_valid() -> None:
    files = sorted(Path(__file__).resolve().parents[2].joinpath("scenarios/library").rglob("*.scenario.yaml"))
    assert sum(len(load_file(f)) for f in files) >= 40
