"""Who is in scope: assignment, the built-in "Filter external users" and the scoping filters.

Reference §2.4–2.5. A source user is in scope when it is an internal member of the source tenant, is
entitled (``SyncAll`` or assigned directly or through a directly assigned group) and passes the scoping
filters (clauses ANDed inside a filter group, groups ORed, no groups = pass). Activity is *not* part of
scope here: a disabled linked user is updated to disabled, not deleted; the cycle handles that.

Operator semantics follow the scoping-filter page (``define-conditional-rules-for-provisioning-user-
accounts``): string comparisons are case-sensitive, a null or empty attribute makes every clause false
except ``IS_NULL``, and ``NOT_REGEX_MATCH`` is false for a null attribute.
"""

from __future__ import annotations

import functools
import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncengine.client import GraphClient
from syncengine.errors import NotFoundError, SyncEngineError
from syncengine.expressions.dotnet_regex import to_python_pattern
from syncengine.expressions.values import resolve_attribute
from syncengine.model import FilterClause, FilterGroup, FilterOperator, ScopeConfig

log = logging.getLogger(__name__)

#: The service's name for its built-in filter, as the scoping step shows it (reference §2.4).
EXTERNAL_FILTER_GROUP = "Filter external users"
EXTERNAL_FILTER_KEY = f"{EXTERNAL_FILTER_GROUP}.alternativeSecurityIds EQUALS 'None'"

#: ``provisioningStep.details`` of the scoping step, keyed as the provisioning logs show them.
DETAIL_ACTIVE = "Active in the source system"
DETAIL_ASSIGNED = "Assigned to the application"
DETAIL_ROLE = "User has the required role"
DETAIL_FILTER_PASSED = "Scoping filter evaluation passed"
DETAIL_RESULT = "ScopeEvaluationResult"

SCOPING_DESCRIPTION = "Determine if User in scope by evaluating against each scoping filter"
SKIP_NOT_ENTITLED = "NotEffectivelyEntitled"

#: Skip texts of the provisioning logs (reference §3.1); the external-user one is ours.
REASON_NOT_ASSIGNED = "This object is not assigned to the application"
REASON_FILTERED = "This object did not pass a scoping filter"
REASON_EXTERNAL = "This object is not an internal member of the source tenant"

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

_EXTERNAL_ISSUERS = frozenset({"externalazuread", "microsoftaccount", "mail"})


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


# -- the built-in external-user filter -------------------------------------------------------------


def is_internal_member(user: Mapping[str, Any]) -> bool:
    """The built-in "Filter external users": only internal members of the source are synchronized."""
    user_type = user.get("userType") or "Member"
    if str(user_type).lower() != "member":
        return False
    if user.get("creationType") == "Invitation":
        return False
    if "#ext#" in str(user.get("userPrincipalName") or "").lower():
        return False
    for identity in user.get("identities") or ():
        if not isinstance(identity, Mapping):
            continue
        if str(identity.get("signInType") or "").lower() == "federated":
            return False
        if str(identity.get("issuer") or "").lower() in _EXTERNAL_ISSUERS:
            return False
    return True


# -- assignment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignments:
    """The users and groups assigned to the configuration's service principal."""

    user_ids: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()


def load_assignments(client: GraphClient, service_principal_id: str) -> Assignments:
    """Read ``appRoleAssignedTo`` of the source service principal (all pages)."""
    users: set[str] = set()
    groups: set[str] = set()
    for page in client.pages(f"/servicePrincipals/{service_principal_id}/appRoleAssignedTo"):
        for assignment in page:
            kind = assignment.get("principalType")
            if kind == "User":
                users.add(assignment["principalId"])
            elif kind == "Group":
                groups.add(assignment["principalId"])
    return Assignments(frozenset(users), frozenset(groups))


def group_members(client: GraphClient, group_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The DIRECT user members of each group; nested groups are not expanded (reference §2.4)."""
    members: dict[str, frozenset[str]] = {}
    for gid in group_ids:
        found: set[str] = set()
        try:
            for page in client.pages(f"/groups/{gid}/members", {"$select": "id", "$top": "999"}):
                found.update(
                    m["id"] for m in page if m.get("@odata.type") == "#microsoft.graph.user" and "id" in m
                )
        except NotFoundError:  # the group went away after it was assigned: it entitles nobody
            log.info("assigned group %s no longer exists", gid)
        members[gid] = frozenset(found)
    return members


def assigned_user_ids(assignments: Assignments, members: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Users assigned directly or as direct members of an assigned group."""
    out = set(assignments.user_ids)
    for gid in assignments.group_ids:
        out.update(members.get(gid, frozenset()))
    return frozenset(out)


# -- the decision ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeDecision:
    """The scoping step's outcome for one source user."""

    in_scope: bool
    skip_reason: str | None
    details: dict[str, str] = field(default_factory=dict)
    description: str = SCOPING_DESCRIPTION
    #: why it is out of scope, in the provisioning logs' words (empty when in scope)
    reasons: tuple[str, ...] = ()

    def skip_message(self, display_name: str) -> str:
        """The skip text of the provisioning logs: "The User 'x' will be skipped due to ..."."""
        listed = " ".join(f"{i}) {reason}." for i, reason in enumerate(self.reasons, 1))
        return f"The User '{display_name}' will be skipped due to the following reasons: {listed}"


def _flag(value: bool) -> str:
    return "True" if value else "False"


def decide(user: Mapping[str, Any], *, scope: ScopeConfig, assigned: bool) -> ScopeDecision:
    """In scope = internal member AND (sync all OR assigned) AND the scoping filters pass."""
    internal = is_internal_member(user)
    entitled = scope.sync_all or assigned
    if internal:
        passed, results = evaluate_filters(scope.filter_groups, user)
    else:  # the built-in filter is evaluated first; the service shows only it for an external user
        passed, results = False, {EXTERNAL_FILTER_KEY: False}
    reasons: list[str] = []
    if not internal:
        reasons.append(REASON_EXTERNAL)
    if not entitled:
        reasons.append(REASON_NOT_ASSIGNED)
    if internal and not passed:
        reasons.append(REASON_FILTERED)
    in_scope = not reasons
    details = {
        DETAIL_ACTIVE: _flag(user.get("accountEnabled") is not False),
        DETAIL_ASSIGNED: _flag(entitled),
        DETAIL_ROLE: _flag(entitled),
        DETAIL_FILTER_PASSED: _flag(internal and passed),
        DETAIL_RESULT: json.dumps(results, separators=(",", ":"), ensure_ascii=False),
    }
    return ScopeDecision(
        in_scope=in_scope,
        skip_reason=None if in_scope else SKIP_NOT_ENTITLED,
        details=details,
        reasons=tuple(reasons),
    )


__all__ = [
    "EXTERNAL_FILTER_GROUP",
    "EXTERNAL_FILTER_KEY",
    "SKIP_NOT_ENTITLED",
    "Assignments",
    "ScopeConfigError",
    "ScopeDecision",
    "assigned_user_ids",
    "attribute_value",
    "clause_key",
    "decide",
    "evaluate_clause",
    "evaluate_filters",
    "group_members",
    "is_internal_member",
    "is_null",
    "load_assignments",
    "validate_filters",
]
