"""Replace: the reference's examples for each of its five forms, and the .NET regex dialect."""

from __future__ import annotations

import pytest

from syncengine.expressions import ExpressionEvaluationError
from syncengine.expressions.dotnet_regex import to_python_pattern

from .conftest import Run


def test_old_value_and_replacement_value(run: Run) -> None:
    expression = 'Replace([BusinessTitle],"Product Developer", , , "Software Engineer", , )'
    assert run(expression, BusinessTitle="Product Developer") == "Software Engineer"
    assert run('Replace([mail], "@contoso.com", , ,"", ,)', mail="john.doe@contoso.com") == "john.doe"
    assert run('Replace([a], "x", , , "y", , )', a="xXx") == "yXy"  # case-sensitive, every occurrence


def test_old_value_and_template(run: Run) -> None:
    expression = 'Replace([UserID],"<username>", , , , , "<username>@contoso.com")'
    assert run(expression, UserID="jsmith") == "jsmith@contoso.com"


def test_regex_pattern_and_replacement_value_with_group_references(run: Run) -> None:
    expression = 'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )'
    assert run(expression, telephoneNumber="+91 9998887777") == "9998887777"
    assert (
        run('Replace([a], , "(\\\\w+)@(\\\\w+)", , "$2 at $1, $$", , )', a="jo@contoso") == "contoso at jo, $"
    )


def test_regex_collapses_characters(run: Run) -> None:
    # The reference shows 19998887777, but its pattern does not remove the leading "+".
    assert run('Replace([mobile], , "[()\\\\s-]+", , "", , )', mobile="+1 (999) 888-7777") == "+19998887777"
    assert run('Replace([mailNickname], , "[a-zA-Z_]*", , "", , )', mailNickname="john_doe72") == "72"


def test_regex_group_and_replacement_value(run: Run) -> None:
    expression = 'Replace([AddressLineData], ,"(?<streetNumber>^\\\\d*)","streetNumber", "888", , )'
    assert run(expression, AddressLineData="545 Tremont Street") == "888 Tremont Street"
    expression = 'Replace([userPrincipalName], , "(?<Suffix>@(.)*)", "Suffix", "", , )'
    assert run(expression, userPrincipalName="jsmith@contoso.com") == "jsmith"


def test_regex_group_from_replacement_attribute(run: Run) -> None:
    expression = 'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", "phoneNumber" , , [mobile], )'
    assert run(expression, telephoneNumber="", mobile="+91 8887779999") == "8887779999"
    assert run(expression, mobile="+91 8887779999") == "8887779999"
    assert run(expression, telephoneNumber="+1 555", mobile="+91 8887779999") == "+1 555"
    assert run(expression, mobile="no digits") is None


def test_null_source_gives_null(run: Run) -> None:
    assert run('Replace([missing], "a", , , "b", , )') is None


def test_invalid_pattern_from_an_attribute_fails_at_evaluation(run: Run) -> None:
    with pytest.raises(ExpressionEvaluationError, match="invalid regular expression"):
        run('Replace([a], , [pattern], , "", , )', a="x", pattern="(")


@pytest.mark.parametrize(
    ("dotnet", "python"),
    [
        ("(?<name>a)", "(?P<name>a)"),
        ("(?'name'a)", "(?P<name>a)"),
        ("(?<n>a)\\k<n>", "(?P<n>a)(?P=n)"),
        ("(?<=a)b(?<!c)", "(?<=a)b(?<!c)"),
        ("[(?<x>)]", "[(?<x>)]"),
        ("[]a](?<g>b)", "[]a](?P<g>b)"),
        ("a\\z", "a\\Z"),
        ("\\(?<x>", "\\(?<x>"),
    ],
)
def test_dotnet_pattern_dialect(dotnet: str, python: str) -> None:
    assert to_python_pattern(dotnet) == python


def test_unsupported_dotnet_constructs_are_refused() -> None:
    with pytest.raises(ValueError, match="Unicode category"):
        to_python_pattern("\\p{L}+")
    with pytest.raises(ValueError, match="balancing or numbered"):
        to_python_pattern("(?<open-close>a)")
