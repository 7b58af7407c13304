"""Scope: scoping-filter operators, AND/OR, the built-in external filter, assignment, the decision."""

from __future__ import annotations

import json
from typing import Any

import pytest

from simulator.simulated_graph import SimulatedGraph
from syncengine.client import GraphClient
from syncengine.model import FilterClause, FilterGroup, ScopeConfig
from syncengine.model import FilterOperator as Op
from syncengine.scope import (
    EXTERNAL_FILTER_KEY,
    Assignments,
    assigned_user_ids,
    decide,
    group_members,
    is_internal_member,
    load_assignments,
)
from syncengine.scoping_filters import ScopeConfigError, evaluate_clause, evaluate_filters, validate_filters
from tests.conftest import app_of
from tests.syncengine.pairs import identity

DEFAULT_ROLE = "00000000-0000-0000-0000-000000000000"


def clause(op: Op, *values: str, attribute: str = "a") -> FilterClause:
    return FilterClause(attribute, op, tuple(values))


def member(**extra: Any) -> dict[str, Any]:
    return {
        "id": "u1",
        "userPrincipalName": "ada@contoso.com",
        "userType": "Member",
        "creationType": None,
        "accountEnabled": True,
        "identities": [
            {
                "signInType": "userPrincipalName",
                "issuer": "contoso.com",
                "issuerAssignedId": "ada@contoso.com",
            }
        ],
        **extra,
    }


# -- operators: (operator, values, attribute value, expected) ----------------------------------------

OPERATOR_CASES = [
    (Op.EQUALS, ("Sales",), "Sales", True),
    (Op.EQUALS, ("Sales",), "sales", False),
    (Op.NOT_EQUALS, ("Sales",), "sales", True),
    (Op.NOT_EQUALS, ("Sales",), "Sales", False),
    (Op.ENDS_WITH, ("@contoso.com",), "ada@contoso.com", True),
    (Op.ENDS_WITH, ("@contoso.com",), "ada@CONTOSO.com", False),
    (Op.INCLUDES, ("ale",), "Sales", True),
    (Op.INCLUDES, ("ALE",), "Sales", False),
    (Op.AMPERSAND, ("Sales,Marketing",), "Sales", True),
    (Op.AMPERSAND, ("Sales,Marketing",), "Finance", False),
    (Op.NOT_AMPERSAND, ("Sales,Marketing",), "Finance", True),
    (Op.NOT_AMPERSAND, ("Sales,Marketing",), "Marketing", False),
    (Op.GREATER_THAN, ("1000",), "1001", True),
    (Op.GREATER_THAN, ("1000",), 1000, False),
    (Op.GREATER_THAN, ("1000",), "E1001", False),
    (Op.GREATER_THAN, ("ten",), "11", False),
    (Op.GREATER_THAN_OR_EQUALS, ("1000",), 1000, True),
    (Op.GREATER_THAN_OR_EQUALS, ("1000",), "999", False),
    (Op.GREATER_THAN_OR_EQUALS, ("1000",), "10.5", False),
    (Op.IS_TRUE, (), True, True),
    (Op.IS_TRUE, (), "True", True),
    (Op.IS_TRUE, (), False, False),
    (Op.IS_TRUE, (), "yes", False),
    (Op.IS_FALSE, (), False, True),
    (Op.IS_FALSE, (), "False", True),
    (Op.IS_FALSE, (), True, False),
    (Op.IS_NULL, (), None, True),
    (Op.IS_NULL, (), "", True),
    (Op.IS_NULL, (), [], True),
    (Op.IS_NULL, (), "x", False),
    (Op.IS_NOT_NULL, (), "x", True),
    (Op.IS_NOT_NULL, (), "", False),
    (Op.REGEX_MATCH, ("([1-9][0-9])",), "42", True),
    (Op.REGEX_MATCH, (r".*\@domain.com",), "ada@other.com", False),
    (Op.REGEX_MATCH, ("^(?<dept>S)ales$",), "Sales", True),
    (Op.REGEX_MATCH, ("sales",), "Sales", False),
    (Op.NOT_REGEX_MATCH, (r".*\@domain.com",), "ada@other.com", True),
    (Op.NOT_REGEX_MATCH, (r".*\@domain.com",), "ada@domain.com", False),
]


@pytest.mark.parametrize(("op", "values", "value", "expected"), OPERATOR_CASES)
def test_each_operator_true_and_false_cases(
    op: Op, values: tuple[str, ...], value: Any, expected: bool
) -> None:
    assert evaluate_clause(clause(op, *values), value) is expected


@pytest.mark.parametrize("op", [op for op in Op if op is not Op.IS_NULL])
@pytest.mark.parametrize("null", [None, "", []])
def test_a_null_or_empty_attribute_makes_every_clause_false_except_is_null(op: Op, null: Any) -> None:
    assert evaluate_clause(clause(op, "Sales"), null) is False
    assert evaluate_clause(clause(Op.IS_NULL), null) is True


def test_multi_valued_attribute_never_matches_a_string_operator() -> None:
    assert evaluate_clause(clause(Op.EQUALS, "a"), ["a"]) is False


def test_invalid_regex_is_false_for_both_regex_operators() -> None:
    assert evaluate_clause(clause(Op.REGEX_MATCH, "("), "x") is False
    assert evaluate_clause(clause(Op.NOT_REGEX_MATCH, "("), "x") is False


def test_extension_attributes_are_read_from_on_premises_extension_attributes() -> None:
    user = {"onPremisesExtensionAttributes": {"extensionAttribute1": "CC1917"}}
    group = FilterGroup("Cost centre", (clause(Op.EQUALS, "CC1917", attribute="extensionAttribute1"),))
    assert evaluate_filters((group,), user)[0] is True


# -- groups --------------------------------------------------------------------------------------------

SALES = FilterGroup(
    "Sales in Paris",
    (
        clause(Op.EQUALS, "Sales", attribute="department"),
        clause(Op.EQUALS, "Paris", attribute="city"),
    ),
)
MARKETING = FilterGroup(
    "Marketing department filter", (clause(Op.EQUALS, "Marketing", attribute="department"),)
)


def test_no_filter_groups_pass_everybody() -> None:
    assert evaluate_filters((), {}) == (True, {})


def test_clauses_are_anded_within_a_group() -> None:
    assert evaluate_filters((SALES,), {"department": "Sales", "city": "Paris"})[0] is True
    passed, results = evaluate_filters((SALES,), {"department": "Sales", "city": "Lyon"})
    assert passed is False
    assert results == {
        "Sales in Paris.department EQUALS 'Sales'": True,
        "Sales in Paris.city EQUALS 'Paris'": False,
    }


def test_groups_are_ored() -> None:
    assert evaluate_filters((SALES, MARKETING), {"department": "Marketing", "city": "Lyon"})[0] is True
    assert evaluate_filters((SALES, MARKETING), {"department": "Finance", "city": "Paris"})[0] is False


def test_scope_result_key_matches_the_documented_format() -> None:
    _, results = evaluate_filters((MARKETING,), {"department": "Marketing"})
    assert results == {"Marketing department filter.department EQUALS 'Marketing'": True}


# -- validation ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attribute", "why"),
    [
        ("proxyAddresses", "multi-valued"),
        ("userType", "userType"),
        ("manager", "reference"),
        ("employeeHireDate", "date"),
        ("IsMemberOf", "IsMemberOf"),
        ("appRoleAssignments", "multi-valued"),
    ],
)
def test_validate_refuses_unsupported_attributes_naming_group_and_clause(attribute: str, why: str) -> None:
    group = FilterGroup("Mine", (clause(Op.IS_NOT_NULL, attribute=attribute),))
    with pytest.raises(ScopeConfigError) as caught:
        validate_filters((group,))
    message = str(caught.value)
    assert "'Mine'" in message and f"Mine.{attribute} IS_NOT_NULL" in message and why in message


@pytest.mark.parametrize(
    "bad",
    [
        FilterGroup("Empty", ()),
        FilterGroup("No value", (clause(Op.EQUALS),)),
        FilterGroup("Not an integer", (clause(Op.GREATER_THAN, "ten"),)),
        FilterGroup("Bad regex", (clause(Op.REGEX_MATCH, "("),)),
    ],
)
def test_validate_refuses_malformed_clauses(bad: FilterGroup) -> None:
    with pytest.raises(ScopeConfigError, match=bad.name):
        validate_filters((bad,))


def test_validate_accepts_supported_filters() -> None:
    validate_filters(
        (SALES, MARKETING, FilterGroup("Titled", (clause(Op.IS_NOT_NULL, attribute="jobTitle"),)))
    )


# -- the built-in external filter ---------------------------------------------------------------------


def test_internal_member_passes_the_builtin_filter() -> None:
    assert is_internal_member(member()) is True
    assert is_internal_member({"userPrincipalName": "x@contoso.com"}) is True  # missing userType = Member


@pytest.mark.parametrize(
    "external",
    [
        member(userType="Guest"),
        member(userPrincipalName="ada_fabrikam.com#EXT#@contoso.onmicrosoft.com"),
        member(creationType="Invitation"),
        member(
            identities=[{"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None}]
        ),
        member(identities=[{"signInType": "federated", "issuer": "google.com"}]),
    ],
    ids=["guest", "ext-upn", "invitation", "external-azure-ad", "federated"],
)
def test_external_users_fail_the_builtin_filter(external: dict[str, Any]) -> None:
    assert is_internal_member(external) is False
    decision = decide(external, scope=ScopeConfig(sync_all=True), assigned=True)
    assert decision.in_scope is False
    assert decision.skip_reason == "NotEffectivelyEntitled"
    assert json.loads(decision.details["ScopeEvaluationResult"]) == {EXTERNAL_FILTER_KEY: False}
    assert EXTERNAL_FILTER_KEY == "Filter external users.alternativeSecurityIds EQUALS 'None'"


# -- decide -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sync_all", "assigned", "department", "in_scope"),
    [
        (False, True, "Marketing", True),
        (False, False, "Marketing", False),
        (True, False, "Marketing", True),
        (True, False, "Finance", False),
        (False, True, "Finance", False),
        (False, False, "Finance", False),
    ],
)
def test_decide_combines_entitlement_and_filters(
    sync_all: bool, assigned: bool, department: str, in_scope: bool
) -> None:
    scope = ScopeConfig(sync_all=sync_all, filter_groups=(MARKETING,))
    decision = decide(member(department=department), scope=scope, assigned=assigned)
    assert decision.in_scope is in_scope
    assert decision.skip_reason == (None if in_scope else "NotEffectivelyEntitled")


def test_decide_details_follow_the_scoping_step_of_the_logs() -> None:
    decision = decide(
        member(department="Marketing"), scope=ScopeConfig(filter_groups=(MARKETING,)), assigned=True
    )
    assert decision.details == {
        "Active in the source system": "True",
        "Assigned to the application": "True",
        "User has the required role": "True",
        "Scoping filter evaluation passed": "True",
        "ScopeEvaluationResult": "{\"Marketing department filter.department EQUALS 'Marketing'\":true}",
    }
    assert decision.description == "Determine if User in scope by evaluating against each scoping filter"


def test_disabled_user_stays_in_scope_and_is_reported_inactive() -> None:
    decision = decide(member(accountEnabled=False), scope=ScopeConfig(), assigned=True)
    assert decision.in_scope is True
    assert decision.details["Active in the source system"] == "False"


def test_skip_message_lists_every_reason() -> None:
    decision = decide(
        member(department="Finance"), scope=ScopeConfig(filter_groups=(MARKETING,)), assigned=False
    )
    assert decision.skip_message("Ada") == (
        "The User 'Ada' will be skipped due to the following reasons: "
        "1) This object is not assigned to the application. 2) This object did not pass a scoping filter."
    )


def test_assigned_user_ids_unions_users_and_direct_members() -> None:
    assignments = Assignments(frozenset({"u1"}), frozenset({"g1", "g2"}))
    members = {"g1": frozenset({"u2"}), "g2": frozenset({"u3", "u1"})}
    assert assigned_user_ids(assignments, members) == {"u1", "u2", "u3"}


# -- assignment against the simulator -----------------------------------------------------------------


@pytest.fixture
def source(backend: SimulatedGraph, new_tenant: Any) -> tuple[GraphClient, dict[str, Any]]:
    tenant = new_tenant("commercial", users=6)
    app = app_of(tenant, "AppRoleAssignment.ReadWrite.All")
    client = GraphClient(backend, identity(tenant, app))
    return client, tenant


def _group(client: GraphClient, name: str, member_ids: list[str]) -> str:
    group = client.post(
        "/groups",
        {"displayName": name, "mailEnabled": False, "mailNickname": name, "securityEnabled": True},
    )
    for mid in member_ids:
        client.post(
            f"/groups/{group['id']}/members/$ref",
            {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{mid}"},
        )
    return group["id"]


def test_assignments_and_direct_group_members_from_the_simulator(
    source: tuple[GraphClient, dict[str, Any]],
) -> None:
    client, _ = source
    users = [u["id"] for u in client.list_all("/users", {"$select": "id"})]
    sp = client.list_all("/servicePrincipals")[0]["id"]
    nested = _group(client, "nested", [users[4]])
    assigned_group = _group(client, "assigned", [users[1], users[2], nested])
    for principal in (users[0], assigned_group, client.list_all("/servicePrincipals")[1]["id"]):
        client.post(
            f"/servicePrincipals/{sp}/appRoleAssignedTo",
            {"principalId": principal, "resourceId": sp, "appRoleId": DEFAULT_ROLE},
        )

    assignments = load_assignments(client, sp)
    assert assignments == Assignments(frozenset({users[0]}), frozenset({assigned_group}))

    members = group_members(client, assignments.group_ids)
    assert members == {assigned_group: frozenset({users[1], users[2]})}  # nested group's member excluded
    assert assigned_user_ids(assignments, members) == {users[0], users[1], users[2]}


def test_group_members_follows_every_page(source: tuple[GraphClient, dict[str, Any]]) -> None:
    client, _ = source
    users = [u["id"] for u in client.list_all("/users", {"$select": "id"})]
    gid = _group(client, "all", users)
    calls: list[Any] = []
    original = client.get

    def small_pages(path: str, query: Any = None, headers: Any = None) -> Any:
        calls.append(path)
        if query and "$top" in query:
            query = {**query, "$top": "2"}
        return original(path, query, headers)

    client.get = small_pages  # type: ignore[method-assign]
    assert group_members(client, [gid]) == {gid: frozenset(users)}
    assert len(calls) >= 3
