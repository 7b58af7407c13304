"""The parser: every syntactic form, its canonical rendering, and every syntax error with its column."""

from __future__ import annotations

import pytest

from syncengine.expressions import (
    Attribute,
    Comparison,
    Concat,
    ExpressionSyntaxError,
    FunctionCall,
    Keyword,
    NumberLiteral,
    Omitted,
    StringLiteral,
    parse,
)


def test_function_call_with_attribute_and_string_arguments() -> None:
    assert parse('Append([userPrincipalName], ".test")') == FunctionCall(
        "Append", (Attribute("userPrincipalName"), StringLiteral(".test"))
    )


def test_nested_calls() -> None:
    tree = parse('ToLower(Join("@", StripSpaces([a]), "contoso.com"))')
    assert tree == FunctionCall(
        "ToLower",
        (
            FunctionCall(
                "Join",
                (
                    StringLiteral("@"),
                    FunctionCall("StripSpaces", (Attribute("a"),)),
                    StringLiteral("contoso.com"),
                ),
            ),
        ),
    )


@pytest.mark.parametrize(
    "name",
    [
        "extensionAttribute1",
        "onPremisesExtensionAttributes.extensionAttribute1",
        "extension_ab12_cost-center",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
    ],
)
def test_attribute_names_may_hold_dots_hyphens_and_colons(name: str) -> None:
    assert parse(f"[{name}]") == Attribute(name)


def test_top_level_attribute_and_constant_are_expressions() -> None:
    assert parse("[mail]") == Attribute("mail")
    assert parse('"true"') == StringLiteral("true")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r'"Company name: \"Contoso\""', 'Company name: "Contoso"'),
        (r'"a\\b"', "a\\b"),
        ('""', ""),
        (r'"\\+(?<isd>\\d*)"', r"\+(?<isd>\d*)"),
        ('"multi\nline"', "multi\nline"),
    ],
)
def test_string_escapes(text: str, value: str) -> None:
    assert parse(text) == StringLiteral(value)


def test_numbers_decimal_negative_and_vba_hexadecimal() -> None:
    assert parse('Left("John Doe", 3)').args[1] == NumberLiteral(3)
    assert parse('DateAdd("d", -10, [x])').args[1] == NumberLiteral(-10)
    assert parse("BitAnd(&HF, &hf7)") == FunctionCall(
        "BitAnd", (NumberLiteral(15, True), NumberLiteral(0xF7, True))
    )


def test_empty_arguments_are_omitted_including_trailing_ones() -> None:
    tree = parse('Replace([mail], "@contoso.com", , ,"", ,)')
    assert isinstance(tree, FunctionCall)
    assert len(tree.args) == 7
    assert [type(a).__name__ for a in tree.args] == [
        "Attribute",
        "StringLiteral",
        "Omitted",
        "Omitted",
        "StringLiteral",
        "Omitted",
        "Omitted",
    ]


def test_no_arguments_versus_one_empty_pair() -> None:
    assert parse("Guid()") == FunctionCall("Guid", ())
    assert parse("Guid( )") == FunctionCall("Guid", ())
    assert parse("F(,)") == FunctionCall("F", (Omitted(), Omitted()))


@pytest.mark.parametrize("op", ["=", "<>", "<", "<=", ">", ">="])
def test_comparison_operators(op: str) -> None:
    assert parse(f'IIF([country]{op}"USA", "a", "b")').args[0] == Comparison(
        op, Attribute("country"), StringLiteral("USA")
    )


def test_concatenation_binds_tighter_than_comparison() -> None:
    tree = parse('[a] & "-" & [b] = "x-y"')
    assert tree == Comparison(
        "=", Concat((Attribute("a"), StringLiteral("-"), Attribute("b"))), StringLiteral("x-y")
    )


def test_bare_name_is_a_keyword() -> None:
    assert parse('InStr("a", "b", 1, vbTextCompare)').args[3] == Keyword("vbTextCompare")


def test_whitespace_and_newlines_between_tokens() -> None:
    text = 'SelectUniqueValue(\n    Join("@", [a], "x"),\n\tJoin("@", [b], "x")\n)'
    assert parse(text) == parse('SelectUniqueValue(Join("@",[a],"x"),Join("@",[b],"x"))')


def test_offsets_do_not_affect_equality() -> None:
    assert parse("  [a]") == parse("[a]")
    assert parse("  [a]").offset == 2


DOCUMENTED_EXPRESSIONS = [
    'Append([userPrincipalName], ".test")',
    "BitAnd(&HF, &HF7)",
    "CBool([attribute1] = [attribute2])",
    'FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")',
    'IIF([country] = "USA", IIF([state] = "CA", "True", "False"), "False")',
    'InStr("repEated", "e", 3, vbBinaryCompare)',
    'Replace([telephoneNumber], , "\\\\+(?<isdCode>\\\\d* )(?<phoneNumber>\\\\d{10})", , "${phoneNumber}", , )',
    'Replace([mail], "@contoso.com", , , "", , )',
    'Switch([Active], , "1", IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True"), "0", "False")',
    'Join("", 1000, Replace(ConvertToUTF8Hex([objectId]), , "[a-zA-Z_]*", , "", , ))',
    'Company("Company name: \\"Contoso\\" \\\\ x")',
    'IIF([employeeType] = "Intern", "t-" & [alias], [alias])',
    "AltSecIdFromNetId([netId])",
    'DateAdd("d", -10, CDate([StatusHireDate]))',
]


@pytest.mark.parametrize("text", DOCUMENTED_EXPRESSIONS)
def test_render_is_canonical_and_round_trips(text: str) -> None:
    tree = parse(text)
    assert tree.render() == text
    assert parse(tree.render()) == tree


def test_render_normalises_spacing() -> None:
    assert parse('Replace([mail],"@x",,,"",,)').render() == 'Replace([mail], "@x", , , "", , )'
    assert parse('IIF([a]="1",[b],[c])').render() == 'IIF([a] = "1", [b], [c])'


SYNTAX_ERRORS = [
    ('Join(",", [a]', "expected ')' at column 14"),
    ('Join("," [a])', "expected ',' or ')' at column 10"),
    ('Join(",", $)', "expected an expression at column 11"),
    ("", "expected an expression at column 1"),
    ("   ", "expected an expression at column 4"),
    ("Guid() x", "expected end of expression at column 8"),
    ("[a] [b]", "expected end of expression at column 5"),
    ('Append("abc', "expected '\"' at column 12; the string that opens at column 8 is not closed"),
    ('"a\\d"', "expected '\\' or '\"' after a backslash at column 4"),
    ("[]", "expected an attribute name at column 2"),
    ("[display name]", "expected ']' at column 9"),
    ("[mail", "expected ']' at column 6"),
    ("Left([a], -)", "expected a digit after '-' at column 12"),
    ("BitAnd(&H, 1)", "expected a hexadecimal digit after '&H' at column 10"),
    ("Join(", "expected an expression at column 6"),
    ('[a] = [b] = "c"', "expected end of expression at column 11"),
    ("[a] & ", "expected an expression at column 7"),
    ('"a" "b"', "expected end of expression at column 5"),
    ("(1)", "expected an expression at column 1"),
    ("Left([a], 1.5)", "expected ',' or ')' at column 12"),
]


@pytest.mark.parametrize(("text", "message"), SYNTAX_ERRORS)
def test_syntax_errors_say_what_was_expected_and_where(text: str, message: str) -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse(text)
    assert caught.value.message == message


def test_syntax_error_shows_the_line_with_a_caret() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse('Join(",", [a]')
    assert str(caught.value) == "expected ')' at column 14\n  Join(\",\", [a]\n               ^"
    assert caught.value.column == 14


def test_syntax_error_in_multiline_expression_names_the_line() -> None:
    with pytest.raises(ExpressionSyntaxError) as caught:
        parse('Join(",",\n  [a] [b])')
    error = caught.value
    assert error.message == "expected ',' or ')' at line 2, column 7"
    assert str(error).splitlines()[1:] == ["    [a] [b])", "        ^"]
