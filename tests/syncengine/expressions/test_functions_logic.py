"""Conditions and null handling: BitAnd, CBool, Coalesce, IgnoreFlowIfNullOrEmpty, IIF, Is*, Not, Switch."""

from __future__ import annotations

import pytest

from syncengine.expressions import IGNORE_FLOW, ExpressionEvaluationError

from .conftest import Run


def test_bit_and_documented_example(run: Run) -> None:
    assert run("BitAnd(&HF, &HF7)") == 7
    assert run("BitAnd([flags], 2)", flags=514) == 2
    assert run('BitAnd("6", 3)') == 2
    assert run("BitAnd([missing], 2)") is None


def test_cbool(run: Run) -> None:
    assert run("CBool([attribute1] = [attribute2])", attribute1="x", attribute2="x") is True
    assert run("CBool([attribute1] = [attribute2])", attribute1="x", attribute2="y") is False
    assert run("CBool(5)") is True
    assert run('CBool("0")') is False
    assert run('CBool("true")') is True
    assert run("CBool([missing])") is False
    with pytest.raises(ExpressionEvaluationError, match="CBool: Expression must be True or False"):
        run('CBool("maybe")')


def test_coalesce_returns_the_first_non_null(run: Run) -> None:
    assert run("Coalesce([mail],[userPrincipalName])", userPrincipalName="John.Doe@contoso.com") == (
        "John.Doe@contoso.com"
    )
    assert run('Coalesce([a], [b], "default")') == "default"
    assert run("Coalesce([a], [b])") is None
    assert run('Coalesce([a], "x")', a="") == ""  # an empty string is not null
    assert run('Coalesce([a], "x")', a=[]) == "x"  # an empty multi-valued attribute is


def test_ignore_flow_if_null_or_empty_signals_do_not_flow(run: Run) -> None:
    assert run("IgnoreFlowIfNullOrEmpty([department])") is IGNORE_FLOW
    assert run("IgnoreFlowIfNullOrEmpty([department])", department="") is IGNORE_FLOW
    assert run("IgnoreFlowIfNullOrEmpty([department])", department="Sales") == "Sales"
    assert IGNORE_FLOW is not None


def test_ignore_flow_documented_switch_example(run: Run) -> None:
    expression = (
        'IgnoreFlowIfNullOrEmpty(Switch([prefix], "", "3443", "Dr.", "3444", "Prof.", "3445", "Prof. Dr."))'
    )
    assert run(expression, prefix="3444") == "Prof."
    assert run(expression, prefix="1") is IGNORE_FLOW


def test_ignore_flow_propagates_out_of_nested_calls(run: Run) -> None:
    assert run('Append(IgnoreFlowIfNullOrEmpty([a]), "x")') is IGNORE_FLOW


@pytest.mark.parametrize(
    ("source", "result"),
    [({"country": "USA", "department": "Sales"}, "USA"), ({"country": "NZ", "department": "Sales"}, "Sales")],
)
def test_iif_documented_example(run: Run, source: dict[str, str], result: str) -> None:
    assert run('IIF([country]="USA",[country],[department])', **source) == result


@pytest.mark.parametrize(
    ("country", "state", "and_result", "or_result"),
    [
        ("USA", "CA", "True", "True"),
        ("USA", "WA", "False", "True"),
        ("NZ", "CA", "False", "True"),
        ("NZ", "WA", "False", "False"),
    ],
)
def test_iif_nested_for_and_and_or(
    run: Run, country: str, state: str, and_result: str, or_result: str
) -> None:
    source = {"country": country, "state": state}
    assert run('IIF([country]="USA",IIF([state]="CA","True","False"),"False")', **source) == and_result
    assert run('IIF([country]="USA","True",IIF([state]="CA","True","False"))', **source) == or_result


@pytest.mark.parametrize(
    "expression",
    [
        'IIF([country]="","Other",[country])',
        'IIF(IsNullOrEmpty([country]),"Other",[country])',
        'IIF(IsPresent([country]),[country],"Other")',
    ],
)
@pytest.mark.parametrize("country", [None, ""])
def test_iif_condition_on_null_or_empty_attribute_fails(
    run: Run, expression: str, country: str | None
) -> None:
    # The reference lists these as unsupported: the condition check fails and nothing flows.
    assert run(expression, country=country) is None


def test_switch_is_the_documented_workaround_for_null(run: Run) -> None:
    assert run('Switch([country],[country],"","Other")') == "Other"
    assert run('Switch([country],[country],"","Other")', country="") == "Other"
    assert run('Switch([country],[country],"","Other")', country="NZ") == "NZ"


def test_iif_evaluates_only_the_chosen_branch(run: Run) -> None:
    assert run('IIF([a]="1", "yes", Item([list], 9))', a="1", list=["x"]) == "yes"


def test_comparison_operators_in_conditions(run: Run) -> None:
    assert run('IIF([n] > 5, "big", "small")', n="12") == "big"  # numeric, not "12" < "5"
    assert run('IIF([n] <= 5, "small", "big")', n=5) == "small"
    assert run('IIF([a] <> "x", "other", "x")', a="y") == "other"
    assert run('IIF([a] = "usa", "same", "different")', a="USA") == "different"  # case-sensitive
    assert run('IIF([a] >= "b", "late", "early")', a="c") == "late"


def test_is_null_family(run: Run) -> None:
    assert run("IsNull([displayName])") is True
    assert run("IsNull([displayName])", displayName="") is False
    assert run("IsNullOrEmpty([displayName])", displayName="") is True
    assert run("IsNullOrEmpty([displayName])", displayName="x") is False
    assert run("IsPresent([displayName])", displayName="x") is True
    assert run("IsPresent([displayName])", displayName="") is False
    assert run("IsNull([proxyAddresses])", proxyAddresses=[]) is True


def test_is_present_documented_switch_example(run: Run) -> None:
    expression = 'Switch(IsPresent([jobTitle]), "DefaultValue", "True", [jobTitle])'
    assert run(expression, jobTitle="Engineer") == "Engineer"
    assert run(expression) == "DefaultValue"


def test_is_string(run: Run) -> None:
    assert run("IsString([a])", a="x") is True
    assert run("IsString([a])", a=3) is True
    assert run("IsString([a])") is False
    assert run("IsString([a])", a=["x", "y"]) is False


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("True", False),
        ("true", False),
        (True, False),
        ("False", True),
        (False, True),
        (None, True),
        ("x", True),
    ],
)
def test_not_flips_true_and_anything_else_gives_true(run: Run, value: object, result: bool) -> None:
    assert run("Not([accountEnabled])", accountEnabled=value) is result


def test_switch_documented_example(run: Run) -> None:
    expression = (
        'Switch([state], "Australia/Sydney", "NSW", "Australia/Sydney","QLD", "Australia/Brisbane", '
        '"SA", "Australia/Adelaide")'
    )
    assert run(expression, state="QLD") == "Australia/Brisbane"
    assert run(expression, state="VIC") == "Australia/Sydney"


def test_switch_is_case_sensitive_and_to_lower_normalises(run: Run) -> None:
    assert run('Switch([statusFlag], "none", "true", "1")', statusFlag="TRUE") == "none"
    assert run('Switch(ToLower([statusFlag]), "0", "true", "1", "false", "0")', statusFlag="TRUE") == "1"


def test_switch_empty_default_is_null_and_empty_key_matches_null(run: Run) -> None:
    assert run('Switch([Active], , "1", "True", "0", "False")', Active="7") is None
    assert run('Switch([statusFlag], "Default Value", "true", "1", "", "0")') == "0"


def test_switch_evaluates_only_the_matching_value(run: Run) -> None:
    assert run('Switch([a], "d", "1", "one", "2", Item([list], 9))', a="1", list=[]) == "one"
