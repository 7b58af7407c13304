"""String functions: the reference's examples, then null and edge cases."""

from __future__ import annotations

import pytest

from syncengine.expressions import ExpressionEvaluationError

from .conftest import Run


def test_append_documented_example(run: Run) -> None:
    assert run('Append([userPrincipalName], ".test")', userPrincipalName="John.Doe@contoso.com") == (
        "John.Doe@contoso.com.test"
    )


def test_append_null_source_is_null_and_null_suffix_adds_nothing(run: Run) -> None:
    assert run('Append([missing], ".test")') is None
    assert run("Append([a], [missing])", a="x") == "x"


def test_cstr_converts_numbers_booleans_and_references(run: Run) -> None:
    assert run("CStr([dn])", dn="cn=Joe,dc=contoso,dc=com") == "cn=Joe,dc=contoso,dc=com"
    assert run("CStr([n])", n=42) == "42"
    assert run("CStr([b])", b=True) == "True"
    assert run("CStr([missing])") is None


def test_convert_to_base64_is_utf16_base64(run: Run) -> None:
    assert run('ConvertToBase64("Hello world!")') == "SABlAGwAbABvACAAdwBvAHIAbABkACEA"
    assert run("ConvertToBase64([missing])") is None


def test_convert_to_utf8_hex_is_uppercase_hex_of_utf8(run: Run) -> None:
    assert run('ConvertToUTF8Hex("Hello world!")') == "48656C6C6F20776F726C6421"
    assert run('ConvertToUTF8Hex("é")') == "C3A9"


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ('InStr("The quick brown fox","quick")', 5),
        ('InStr("repEated","e",3,vbBinaryCompare)', 7),
        ('InStr("repEated","e",3,vbTextCompare)', 4),
        ('InStr("repEated","E")', 4),
        ('InStr("abc","z")', 0),
        ('InStr("abc","c",9)', 0),
        ('InStr("abc","")', 1),
        ('InStr([missing],"a")', None),
    ],
)
def test_instr_is_one_based_and_zero_when_absent(run: Run, expression: str, result: int | None) -> None:
    assert run(expression) == result


def test_instr_start_below_one_fails(run: Run) -> None:
    with pytest.raises(ExpressionEvaluationError, match="start must be 1 or more"):
        run('InStr("abc","a",0)')


def test_join_documented_examples(run: Run) -> None:
    assert run('Join(", ", "", [surname], [givenName])', givenName="John", surname="Doe") == "Doe, John"
    to_lower = (
        'ToLower(Join("@", NormalizeDiacritics(StripSpaces(Join(".", [First], [Last]))), "contoso.com"))'
    )
    assert run(to_lower, First="John", Last="Smith") == "john.smith@contoso.com"


def test_join_flattens_multi_valued_sources_and_skips_null_and_empty(run: Run) -> None:
    assert run('Join(";", [proxies], [missing], "", [n])', proxies=["a", "b"], n=7) == "a;b;7"
    assert run('Join(",", Split("x,y", ","), "z")') == "x,y,z"
    assert run('Join(",", [missing])') == ""


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ('Left("John Doe", 3)', "Joh"),
        ('Left("John Doe", 0)', ""),
        ('Left("John Doe", -1)', "John Doe"),
        ('Left("Jo", 5)', "Jo"),
        ("Left([missing], 3)", ""),
    ],
)
def test_left_documented_rules(run: Run, expression: str, result: str) -> None:
    assert run(expression) == result


def test_mid_is_one_based_and_stops_at_the_end(run: Run) -> None:
    expression = "Append(Mid([givenName], 1, 3), Mid([surname], 1, 5))"
    assert run(expression, givenName="John", surname="Doe") == "JohDoe"
    assert run('Mid("abcdef", 3, 2)') == "cd"
    assert run('Mid("abc", 5, 2)') == ""
    assert run("Mid([missing], 1, 2)") is None
    with pytest.raises(ExpressionEvaluationError, match="start must be 1 or more"):
        run('Mid("abc", 0, 2)')


@pytest.mark.parametrize(
    ("source", "result"),
    [
        ("Zoë", "Zoe"),
        ("Jéssica Smith", "Jessica Smith"),
        ("æble Ærø", "aeble AEroe"),
        ("Straße", "Strasse"),
        ("Łódź", "Lodz"),
        ("ǣ Ǟ ḹ", "ae A l"),
        ("İstanbul ılık", "Istanbul ilik"),
        ("Ø̄ œ̄", "OE oe"),
        ("plain", "plain"),
    ],
)
def test_normalize_diacritics_follows_the_reference_table(run: Run, source: str, result: str) -> None:
    assert run("NormalizeDiacritics([givenName])", givenName=source) == result


@pytest.mark.parametrize(
    ("expression", "source", "result"),
    [
        ("PCase([firstName])", {"firstName": "PABLO GONSALVES (SECOND)"}, "Pablo Gonsalves (Second)"),
        ('PCase([lastName]," \'-")', {"lastName": "PINTO-DE'SILVA"}, "Pinto-De'Silva"),
        (
            'PCase(Join(" ",[firstName],[lastName]))',
            {"firstName": "GREGORY", "lastName": "JAMES"},
            "Gregory James",
        ),
        ('PCase([a], " ")', {"a": "anne-marie o'neil"}, "Anne-marie O'neil"),
        ("PCase([a])", {"a": "anne-marie_o'neil"}, "Anne-Marie_O'Neil"),
    ],
)
def test_pcase_documented_examples(run: Run, expression: str, source: dict[str, str], result: str) -> None:
    assert run(expression, **source) == result


def test_split_returns_a_list(run: Run) -> None:
    # The reference's example shows the item after ", " without its leading space.
    assert run(
        'Split([extensionAttribute5], ",")', extensionAttribute5="PermissionSetOne, PermissionSetTwo"
    ) == [
        "PermissionSetOne",
        "PermissionSetTwo",
    ]
    assert run('Split("a;;b", ";")') == ["a", "", "b"]
    assert run('Split([missing], ",")') is None


def test_strip_spaces_removes_only_space_characters(run: Run) -> None:
    assert run('StripSpaces(" a b\tc ")') == "ab\tc"


def test_to_lower_and_to_upper_invariant_and_with_culture(run: Run) -> None:
    assert run('ToLower("JOHN.Smith")') == "john.smith"
    assert run('ToUpper("straße")') == "STRAßE"  # one character stays one character, as in .NET
    assert run('ToLower("TITLE", "tr-TR")') == "tıtle"
    assert run('ToUpper("istanbul", "tr-TR")') == "İSTANBUL"
    assert run('ToUpper("istanbul", "en-US")') == "ISTANBUL"
    assert run("ToLower([missing])") is None
    with pytest.raises(ExpressionEvaluationError, match="culture must be a name"):
        run('ToLower("A", "not a culture")')


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ('Word("The quick brown fox",3," ")', "brown"),
        ('Word("This,string!has&many separators",3,",!&#")', "has"),
        ('Word("The quick",0," ")', ""),
        ('Word("The quick",3," ")', ""),
        ('Word([missing],1," ")', ""),
        ('Word("a,,b",2,",")', "b"),
    ],
)
def test_word_documented_rules(run: Run, expression: str, result: str) -> None:
    assert run(expression) == result


def test_string_function_refuses_several_values(run: Run) -> None:
    with pytest.raises(
        ExpressionEvaluationError, match="ToLower: source must be a single value, got 2 values"
    ):
        run("ToLower([proxyAddresses])", proxyAddresses=["a", "b"])
    assert run("ToLower([one])", one=["A"]) == "a"
