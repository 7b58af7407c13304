"""OData query options on directory collections: what a Graph client sees for each query it sends."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.graph.odata import (
    APPLICATION_SPEC,
    DIRECTORY_OBJECT_SPEC,
    GENERIC_SPEC,
    GROUP_SPEC,
    SERVICE_PRINCIPAL_SPEC,
    USER_SPEC,
    PropertyFilter,
    Query,
    ResourceSpec,
    apply_select,
    parse_query,
    projector,
    sort_key,
    sort_objects,
)
from simulator.wire.errors import GraphError
from simulator.wire.message import Headers

EVENTUAL = {"ConsistencyLevel": "eventual"}
P2 = "84a661c4-e949-4bd2-a560-ed7766fcaf2b"
P1 = "078d2b04-f1bd-4111-bbd4-b4b1b354cef4"
MFA_PLAN = "8a256a2b-b617-496d-b51b-e76466e88db0"
AQ_HINT = (
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)

ADELE: dict[str, Any] = {
    "id": "a1a1a1a1-0000-0000-0000-000000000001",
    "displayName": "Adele Vance",
    "givenName": "Adele",
    "surname": "Vance",
    "mail": "AdeleV@contoso.com",
    "userPrincipalName": "AdeleV@contoso.com",
    "accountEnabled": True,
    "userType": "Member",
    "jobTitle": "Retail Manager",
    "city": "Seattle",
    "companyName": "Contoso",
    "businessPhones": ["+1 425 555 0109"],
    "otherMails": ["adele@fabrikam.com"],
    "proxyAddresses": ["SMTP:AdeleV@contoso.com", "smtp:adele@contoso.net"],
    "assignedLicenses": [{"skuId": P2, "disabledPlans": [MFA_PLAN]}],
    "identities": [
        {
            "signInType": "userPrincipalName",
            "issuer": "contoso.com",
            "issuerAssignedId": "AdeleV@contoso.com",
        },
    ],
    "createdDateTime": "2023-05-01T10:00:00Z",
    "onPremisesExtensionAttributes": {"extensionAttribute1": "BYOD-Device"},
    "employeeOrgData": {"division": "Sales", "costCenter": "42"},
}
ALEX: dict[str, Any] = {
    "id": "a1a1a1a1-0000-0000-0000-000000000002",
    "displayName": "Alex Wilber",
    "givenName": "Alex",
    "surname": "Wilber",
    "userPrincipalName": "alex_fabrikam.com#EXT#@contoso.onmicrosoft.com",
    "accountEnabled": False,
    "userType": "Guest",
    "city": "Redmond",
    "otherMails": [],
    "assignedLicenses": [],
    "identities": [
        {"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None},
    ],
    "createdDateTime": "2024-02-01T00:00:00Z",
}
MEGAN: dict[str, Any] = {
    "id": "a1a1a1a1-0000-0000-0000-000000000003",
    "displayName": "megan bowen",
    "mail": "MeganB@contoso.com",
    "userPrincipalName": "MeganB@contoso.com",
    "accountEnabled": True,
    "userType": "Member",
    "jobTitle": "Marketing Manager",
    "assignedLicenses": [{"skuId": P1, "disabledPlans": []}],
    "createdDateTime": "2022-12-31T23:59:59.1234567Z",
}
PAT: dict[str, Any] = {
    "id": "a1a1a1a1-0000-0000-0000-000000000004",
    "displayName": "O'Brien, Pat",
    "mail": "pat.obrien@contoso.com",
    "userPrincipalName": "pat.obrien@contoso.com",
    "accountEnabled": True,
}
USERS = [ADELE, ALEX, MEGAN, PAT]


def parse(spec: ResourceSpec = USER_SPEC, headers: dict[str, str] | None = None, **options: str) -> Query:
    """``parse(filter="...")`` sends ``$filter=...`` with ``headers``."""
    return parse_query({f"${k}": v for k, v in options.items()}, Headers(headers or {}), spec)


def aq(spec: ResourceSpec = USER_SPEC, **options: str) -> Query:
    """An advanced query: ``ConsistencyLevel: eventual`` and ``$count=true``."""
    return parse(spec, EVENTUAL, count="true", **options)


def rejected(status: int, code: str, fn: Any, *args: Any, **kwargs: Any) -> str:
    """Calls ``fn``, asserts a GraphError with ``status``/``code``; returns its message."""
    with pytest.raises(GraphError) as info:
        fn(*args, **kwargs)
    assert (info.value.status, info.value.code) == (status, code), info.value
    return info.value.message


def names(query: Query, objs: list[dict[str, Any]] = USERS) -> list[str]:
    keep = [o for o in objs if (query.filter is None or query.filter.matches(o))]
    keep = [o for o in keep if query.search is None or query.search.matches(o)]
    return [o["displayName"] for o in keep]


def unsupported_clause(prop: str, resource: str = "User") -> str:
    return f"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{resource}'."


def needs_aq(op: str) -> str:
    return f"Operator '{op}' is not supported because the required parameters might be missing. {AQ_HINT}"


# -- query option names ---------------------------------------------------------------------------


def test_option_names_work_with_or_without_dollar_in_any_case() -> None:
    q = parse_query(
        {"TOP": "5", "$Select": "displayName", "$FILTER": "accountEnabled eq true"}, Headers(), USER_SPEC
    )
    assert q.top == 5
    assert q.select == ("displayName",)
    assert names(q) == ["Adele Vance", "megan bowen", "O'Brien, Pat"]


def test_unknown_dollar_option_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse_query, {"$foo": "1"}, Headers(), USER_SPEC)
    assert msg == "The query parameter '$foo' is not supported."


def test_option_the_endpoint_does_not_take_is_refused() -> None:
    msg = rejected(400, "Request_BadRequest", parse_query, {"$skip": "10"}, Headers(), USER_SPEC)
    assert msg == "'$skip' is not supported by the service."
    msg = rejected(400, "Request_BadRequest", parse_query, {"deltatoken": "x"}, Headers(), USER_SPEC)
    assert msg == "'$deltatoken' is not supported by the service."


def test_plain_parameters_that_are_not_options_are_ignored() -> None:
    q = parse_query({"api-version": "1.6", "foo": "bar"}, Headers(), USER_SPEC)
    assert q == Query()


def test_an_option_given_twice_is_refused() -> None:
    msg = rejected(400, "Request_BadRequest", parse_query, {"$top": "1", "top": "2"}, Headers(), USER_SPEC)
    assert "specified more than once" in msg


def test_allow_list_opens_delta_options_and_tokens_pass_through() -> None:
    allow = frozenset({"$select", "$filter", "$deltatoken", "$skiptoken"})
    q = parse_query({"$deltaToken": "abc", "$skiptoken": "def"}, Headers(), USER_SPEC, allow=allow)
    assert (q.deltatoken, q.skiptoken) == ("abc", "def")
    msg = rejected(400, "Request_BadRequest", parse_query, {"$top": "5"}, Headers(), USER_SPEC, allow=allow)
    assert msg == "'$top' is not supported by the service."


def test_expand_items_split_outside_parentheses() -> None:
    q = parse(GROUP_SPEC, expand="members($select=id,displayName), owners")
    assert q.expand == ("members($select=id,displayName)", "owners")


def test_headers_may_be_a_plain_mapping_with_any_case() -> None:
    q = parse_query({"$count": "true"}, {"consistencylevel": "Eventual"}, USER_SPEC)
    assert q.count and q.advanced and q.advanced_query


# -- $top -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "value"), [("1", 1), ("999", 999), ("100", 100), ("050", 50)])
def test_top_in_range_is_the_page_size(raw: str, value: int) -> None:
    assert parse(top=raw).top == value


@pytest.mark.parametrize("raw", ["0", "1000", "-1", "abc", "1.5", "", "+5", "9" * 5000])
def test_top_out_of_range_or_not_an_integer_is_refused(raw: str) -> None:
    msg = rejected(400, "Request_BadRequest", parse, top=raw)
    assert msg == f"Invalid page size specified: '{raw}'. Must be between 1 and 999 inclusive."


# -- $count ---------------------------------------------------------------------------------------


def test_count_needs_the_consistency_header_and_is_silently_dropped_without_it() -> None:
    q = parse(count="true")
    assert (q.count, q.count_requested, q.advanced, q.advanced_query) == (False, True, False, False)
    q = aq()
    assert (q.count, q.advanced, q.advanced_query) == (True, True, True)


def test_count_false_and_invalid_count() -> None:
    assert parse(USER_SPEC, EVENTUAL, count="false").count is False
    assert parse(count="TRUE").count_requested is True
    msg = rejected(400, "Request_BadRequest", parse, count="yes")
    assert msg == "'yes' is not a valid count option."


def test_header_alone_is_not_an_advanced_query() -> None:
    q = parse(USER_SPEC, EVENTUAL)
    assert q.advanced and not q.advanced_query
    assert rejected(400, "Request_UnsupportedQuery", parse, USER_SPEC, EVENTUAL, filter="displayName ne 'x'")


# -- $select and projection -----------------------------------------------------------------------


def test_unselected_user_has_graph_default_properties_with_nulls_and_id_last() -> None:
    out = apply_select(ALEX, parse(), USER_SPEC)
    assert list(out) == [
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "id",
    ]
    assert out["businessPhones"] == [] and out["jobTitle"] is None and out["mail"] is None
    assert "accountEnabled" not in out and "createdDateTime" not in out


def test_select_is_case_insensitive_and_canonicalized() -> None:
    q = parse(select="DISPLAYNAME, userprincipalname,AccountEnabled")
    assert q.select == ("displayName", "userPrincipalName", "accountEnabled")
    assert apply_select(ADELE, q, USER_SPEC) == {
        "displayName": "Adele Vance",
        "userPrincipalName": "AdeleV@contoso.com",
        "accountEnabled": True,
        "id": ADELE["id"],
    }


def test_selected_missing_properties_render_null_or_empty_collection() -> None:
    q = parse(select="id,department,otherMails,proxyAddresses,employeeOrgData")
    assert apply_select(MEGAN, q, USER_SPEC) == {
        "id": MEGAN["id"],
        "department": None,
        "otherMails": [],
        "proxyAddresses": [],
        "employeeOrgData": None,
    }


def test_select_duplicates_are_dropped() -> None:
    assert parse(select="mail,Mail,id").select == ("mail", "id")


def test_select_unknown_property_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, select="id,foo")
    assert msg == "Could not find a property named 'foo' on type 'microsoft.graph.user'."
    msg = rejected(400, "Request_BadRequest", parse, GROUP_SPEC, select="userPrincipalName")
    assert msg == "Could not find a property named 'userPrincipalName' on type 'microsoft.graph.group'."


def test_select_with_an_empty_item_is_a_syntax_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, select="id,,displayName")
    assert msg == "Syntax error: character ',' is not valid at position 3 in 'id,,displayName'."


def test_select_of_a_property_stored_outside_the_directory_is_not_implemented() -> None:
    msg = rejected(501, "NotImplemented", parse, select="id,skills")
    assert msg == "This operation target is not yet supported."


def test_select_manager_is_known_for_delta() -> None:
    assert parse(select="id,manager").select == ("id", "manager")


def test_spec_without_defaults_returns_every_stored_property_as_a_copy() -> None:
    group = {"id": "g1", "displayName": "Sales", "groupTypes": ["Unified"]}
    out = apply_select(group, parse(GROUP_SPEC), GROUP_SPEC)
    assert out == group and out is not group


def test_select_star_returns_every_stored_property() -> None:
    assert apply_select(ALEX, parse(select="*"), USER_SPEC) == ALEX


def test_projection_keeps_odata_type_of_mixed_members() -> None:
    member = {"@odata.type": "#microsoft.graph.user", "id": "u1", "displayName": "A"}
    out = projector(parse(DIRECTORY_OBJECT_SPEC, select="displayName"), DIRECTORY_OBJECT_SPEC)(member)
    assert out == {"@odata.type": "#microsoft.graph.user", "displayName": "A", "id": "u1"}


# -- $filter: comparison operators -----------------------------------------------------------------


def test_eq_on_strings_is_case_insensitive() -> None:
    assert names(parse(filter="displayName eq 'ADELE VANCE'")) == ["Adele Vance"]
    assert names(parse(filter="userPrincipalName eq 'adelev@CONTOSO.com'")) == ["Adele Vance"]


def test_property_names_in_filter_are_case_insensitive() -> None:
    q = parse(filter="DisplayName eq 'megan bowen'")
    assert names(q) == ["megan bowen"]
    assert q.filter is not None and q.filter.properties == {"displayName"}


def test_doubled_quote_escapes_a_quote_in_a_string_literal() -> None:
    assert names(parse(filter="displayName eq 'O''Brien, Pat'")) == ["O'Brien, Pat"]


def test_ge_and_le_compare_strings_case_insensitively() -> None:
    assert names(parse(filter="displayName ge 'm' and displayName le 'n'")) == ["megan bowen"]


def test_gt_is_not_offered_on_user_names() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="displayName gt 'a'")
    assert msg == unsupported_clause("displayName")


def test_in_matches_any_listed_value() -> None:
    q = parse(filter="city in ('seattle', 'Redmond', 'Paris')")
    assert names(q) == ["Adele Vance", "Alex Wilber"]


def test_in_with_one_value_and_an_empty_list() -> None:
    assert names(parse(filter="userType in ('guest')")) == ["Alex Wilber"]
    assert names(parse(filter="userType in ()")) == []


def test_in_with_a_missing_closing_parenthesis_is_a_syntax_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="city in ('a' 'b')")
    assert msg == "')' or ',' expected at position 13 in 'city in ('a' 'b')'."


def test_ne_needs_an_advanced_query() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="userType ne 'Guest'")
    assert msg == needs_aq("ne")
    assert names(aq(filter="userType ne 'Guest'")) == ["Adele Vance", "megan bowen", "O'Brien, Pat"]


def test_boolean_comparison() -> None:
    assert names(parse(filter="accountEnabled eq false")) == ["Alex Wilber"]
    assert names(aq(filter="accountEnabled ne true")) == ["Alex Wilber"]


def test_boolean_property_against_a_string_is_a_type_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="accountEnabled eq 'true'")
    assert msg == (
        "A binary operator with incompatible types was detected. "
        "Found operand types 'Edm.Boolean' and 'Edm.String' for operator kind 'Equal'."
    )


def test_string_property_against_a_number_is_a_type_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="displayName eq 5")
    assert "'Edm.String' and 'Edm.Int32'" in msg


def test_datetime_literals_are_unquoted_and_compare_as_instants() -> None:
    assert names(parse(filter="createdDateTime ge 2023-01-01T00:00:00Z")) == ["Adele Vance", "Alex Wilber"]
    assert names(parse(filter="createdDateTime le 2023-01-01T01:00:00+01:00")) == ["megan bowen"]
    assert names(parse(filter="createdDateTime eq 2024-02-01T00:00:00.000Z")) == ["Alex Wilber"]


def test_datetime_in_quotes_is_a_type_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="createdDateTime ge '2023-01-01T00:00:00Z'")
    assert "'Edm.DateTimeOffset' and 'Edm.String'" in msg


def test_createddatetime_in_and_ne_need_an_advanced_query() -> None:
    f = "createdDateTime in (2024-02-01T00:00:00Z)"
    assert rejected(400, "Request_UnsupportedQuery", parse, filter=f) == needs_aq("in")
    assert names(aq(filter=f)) == ["Alex Wilber"]


# -- $filter: null ---------------------------------------------------------------------------------


def test_eq_null_needs_an_advanced_query_and_matches_missing_properties() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="userType eq null")
    assert msg == needs_aq("eq")
    assert names(aq(filter="userType eq null")) == ["O'Brien, Pat"]


def test_ne_null_matches_present_properties() -> None:
    assert names(aq(filter="jobTitle ne null")) == ["Adele Vance", "megan bowen"]


def test_null_test_on_a_property_without_it_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter="accountEnabled eq null")
    assert msg == unsupported_clause("accountEnabled")


def test_ne_value_is_true_for_a_missing_property() -> None:
    assert "O'Brien, Pat" in names(aq(filter="jobTitle ne 'Retail Manager'"))


# -- $filter: functions ----------------------------------------------------------------------------


@pytest.mark.parametrize("fn", ["startswith", "startsWith", "STARTSWITH"])
def test_startswith_in_any_spelling(fn: str) -> None:
    assert names(parse(filter=f"{fn}(displayName,'a')")) == ["Adele Vance", "Alex Wilber"]


def test_startswith_is_case_insensitive() -> None:
    assert names(parse(filter="startswith(mail, 'MEG')")) == ["megan bowen"]


def test_endswith_needs_an_advanced_query() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="endswith(mail,'@contoso.com')")
    assert msg == needs_aq("endsWith")
    assert names(aq(filter="endsWith(mail,'@CONTOSO.com')")) == ["Adele Vance", "megan bowen", "O'Brien, Pat"]


def test_contains_is_unsupported_on_directory_objects() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter="contains(displayName,'van')")
    assert msg == unsupported_clause("displayName")


def test_tolower_is_unsupported_on_users() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="tolower(displayName) eq 'adele vance'")
    assert msg == unsupported_clause("displayName")


def test_unknown_function_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="frobnicate(displayName,'a')")
    assert msg.startswith("An unknown function with name 'frobnicate' was found.")


def test_startswith_with_a_non_string_argument_has_no_signature() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="startswith(displayName, 5)")
    assert msg.startswith("No function signature for the function with name 'startswith'")


def test_startswith_on_a_property_without_it_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="startswith(id,'a1')")
    assert msg == unsupported_clause("id")


def test_function_compared_to_a_boolean() -> None:
    assert names(parse(filter="startswith(displayName,'a') eq true")) == ["Adele Vance", "Alex Wilber"]
    assert rejected(400, "Request_UnsupportedQuery", parse, filter="startswith(displayName,'a') eq false")


# -- $filter: boolean structure ---------------------------------------------------------------------


def test_and_binds_tighter_than_or() -> None:
    q = parse(filter="city eq 'Redmond' or accountEnabled eq true and userType eq 'Member'")
    assert names(q) == ["Adele Vance", "Alex Wilber", "megan bowen"]


def test_parentheses_override_precedence() -> None:
    q = parse(filter="(city eq 'Redmond' or accountEnabled eq true) and userType eq 'Member'")
    assert names(q) == ["Adele Vance", "megan bowen"]


def test_not_needs_an_advanced_query_and_negates() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="not(userType eq 'Member')")
    assert msg == needs_aq("not")
    assert names(aq(filter="NOT(userType eq 'Member')")) == ["Alex Wilber", "O'Brien, Pat"]
    assert names(aq(filter="not startswith(displayName,'a')")) == ["megan bowen", "O'Brien, Pat"]


def test_not_binds_tighter_than_and() -> None:
    q = aq(filter="not accountEnabled eq true and city eq 'Redmond'")
    assert names(q) == ["Alex Wilber"]


def test_not_follows_each_property_rule() -> None:
    msg = rejected(
        400, "Request_UnsupportedQuery", parse, filter="not(createdDateTime ge 2020-01-01T00:00:00Z)"
    )
    assert msg == needs_aq("not")
    assert names(aq(filter="not(createdDateTime ge 2023-01-01T00:00:00Z)")) == ["megan bowen", "O'Brien, Pat"]
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter="not(identities/any(i:i/issuer eq 'x'))")
    assert msg == unsupported_clause("identities")


def test_arithmetic_operators_are_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="displayName add 'x' eq 'y'")
    assert msg == unsupported_clause("displayName")


def test_a_bare_property_is_not_a_filter() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="accountEnabled")
    assert msg == unsupported_clause("accountEnabled")


# -- $filter: syntax errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "displayName eq 'abc",
            "There is an unterminated string literal at position 19 in 'displayName eq 'abc'.",
        ),
        (
            "displayName = 'a'",
            "Syntax error: character '=' is not valid at position 12 in 'displayName = 'a''.",
        ),
        ("displayName eq", "Expression expected at position 14 in 'displayName eq'."),
        ("displayName eq 'a' 'b'", "Syntax error at position 19 in 'displayName eq 'a' 'b''."),
        ("(displayName eq 'a'", "Expression expected at position 19 in '(displayName eq 'a''."),
        ("displayName eq 'a')", "Syntax error at position 18 in 'displayName eq 'a')'."),
        (
            "startswith(displayName 'a')",
            "')' or ',' expected at position 23 in 'startswith(displayName 'a')'.",
        ),
        ("displayName eq 'a' and", "Expression expected at position 22 in 'displayName eq 'a' and'."),
        (
            "assignedLicenses/any(x x/skuId eq 1)",
            "Syntax error at position 23 in 'assignedLicenses/any(x x/skuId eq 1)'.",
        ),
    ],
)
def test_syntax_errors_name_the_position(text: str, message: str) -> None:
    assert rejected(400, "Request_BadRequest", parse, filter=text) == message


def test_unknown_property_in_filter_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="foo eq 'x'")
    assert msg == "Could not find a property named 'foo' on type 'microsoft.graph.user'."


def test_known_but_unfilterable_property_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter="isResourceAccount eq true")
    assert msg == unsupported_clause("isResourceAccount")
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter="passwordProfile/password eq 'x'")
    assert msg == unsupported_clause("passwordProfile/password")


def test_advanced_only_property_needs_an_advanced_query() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="companyName eq 'Contoso'")
    assert msg == needs_aq("eq")
    assert names(aq(filter="companyName eq 'contoso'")) == ["Adele Vance"]


def test_search_header_alone_unlocks_advanced_operators() -> None:
    q = parse(USER_SPEC, EVENTUAL, search='"displayName:a"', filter="userType ne 'Guest'")
    assert q.advanced_query and not q.count
    assert names(q) == ["Adele Vance"]


# -- $filter: complex types, lambdas, $count ------------------------------------------------------------


def test_complex_property_paths_need_an_advanced_query() -> None:
    f = "onPremisesExtensionAttributes/extensionAttribute1 eq 'byod-device'"
    assert rejected(400, "Request_UnsupportedQuery", parse, filter=f) == needs_aq("eq")
    assert names(aq(filter=f)) == ["Adele Vance"]
    assert names(aq(filter="employeeOrgData/Division eq 'sales'")) == ["Adele Vance"]


def test_unknown_member_of_a_complex_type_names_the_type() -> None:
    msg = rejected(400, "Request_BadRequest", aq, filter="employeeOrgData/region eq 'x'")
    assert msg == "Could not find a property named 'region' on type 'microsoft.graph.employeeOrgData'."


def test_any_on_licenses_takes_an_unquoted_guid() -> None:
    q = parse(filter=f"assignedLicenses/any(x:x/skuId eq {P2.upper()})")
    assert names(q) == ["Adele Vance"]


def test_quoted_guid_in_a_license_lambda_is_a_type_error() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter=f"assignedLicenses/any(x:x/skuId eq '{P2}')")
    assert msg == (
        "A binary operator with incompatible types was detected. "
        "Found operand types 'Edm.Guid' and 'Edm.String' for operator kind 'Equal'."
    )


def test_any_on_a_string_collection_compares_the_range_variable() -> None:
    assert names(parse(filter="otherMails/any(m:m eq 'ADELE@fabrikam.com')")) == ["Adele Vance"]
    assert names(parse(filter="proxyAddresses/any(p:startswith(p,'smtp:adele@'))")) == ["Adele Vance"]


def test_any_with_two_conditions_on_identities() -> None:
    f = "identities/any(c:c/issuerAssignedId eq 'adelev@contoso.com' and c/issuer eq 'contoso.com')"
    assert names(parse(filter=f)) == ["Adele Vance"]
    f = "identities/any(c:c/issuerAssignedId eq 'adelev@contoso.com' and c/issuer eq 'other.com')"
    assert names(parse(filter=f)) == []


def test_nested_any_over_disabled_plans() -> None:
    f = f"assignedLicenses/any(x:x/disabledPlans/any(p:p eq {MFA_PLAN}))"
    assert names(parse(filter=f)) == ["Adele Vance"]


def test_operator_inside_a_lambda_follows_the_collection_rules() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="proxyAddresses/any(p:endswith(p,'.net'))")
    assert msg == needs_aq("endsWith")
    assert names(aq(filter="proxyAddresses/any(p:endswith(p,'.NET'))")) == ["Adele Vance"]
    msg = rejected(400, "Request_UnsupportedQuery", aq, filter=f"assignedLicenses/any(x:x/skuId ne {P2})")
    assert msg == unsupported_clause("assignedLicenses")


def test_all_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="otherMails/all(m:m eq 'a')")
    assert msg == unsupported_clause("otherMails")


def test_any_on_a_single_value_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter="displayName/any(d:d eq 'a')")
    assert msg == "Any/All may only be used following a collection."


def test_lambda_body_may_only_use_its_range_variable() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="otherMails/any(m:displayName eq 'a')")
    assert msg == unsupported_clause("otherMails")


def test_collection_compared_without_lambda_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, filter="otherMails eq 'adele@fabrikam.com'")
    assert msg == unsupported_clause("otherMails")


def test_member_access_on_a_collection_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, filter=f"assignedLicenses/skuId eq {P2}")
    assert "is not a single value" in msg


def test_not_any_finds_unlicensed_users_in_an_advanced_query() -> None:
    f = "not(assignedLicenses/any())"
    assert rejected(400, "Request_UnsupportedQuery", parse, filter=f) == needs_aq("not")
    assert names(aq(filter=f)) == ["Alex Wilber", "O'Brien, Pat"]


def test_count_segment_on_a_collection_needs_an_advanced_query() -> None:
    f = "assignedLicenses/$count eq 0"
    assert rejected(400, "Request_UnsupportedQuery", parse, filter=f) == needs_aq("$count")
    assert names(aq(filter=f)) == ["Alex Wilber", "O'Brien, Pat"]
    assert names(aq(filter="otherMails/$count ne 0")) == ["Adele Vance"]


def test_count_segment_compared_to_a_string_is_a_type_error() -> None:
    assert rejected(400, "Request_BadRequest", aq, filter="otherMails/$count eq '0'")


# -- Filter.ids (delta) --------------------------------------------------------------------------------


def test_ids_of_an_or_chain_of_id_equalities() -> None:
    q = parse(filter="id eq 'A1' or id eq 'b2' or id in ('C3')")
    assert q.filter is not None and q.filter.ids() == {"a1", "b2", "c3"}
    assert q.filter.matches({"id": "b2"}) and not q.filter.matches({"id": "d4"})


def test_ids_is_none_when_the_filter_reads_anything_else() -> None:
    for f in ("id eq 'a' or displayName eq 'b'", "id eq 'a' and id eq 'b'", "startswith(displayName,'a')"):
        flt = parse(filter=f).filter
        assert flt is not None and flt.ids() is None
    flt = aq(filter="not(id eq 'a')").filter
    assert flt is not None and flt.ids() is None


# -- $orderby ------------------------------------------------------------------------------------------


def test_orderby_parses_directions_case_insensitively() -> None:
    q = parse(orderby="DisplayName DESC, userPrincipalName")
    assert q.orderby == (("displayName", True), ("userPrincipalName", False))


def test_orderby_unknown_property_is_a_bad_request() -> None:
    msg = rejected(400, "Request_BadRequest", parse, orderby="foo")
    assert msg == "Could not find a property named 'foo' on type 'microsoft.graph.user'."


def test_orderby_on_a_property_without_sorting_is_unsupported() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", aq, orderby="jobTitle")
    assert msg.startswith("Sorting not supported for current query.") and "'jobTitle'" in msg


def test_orderby_created_needs_an_advanced_query() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, orderby="createdDateTime desc")
    assert msg.startswith("Sorting not supported for current query.") and msg.endswith(AQ_HINT)
    assert aq(orderby="createdDateTime desc").orderby == (("createdDateTime", True),)


def test_filter_with_orderby_needs_an_advanced_query() -> None:
    msg = rejected(
        400, "Request_UnsupportedQuery", parse, filter="accountEnabled eq true", orderby="displayName"
    )
    assert msg.startswith("Sorting not supported for current query.") and msg.endswith(AQ_HINT)
    assert aq(filter="accountEnabled eq true", orderby="displayName").orderby == (("displayName", False),)


def test_orderby_with_a_bad_direction_is_a_syntax_error() -> None:
    assert rejected(400, "Request_BadRequest", parse, orderby="displayName upward").startswith("Syntax error")


def test_sort_puts_nulls_first_and_ignores_case() -> None:
    objs = [{"id": "1", "n": "beta"}, {"id": "2"}, {"id": "3", "n": "Alpha"}, {"id": "4", "n": "alpha"}]
    asc = [o["id"] for o in sorted(objs, key=sort_key([("n", False)]))]
    assert asc == ["2", "3", "4", "1"]
    desc = [o["id"] for o in sorted(objs, key=sort_key([("n", True)]))]
    assert desc == ["1", "3", "4", "2"]


def test_sort_by_several_keys_in_mixed_directions() -> None:
    objs = [
        {"id": "1", "a": "x", "b": 1},
        {"id": "2", "a": "y", "b": 1},
        {"id": "3", "a": "x", "b": 2},
        {"id": "4", "a": "Y", "b": 3},
    ]
    order = [("b", True), ("a", False)]
    expected = ["4", "3", "1", "2"]
    assert [o["id"] for o in sorted(objs, key=sort_key(order))] == expected
    assert [o["id"] for o in sort_objects(objs, order)] == expected


def test_sort_users_by_display_name() -> None:
    q = parse(orderby="displayName desc")
    assert [o["displayName"] for o in sort_objects(USERS, q.orderby)] == [
        "O'Brien, Pat",
        "megan bowen",
        "Alex Wilber",
        "Adele Vance",
    ]


# -- $search ----------------------------------------------------------------------------------------


def test_search_without_the_consistency_header_is_refused() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, search='"displayName:adele"')
    assert msg == (
        "Request with $search query parameter only works through MSGraph with a special request header: "
        "'ConsistencyLevel: eventual'"
    )


@pytest.mark.parametrize(
    ("term", "hits"),
    [
        ("displayName:ade", ["Adele Vance"]),
        ("displayName:VAN", ["Adele Vance"]),
        ("displayName:dele", []),
        ("displayName:brien", ["O'Brien, Pat"]),
        ("displayName:adele va", ["Adele Vance"]),
        ("displayName:adele wil", []),
        ("mail:contoso", ["Adele Vance", "megan bowen", "O'Brien, Pat"]),
        ("mail:brien", []),
        ("mail:obrien", ["O'Brien, Pat"]),
        ("mail:pat.obr", ["O'Brien, Pat"]),
        ("userPrincipalName:fabrikam", ["Alex Wilber"]),
        ("otherMails:fabrikam", ["Adele Vance"]),
    ],
)
def test_search_is_a_tokenized_prefix_match(term: str, hits: list[str]) -> None:
    assert names(parse(USER_SPEC, EVENTUAL, search=f'"{term}"')) == hits


def test_search_clauses_combine_with_and_or() -> None:
    def search(text: str) -> list[str]:
        return names(parse(USER_SPEC, EVENTUAL, search=text))

    assert search('"displayName:adele" OR "displayName:alex"') == ["Adele Vance", "Alex Wilber"]
    assert search('"displayName:a" AND "surname:wil"') == ["Alex Wilber"]
    assert search('"displayName:a" "surname:vance"') == ["Adele Vance"]
    assert search('"displayName:megan" OR "displayName:a" AND "surname:wil"') == [
        "Alex Wilber",
        "megan bowen",
    ]
    assert search('("displayName:megan" OR "displayName:a") AND "mail:contoso"') == [
        "Adele Vance",
        "megan bowen",
    ]


def test_search_and_filter_apply_together() -> None:
    q = parse(USER_SPEC, EVENTUAL, search='"displayName:a"', filter="accountEnabled eq true")
    assert names(q) == ["Adele Vance"]


@pytest.mark.parametrize(
    "text", ["adele", '"adele"', '"displayName:"', '"displayName:adele', '"displayName:a" XOR']
)
def test_malformed_search_is_a_bad_request(text: str) -> None:
    assert rejected(400, "Request_BadRequest", parse, USER_SPEC, EVENTUAL, search=text)


def test_search_on_unknown_or_unsearchable_property() -> None:
    msg = rejected(400, "Request_BadRequest", parse, USER_SPEC, EVENTUAL, search='"foo:a"')
    assert msg == "Could not find a property named 'foo' on type 'microsoft.graph.user'."
    msg = rejected(400, "Request_UnsupportedQuery", parse, USER_SPEC, EVENTUAL, search='"jobTitle:a"')
    assert msg == unsupported_clause("jobTitle")


def test_search_records_its_clauses() -> None:
    q = parse(USER_SPEC, EVENTUAL, search='"DisplayName:room 1"')
    assert q.search is not None and q.search.clauses == (("displayName", "room 1"),)


# -- other collections --------------------------------------------------------------------------------

GROUPS = [
    {
        "id": "g1",
        "displayName": "Sales Team",
        "groupTypes": ["Unified"],
        "securityEnabled": False,
        "mailEnabled": True,
    },
    {"id": "g2", "displayName": "Admins", "groupTypes": [], "securityEnabled": True, "mailEnabled": False},
    {
        "id": "g3",
        "displayName": "Dynamic Sales",
        "groupTypes": ["DynamicMembership", "Unified"],
        "securityEnabled": True,
    },
]


def test_group_filters() -> None:
    assert names(parse(GROUP_SPEC, filter="groupTypes/any(c:c eq 'unified')"), GROUPS) == [
        "Sales Team",
        "Dynamic Sales",
    ]
    assert names(parse(GROUP_SPEC, filter="securityEnabled eq true and mailEnabled eq false"), GROUPS) == [
        "Admins"
    ]
    q = aq(GROUP_SPEC, filter="not(groupTypes/any(c:c eq 'Unified'))")
    assert names(q, GROUPS) == ["Admins"]


def test_group_errors_name_the_group_resource() -> None:
    msg = rejected(400, "Request_UnsupportedQuery", parse, GROUP_SPEC, filter="membershipRule eq 'x'")
    assert msg == unsupported_clause("membershipRule", "Group")


def test_group_search_on_display_name() -> None:
    assert names(parse(GROUP_SPEC, EVENTUAL, search='"displayName:sales"'), GROUPS) == [
        "Sales Team",
        "Dynamic Sales",
    ]


def test_service_principal_filters() -> None:
    sps = [
        {
            "id": "s1",
            "appId": "app-1",
            "displayName": "Sync",
            "servicePrincipalNames": ["https://sync", "app-1"],
        },
        {
            "id": "s2",
            "appId": "app-2",
            "displayName": "Other",
            "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
        },
    ]
    spec = SERVICE_PRINCIPAL_SPEC
    assert names(parse(spec, filter="appId eq 'APP-1'"), sps) == ["Sync"]
    assert names(parse(spec, filter="servicePrincipalNames/any(n:n eq 'https://sync')"), sps) == ["Sync"]
    assert names(parse(spec, filter="tags/any(t:startswith(t,'windowsazure'))"), sps) == ["Other"]


def test_application_filters() -> None:
    apps = [{"id": "a1", "appId": "x", "displayName": "Api", "identifierUris": ["api://contoso/x"]}]
    q = parse(APPLICATION_SPEC, filter="identifierUris/any(u:u eq 'API://contoso/x')")
    assert names(q, apps) == ["Api"]
    msg = rejected(
        400, "Request_BadRequest", parse, APPLICATION_SPEC, filter="servicePrincipalNames/any(n:n eq 'x')"
    )
    assert (
        msg
        == "Could not find a property named 'servicePrincipalNames' on type 'microsoft.graph.application'."
    )


def test_directory_objects_filter_by_id_by_default_and_names_in_advanced_queries() -> None:
    spec = DIRECTORY_OBJECT_SPEC
    assert parse(spec, filter="id in ('a','b')").filter is not None
    msg = rejected(400, "Request_UnsupportedQuery", parse, spec, filter="startswith(displayName,'a')")
    assert msg == needs_aq("startsWith")
    assert names(aq(spec, filter="startswith(displayName,'a')"), USERS) == ["Adele Vance", "Alex Wilber"]
    msg = rejected(400, "Request_BadRequest", parse, spec, select="nope")
    assert msg == "Could not find a property named 'nope' on type 'microsoft.graph.directoryObject'."


def test_generic_spec_accepts_any_property_operator_and_sort() -> None:
    jobs = [
        {"id": "j1", "status": {"code": "Active"}, "runs": 5},
        {"id": "j2", "status": {"code": "Paused"}, "runs": 1},
    ]
    q = parse(GENERIC_SPEC, filter="status/code eq 'active' or runs gt 4", orderby="runs desc")
    assert [o["id"] for o in jobs if q.filter is not None and q.filter.matches(o)] == ["j1"]
    assert parse(GENERIC_SPEC, filter="contains(status/code,'US')").filter.matches(jobs[1])  # type: ignore[union-attr]
    assert [o["id"] for o in sort_objects(jobs, parse(GENERIC_SPEC, orderby="runs").orderby)] == ["j2", "j1"]
    assert rejected(400, "Request_BadRequest", parse, GENERIC_SPEC, top="1000")


def test_property_filter_rejects_unknown_operator_tokens() -> None:
    assert PropertyFilter.of("eq in", "ne").allows("ne")
    with pytest.raises(ValueError):
        PropertyFilter.of("equals")


def test_every_filterable_user_property_is_known() -> None:
    for spec in (USER_SPEC, GROUP_SPEC, SERVICE_PRINCIPAL_SPEC, APPLICATION_SPEC, DIRECTORY_OBJECT_SPEC):
        for prop in spec.filterable:
            assert prop.split("/")[0] in spec.known_properties, (spec.name, prop)
        assert spec.orderable | spec.orderable_advanced | spec.searchable <= spec.known_properties


# -- robustness -----------------------------------------------------------------------------------------


def test_long_or_chains_compile_flat() -> None:
    text = " or ".join(f"id eq 'id-{i}'" for i in range(2000))
    flt = parse(filter=text).filter
    assert flt is not None and len(flt.ids() or ()) == 2000
    assert flt.matches({"id": "ID-1999"}) and not flt.matches({"id": "id-2000"})
    text = " or ".join(f"displayName eq 'n{i}'" for i in range(2000))
    flt = parse(filter=text).filter
    assert flt is not None and flt.matches({"displayName": "N1500"}) and not flt.matches({"displayName": "x"})


def test_huge_number_literal_is_a_bad_request() -> None:
    assert rejected(400, "Request_BadRequest", parse, GENERIC_SPEC, filter="runs eq " + "9" * 5000)


def test_deep_nesting_is_refused_as_a_bad_request() -> None:
    text = "(" * 500 + "displayName eq 'a'" + ")" * 500
    assert "nested too deeply" in rejected(400, "Request_BadRequest", parse, filter=text)
    search = "(" * 500 + '"displayName:a"' + ")" * 500
    assert rejected(400, "Request_BadRequest", parse, USER_SPEC, EVENTUAL, search=search)


def test_one_compiled_filter_serves_a_large_population() -> None:
    flt = parse(filter="startswith(displayName,'a') and accountEnabled eq true").filter
    assert flt is not None
    population = [dict(ADELE, id=str(i), displayName=f"{'ab'[i % 2]}-{i}") for i in range(20000)]
    assert sum(1 for o in population if flt.matches(o)) == 10000
