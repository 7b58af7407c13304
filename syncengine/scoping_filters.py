"""Scoping filters: how one clause judges an attribute value, and which filters the service refuses.

Reference §2.5. Operator semantics follow the scoping-filter page (``define-conditional-rules-for-
provisioning-user-accounts``): string comparisons are case-sensitive, a null or empty attribute makes
every clause false except ``IS_NULL``, and ``NOT_REGEX_MATCH`` is false for a null attribute. Clauses
are ANDed inside a filter group and groups ORed; ``scope.decide`` combines the result with assignment
and the built-in external-user filter.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from syncengine.errors import SyncEngineError
from syncengine.expressions.dotnet_regex import to_python_pattern
from syncengine.expressions.values import resolve_attribute
from syncengine.model import FilterClause, FilterGroup, FilterOperator

_UNARY = frozenset(
    {FilterOperator.IS_TRUE, FilterOperator.IS_FALSE, FilterOperator.IS_NULL, FilterOperator.IS_NOT_NULL}
)
_INTEGER_OPERATORS = frozenset({FilterOperator.GREATER_THAN, FilterOperator.GREATER_THAN_OR_EQUALS})
_REGEX_OPERATORS = frozenset({FilterOperator.REGEX_MATCH, FilterOperator.NOT_REGEX_MATCH})

# Source attributes a scoping filter cannot use (reference §2.5), lower-cased. Multi-valued and complex
# user properties, dates, references and the two the docs name.
_MULTI_VALUED = frozenset(
    name.lower()
    for name in (
        "alternativeSecurityIds",
        "assignedLicenses",
        "assignedPlans",
        "businessPhones",
        "deviceKeys",
        "identities",
        "imAddresses",
        "infoCatalogs",
        "interests",
        "licenseAssignmentStates",
        "otherMails",
        "pastProjects",
        "provisionedPlans",
        "proxyAddresses",
        "responsibilities",
        "schools",
        "skills",
        "onPremisesProvisioningErrors",
        "onPremisesExtensionAttributes",
        "authorizationInfo",
        "employeeOrgData",
        "passwordProfile",
        "signInActivity",
        "customSecurityAttributes",
        "memberOf",
        "transitiveMemberOf",
        "members",
        "directReports",
        "appRoleAssignments",
    )
)
_DATES = frozenset(
    name.lower()
    for name in (
        "birthday",
        "createdDateTime",
        "deletedDateTime",
        "employeeHireDate",
        "employeeLeaveDateTime",
        "externalUserStateChangeDateTime",
        "hireDate",
        "lastPasswordChangeDateTime",
        "onPremisesLastSyncDateTime",
        "refreshTokensValidFromDateTime",
        "signInSessionsValidFromDateTime",
    )
)
_NAMED_UNSUPPORTED = {
    "ismemberof": "IsMemberOf is not supported in scoping filters",
    "usertype": "userType is not available as a scoping attribute",
    "manager": "manager is a reference attribute and cannot be used in scoping filters",
}


class ScopeConfigError(SyncEngineError, ValueError):
    """A scoping filter the service would refuse: the message names the group, the clause and why."""


# -- attribute values ------------------------------------------------------------------------------


def attribute_value(user: Mapping[str, Any], name: str) -> Any:
    """A source attribute's value, looked up as expressions look it up (``extensionAttributeN`` too)."""
    return resolve_attribute(user, name)


def is_null(value: Any) -> bool:
    """Null for the provisioning service: None, an empty string or an empty collection."""
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _text(value: Any) -> str | None:
    """A single value as .NET would render it; None for collections (multi-valued: not filterable)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return None


def _integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return None
    return None


def _boolean(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):  # .NET bool.Parse: "True"/"False", any case
        lowered = value.strip().lower()
        if lowered in ("true", "false"):
            return lowered == "true"
    return None


@functools.lru_cache(maxsize=256)
def dotnet_regex(pattern: str) -> re.Pattern[str]:
    """A .NET regular expression compiled with Python's ``re``; ``ValueError`` when it can't be used."""
    try:
        return re.compile(to_python_pattern(pattern))
    except re.error as e:
        raise ValueError(str(e)) from e


def _regex_search(pattern: str, text: str) -> bool:
    try:
        return dotnet_regex(pattern).search(text) is not None
    except ValueError:
        return False


# -- clauses and groups ----------------------------------------------------------------------------


def clause_key(group_name: str, clause: FilterClause) -> str:
    """The clause's key in ``ScopeEvaluationResult``: ``"<group>.<attribute> <OPERATOR> '<value>'"``."""
    value = clause.values[0] if clause.values else ""
    return f"{group_name}.{clause.attribute} {clause.operator.value} '{value}'"


def _string_clause(test: Callable[[str, str], bool]) -> Callable[[Any, str], bool]:
    def check(value: Any, operand: str) -> bool:
        text = _text(value)
        return text is not None and test(text, operand)

    return check


def _integer_clause(test: Callable[[int, int], bool]) -> Callable[[Any, str], bool]:
    def check(value: Any, operand: str) -> bool:
        left, right = _integer(value), _integer(operand)
        return left is not None and right is not None and test(left, right)

    return check


_BINARY: dict[FilterOperator, Callable[[Any, str], bool]] = {
    FilterOperator.EQUALS: _string_clause(lambda text, operand: text == operand),
    FilterOperator.NOT_EQUALS: _string_clause(lambda text, operand: text != operand),
    FilterOperator.ENDS_WITH: _string_clause(lambda text, operand: text.endswith(operand)),
    FilterOperator.INCLUDES: _string_clause(lambda text, operand: operand in text),
    # "the evaluated attribute exists in the input string value": the attribute inside the operand
    FilterOperator.AMPERSAND: _string_clause(lambda text, operand: text in operand),
    FilterOperator.NOT_AMPERSAND: _string_clause(lambda text, operand: text not in operand),
    FilterOperator.GREATER_THAN: _integer_clause(lambda left, right: left > right),
    FilterOperator.GREATER_THAN_OR_EQUALS: _integer_clause(lambda left, right: left >= right),
    FilterOperator.REGEX_MATCH: _string_clause(lambda text, operand: _regex_search(operand, text)),
    FilterOperator.NOT_REGEX_MATCH: _string_clause(
        lambda text, operand: not _regex_search(operand, text) and _regex_valid(operand)
    ),
}


def _regex_valid(pattern: str) -> bool:
    try:
        dotnet_regex(pattern)
    except ValueError:
        return False
    return True


def evaluate_clause(clause: FilterClause, value: Any) -> bool:
    """One clause against one attribute value; never raises (a value it can't judge makes it false)."""
    op = clause.operator
    if op is FilterOperator.IS_NULL:
        return is_null(value)
    if is_null(value):
        return False
    if op is FilterOperator.IS_NOT_NULL:
        return True
    if op is FilterOperator.IS_TRUE:
        return _boolean(value) is True
    if op is FilterOperator.IS_FALSE:
        return _boolean(value) is False
    if not clause.values:
        return False
    return _BINARY[op](value, clause.values[0])


def evaluate_filters(
    groups: tuple[FilterGroup, ...], user: Mapping[str, Any]
) -> tuple[bool, dict[str, bool]]:
    """Whether ``user`` passes the scoping filters, and the ``ScopeEvaluationResult`` map.

    Every clause is evaluated (no short-circuit) so the map explains the whole decision.
    """
    if not groups:
        return True, {}
    results: dict[str, bool] = {}
    passed = False
    for group in groups:
        group_passed = True
        for clause in group.clauses:
            outcome = evaluate_clause(clause, attribute_value(user, clause.attribute))
            results[clause_key(group.name, clause)] = outcome
            group_passed = group_passed and outcome
        passed = passed or group_passed
    return passed, results


def _unsupported_reason(attribute: str) -> str | None:
    lowered = attribute.lower()
    if lowered in _NAMED_UNSUPPORTED:
        return _NAMED_UNSUPPORTED[lowered]
    if lowered in _MULTI_VALUED:
        return (
            f"{attribute} is multi-valued or complex; filtering is not supported for multi-valued attributes"
        )
    if lowered in _DATES:
        return f"{attribute} is a date; date-type attributes are not supported in scoping filters"
    return None


def validate_filters(groups: Iterable[FilterGroup]) -> None:
    """Refuse filter groups the service would not accept; raises ``ScopeConfigError``."""
    for group in groups:
        if not group.name.strip():
            raise ScopeConfigError("A scoping filter group needs a name (its title).")
        if not group.clauses:
            raise ScopeConfigError(f"Scoping filter '{group.name}' has no clauses.")
        for clause in group.clauses:
            where = f"Scoping filter '{group.name}', clause '{clause_key(group.name, clause)}'"
            reason = _unsupported_reason(clause.attribute)
            if reason:
                raise ScopeConfigError(f"{where}: {reason}.")
            if clause.operator in _UNARY:
                continue
            if len(clause.values) != 1:
                raise ScopeConfigError(
                    f"{where}: operator {clause.operator.value} takes exactly one value, got {len(clause.values)}."
                )
            operand = clause.values[0]
            if clause.operator in _INTEGER_OPERATORS and _integer(operand) is None:
                raise ScopeConfigError(
                    f"{where}: the value of {clause.operator.value} must be an integer, not {operand!r}."
                )
            if clause.operator in _REGEX_OPERATORS:
                try:
                    dotnet_regex(operand)
                except ValueError as e:
                    raise ScopeConfigError(f"{where}: invalid regular expression: {e}.") from e
