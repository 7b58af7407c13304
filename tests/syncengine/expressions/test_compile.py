"""Compile-time checks against the function catalogue, and what a compiled expression reports."""

from __future__ import annotations

import pytest

from syncengine.expressions import (
    FUNCTIONS,
    MAX_EXPRESSION_LENGTH,
    CompiledExpression,
    ExpressionError,
    ExpressionSyntaxError,
    FunctionCall,
    StringLiteral,
    compile,
)


def error_of(text: str) -> ExpressionError:
    with pytest.raises(ExpressionError) as caught:
        compile(text)
    return caught.value


def test_unknown_function_is_reported_with_its_position() -> None:
    error = error_of('Append(Frobnicate([a]), "x")')
    assert error.message == "unknown function 'Frobnicate' at column 8"
    assert str(error).splitlines()[1:] == ['  Append(Frobnicate([a]), "x")', "         ^"]
    assert error.column == 8


def test_function_names_are_case_sensitive_with_a_hint() -> None:
    error = error_of('iif([a] = "1", "x", "y")')
    assert error.message == (
        "unknown function 'iif' at column 1; "
        "function names are case-sensitive: did you mean IIF(condition, valueIfTrue, valueIfFalse)?"
    )


def test_near_miss_suggests_the_documented_signature() -> None:
    assert "did you mean Append(source, suffix)?" in error_of('Apend([a], "x")').message


def test_right_and_trim_are_not_provisioning_functions() -> None:
    assert "unknown function 'Right'" in error_of("Right([a], 2)").message
    assert "unknown function 'Trim'" in error_of("Trim([a])").message


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Mid([a], 1)", "Mid takes 3 arguments, got 2 at column 1; signature: Mid(source, start, length)"),
        ("Guid([a])", "Guid takes 0 arguments, got 1 at column 1; signature: Guid()"),
        (
            "ToLower()",
            "ToLower takes 1 to 2 arguments, got 0 at column 1; signature: ToLower(source, culture)",
        ),
        (
            'Join(",")',
            "Join takes at least 2 arguments, got 1 at column 1; "
            "signature: Join(separator, source1, source2, ...)",
        ),
        (
            'Replace([a], "b", , , "c")',
            "Replace takes 7 arguments, got 5 at column 1; signature: Replace(source, "
            "oldValue, regexPattern, regexGroupName, replacementValue, replacementAttributeName, template)",
        ),
        (
            "SelectUniqueValue([a])",
            "SelectUniqueValue takes at least 2 arguments, got 1 at column 1; "
            "signature: SelectUniqueValue(uniqueValueRule1, uniqueValueRule2, ...)",
        ),
    ],
)
def test_wrong_argument_count_names_the_documented_signature(text: str, message: str) -> None:
    assert error_of(text).message == message


def test_a_required_argument_may_not_be_left_empty() -> None:
    message = error_of("Mid(, 1, 2)").message
    assert (
        message
        == "Mid: argument 1 (source) may not be empty at column 5; signature: Mid(source, start, length)"
    )


def test_switch_needs_key_value_pairs() -> None:
    message = error_of('Switch([a], "d", "k1", "v1", "k2")').message
    assert "key and value arguments must come in pairs" in message
    compile('Switch([Active], , "1", "True", "0", "False")')


def test_select_unique_value_cannot_be_nested() -> None:
    message = error_of("ToLower(SelectUniqueValue([a], [b]))").message
    assert message == "SelectUniqueValue must be the whole expression; it cannot be nested at column 9"


def test_replace_needs_a_documented_combination_of_arguments() -> None:
    assert (
        "write oldValue with replacementValue or template" in error_of('Replace([a], "x", , , , , )').message
    )


def test_replace_checks_a_constant_pattern_and_group_name() -> None:
    assert "invalid regular expression" in error_of('Replace([a], , "(", , "", , )').message
    assert "no group named 'nope'" in error_of('Replace([a], , "(?<n>x)", "nope", "", , )').message


def test_unknown_bare_name_is_rejected() -> None:
    message = error_of('IIF([a] = True, "x", "y")').message
    assert message.startswith(
        "unknown name 'True' at column 11; string constants are written in double quotes"
    )


def test_documented_but_unsupported_function() -> None:
    message = error_of("AppRoleAssignmentsComplex([appRoleAssignments])").message
    assert message == "AppRoleAssignmentsComplex is documented but not supported by ccsync at column 1"


def test_expression_length_limit() -> None:
    compile('"' + "x" * (MAX_EXPRESSION_LENGTH - 2) + '"')
    assert "maximum is 10,000" in error_of('"' + "x" * (MAX_EXPRESSION_LENGTH - 1) + '"').message


def test_syntax_errors_are_expression_errors() -> None:
    with pytest.raises(ExpressionSyntaxError):
        compile("Join(")
    assert issubclass(ExpressionSyntaxError, ExpressionError)


def test_attributes_lists_each_source_attribute_once_in_order() -> None:
    compiled = compile('Join(" ", [givenName], IIF([surname] = "", [givenName], [surname]), [mail])')
    assert compiled.attributes == ("givenName", "surname", "mail")
    assert compile("AltSecIdFromNetId([netId])").attributes == ("netId",)
    assert compile('"Member"').attributes == ()


def test_compiling_a_tree_and_rendering_it_back() -> None:
    compiled = compile(FunctionCall("ToUpper", (StringLiteral("a"),)))
    assert isinstance(compiled, CompiledExpression)
    assert compiled.render() == 'ToUpper("a")'


def test_redact_is_reported_so_logs_can_hide_the_value() -> None:
    assert compile("Redact([userPrincipalName])").redacted
    assert not compile("[userPrincipalName]").redacted


def test_catalogue_holds_every_documented_function() -> None:
    documented = {
        "Append",
        "AppRoleAssignmentsComplex",
        "BitAnd",
        "CBool",
        "CDate",
        "Coalesce",
        "ConvertToBase64",
        "ConvertToUTF8Hex",
        "Count",
        "CStr",
        "DateAdd",
        "DateDiff",
        "DateFromNum",
        "FormatDateTime",
        "Guid",
        "IgnoreFlowIfNullOrEmpty",
        "IIF",
        "InStr",
        "IsNull",
        "IsNullOrEmpty",
        "IsPresent",
        "IsString",
        "Item",
        "Join",
        "Left",
        "Mid",
        "NormalizeDiacritics",
        "Not",
        "Now",
        "NumFromDate",
        "PCase",
        "RandomString",
        "Redact",
        "RemoveDuplicates",
        "Replace",
        "SelectUniqueValue",
        "SingleAppRoleAssignment",
        "Split",
        "StripSpaces",
        "Switch",
        "ToLower",
        "ToUpper",
        "Word",
        "AltSecIdFromNetId",
    }
    assert set(FUNCTIONS) == documented
