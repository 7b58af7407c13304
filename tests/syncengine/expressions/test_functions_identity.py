"""Generated and identifying values: AltSecIdFromNetId, Guid, RandomString, Redact, SelectUniqueValue,
SingleAppRoleAssignment."""

from __future__ import annotations

import base64
import re
import string
from datetime import UTC, datetime

import pytest

from syncengine.expressions import (
    EvalContext,
    ExpressionEvaluationError,
    UniqueValueUnavailable,
    alternative_security_id,
    compile,
    evaluate,
    seeded_guid_factory,
)

from .conftest import NOW, Run


def test_alt_sec_id_from_net_id_builds_one_alternative_security_id(run: Run) -> None:
    result = run("AltSecIdFromNetId([netId])", netId="10032001A2B3C4D5")
    assert result == [{"type": 5, "identityProvider": None, "key": "EAMgAaKzxNU="}]
    assert base64.b64decode(result[0]["key"]) == bytes.fromhex("10032001A2B3C4D5")


def test_alt_sec_id_from_net_id_without_net_id_is_null(run: Run) -> None:
    assert run("AltSecIdFromNetId([netId])") is None
    assert run("AltSecIdFromNetId([netId])", netId="") is None


def test_alt_sec_id_of_a_non_hexadecimal_net_id_uses_its_utf8_bytes() -> None:
    assert alternative_security_id("user-1")["key"] == base64.b64encode(b"user-1").decode()


def test_guid_is_deterministic_with_a_seeded_factory() -> None:
    def guids(seed: int) -> list[str]:
        context = EvalContext.deterministic(seed=seed, now=NOW)
        compiled = compile("Guid()")
        return [compiled.evaluate({}, context) for _ in range(3)]

    first = guids(42)
    assert first == guids(42)
    assert first != guids(43)
    assert len(set(first)) == 3
    assert all(
        re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", g) for g in first
    )


def test_guid_uses_the_context_factory() -> None:
    context = EvalContext(guid_factory=lambda: "00AA00AA-BB11-CC22-DD33-44EE44EE44EE")
    assert evaluate("Guid()", {}, context=context) == "00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
    assert seeded_guid_factory(1)() == seeded_guid_factory(1)()


def test_random_string_documented_examples(run: Run) -> None:
    six = run("RandomString(6,3,0,0,3)")
    assert len(six) == 6
    assert sum(c.isdigit() for c in six) >= 3 and sum(c in string.ascii_lowercase for c in six) >= 3
    ten = run('RandomString(10,2,2,2,1,"?,")')
    assert len(ten) == 10 and not set(ten) & {"?", ","}
    assert sum(c.isdigit() for c in ten) >= 2 and sum(c in string.ascii_uppercase for c in ten) >= 2
    assert sum(not c.isalnum() for c in ten) >= 2


def test_random_string_is_deterministic_with_a_seeded_context() -> None:
    def draw() -> str:
        return evaluate("RandomString(12,2,2,2,2)", {}, context=EvalContext.deterministic(5, NOW))

    assert draw() == draw()


def test_random_string_rejects_impossible_requests(run: Run) -> None:
    with pytest.raises(ExpressionEvaluationError, match="at least the sum of the minimums"):
        run("RandomString(3,2,2,0,0)")
    with pytest.raises(ExpressionEvaluationError, match="leaves no character"):
        run('RandomString(3,1,0,0,0,"0123456789")')


def test_redact_passes_the_value_through(run: Run) -> None:
    assert run("Redact([userPrincipalName])", userPrincipalName="a@b") == "a@b"
    assert run('Redact("StringToBeRedacted")') == "StringToBeRedacted"


UPN_RULES = (
    'SelectUniqueValue(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [PreferredFirstName], [PreferredLastName]))), "contoso.com"), '
    'Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 1), [PreferredLastName]))), "contoso.com"), '
    'Join("@", NormalizeDiacritics(StripSpaces(Join(".", Mid([PreferredFirstName], 1, 2), [PreferredLastName]))), "contoso.com"))'
)


@pytest.mark.parametrize(
    ("taken", "result"),
    [
        (set(), "John.Smith@contoso.com"),
        ({"John.Smith@contoso.com"}, "J.Smith@contoso.com"),
        ({"John.Smith@contoso.com", "J.Smith@contoso.com"}, "Jo.Smith@contoso.com"),
    ],
)
def test_select_unique_value_documented_example(taken: set[str], result: str) -> None:
    asked: list[str] = []

    def unique(value: str) -> bool:
        asked.append(value)
        return value not in taken

    context = EvalContext(now=NOW, unique_check=unique)
    source = {"PreferredFirstName": "John", "PreferredLastName": "Smith"}
    assert evaluate(UPN_RULES, source, context=context) == result
    assert asked[-1] == result and len(asked) == len(taken) + 1


def test_select_unique_value_exhausted_goes_to_escrow() -> None:
    context = EvalContext(now=NOW, unique_check=lambda value: False)
    with pytest.raises(UniqueValueUnavailable) as caught:
        evaluate('SelectUniqueValue([a], Append([a], "1"), [missing])', {"a": "x"}, context=context)
    assert caught.value.candidates == ("x", "x1")
    assert isinstance(caught.value, ExpressionEvaluationError)


def test_select_unique_value_needs_a_uniqueness_check() -> None:
    context = EvalContext(now=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ExpressionEvaluationError, match="no unique_check"):
        evaluate("SelectUniqueValue([a], [b])", {"a": "x"}, context=context)


@pytest.mark.parametrize(
    ("assignments", "result"),
    [
        (["msiam_access"], "msiam_access"),
        ([{"value": "Admin", "displayName": "Administrator"}], "Admin"),
        ([{"displayName": "Reader"}], "Reader"),
        ([], None),
        (None, None),
    ],
)
def test_single_app_role_assignment(run: Run, assignments: object, result: str | None) -> None:
    assert run("SingleAppRoleAssignment([appRoleAssignments])", appRoleAssignments=assignments) == result
