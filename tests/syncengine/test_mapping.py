"""Mapping: default CTS mappings, create-only and defaults, nulls, IgnoreFlow, UPN, booleans, diff, validation."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from syncengine.expressions import EvalContext
from syncengine.mapping import (
    COMMON_EXTRA_MAPPINGS,
    DEFAULT_MAPPINGS,
    MapContext,
    MappingError,
    compile_mappings,
    diff,
    map_user,
    source_attributes,
    validate_mappings,
)
from syncengine.model import ApplyOn, AttributeMapping, FilterClause, FilterGroup, FilterOperator, MappingKind

CONTEXT = MapContext("contoso.onmicrosoft.com", EvalContext(now=datetime(2026, 1, 2, tzinfo=UTC)))


def source_user(**extra: Any) -> dict[str, Any]:
    return {
        "id": "7d3c0f4e-0000-0000-0000-000000000001",
        "netId": "1003A4575626583E",
        "accountEnabled": True,
        "displayName": "Ada Lovelace",
        "givenName": "Ada",
        "mail": "ada@fabrikam.com",
        "mailNickname": "ada",
        "userPrincipalName": "ada@fabrikam.com",
        "department": "Engineering",
        "city": "London",
        "streetAddress": None,
        "preferredLanguage": "en-GB",
        **extra,
    }


def test_default_mappings_are_the_documented_rows_in_order() -> None:
    targets = [m.target for m in DEFAULT_MAPPINGS]
    assert targets == [
        "alternativeSecurityIds",
        "IsSoftDeleted",
        "accountEnabled",
        "streetAddress",
        "city",
        "state",
        "postalCode",
        "country",
        "department",
        "employeeId",
        "displayName",
        "givenName",
        "mailNickname",
        "preferredLanguage",
        "userPrincipalName",
        "mail",
        "showInAddressList",
        "userType",
    ]
    anchor = DEFAULT_MAPPINGS[0]
    assert (anchor.kind, anchor.source, anchor.matching_priority) == (
        MappingKind.EXPRESSION,
        "AltSecIdFromNetId([netId])",
        1,
    )
    assert DEFAULT_MAPPINGS[-1] == AttributeMapping(
        "userType", MappingKind.CONSTANT, "Member", ApplyOn.CREATE_ONLY
    )
    assert "manager" not in targets
    assert not {m.target for m in COMMON_EXTRA_MAPPINGS} & set(targets)
    validate_mappings(DEFAULT_MAPPINGS)
    validate_mappings(DEFAULT_MAPPINGS + COMMON_EXTRA_MAPPINGS)


def test_create_maps_every_non_null_default() -> None:
    mapped = map_user(source_user(), compile_mappings(DEFAULT_MAPPINGS), creating=True, context=CONTEXT)
    assert mapped.attributes == {
        "accountEnabled": True,
        "city": "London",
        "department": "Engineering",
        "displayName": "Ada Lovelace",
        "givenName": "Ada",
        "mailNickname": "ada",
        "preferredLanguage": "en-GB",
        "userPrincipalName": "ada_fabrikam.com#EXT#@contoso.onmicrosoft.com",
        "mail": "ada@fabrikam.com",
        "showInAddressList": True,
        "userType": "Member",
    }
    assert mapped.anchor is not None
    assert "alternativeSecurityIds" not in mapped.attributes and "IsSoftDeleted" not in mapped.attributes


def test_create_only_mappings_do_not_flow_on_update() -> None:
    mapped = map_user(source_user(), DEFAULT_MAPPINGS, creating=False, context=CONTEXT)
    assert "userType" not in mapped.attributes
    assert mapped.attributes["showInAddressList"] is True


def test_default_value_applies_only_on_create_and_only_when_null() -> None:
    mappings = (
        AttributeMapping("department", MappingKind.DIRECT, "department", default="Unassigned"),
        AttributeMapping("city", MappingKind.DIRECT, "city", default="Nowhere"),
    )
    user = source_user(department=None)
    assert map_user(user, mappings, creating=True, context=CONTEXT).attributes == {
        "department": "Unassigned",
        "city": "London",
    }
    assert map_user(user, mappings, creating=False, context=CONTEXT).attributes == {"city": "London"}


def test_mapping_kind_none_fills_only_the_default_on_create() -> None:
    mappings = (AttributeMapping("companyName", MappingKind.NONE, None, default="Fabrikam"),)
    assert map_user(source_user(), mappings, creating=True, context=CONTEXT).attributes == {
        "companyName": "Fabrikam"
    }
    assert map_user(source_user(), mappings, creating=False, context=CONTEXT).attributes == {}


@pytest.mark.parametrize("null", [None, "", []])
def test_null_is_never_provisioned(null: Any) -> None:
    mapped = map_user(source_user(city=null), DEFAULT_MAPPINGS, creating=False, context=CONTEXT)
    assert "city" not in mapped.attributes
    assert "state" not in mapped.attributes  # absent from the source altogether


def test_ignore_flow_leaves_the_attribute_absent() -> None:
    mappings = (
        AttributeMapping("jobTitle", MappingKind.EXPRESSION, "IgnoreFlowIfNullOrEmpty([jobTitle])"),
        AttributeMapping("department", MappingKind.EXPRESSION, "IgnoreFlowIfNullOrEmpty([department])"),
    )
    mapped = map_user(source_user(jobTitle=""), mappings, creating=True, context=CONTEXT)
    assert mapped.attributes == {"department": "Engineering"}


def test_upn_takes_the_b2b_ext_form_of_the_target_domain() -> None:
    mapped = map_user(
        source_user(userPrincipalName="user.upn@otherdomain.com"),
        DEFAULT_MAPPINGS,
        creating=False,
        context=MapContext("contoso.onmicrosoft.com"),
    )
    assert mapped.attributes["userPrincipalName"] == "user.upn_otherdomain.com#EXT#@contoso.onmicrosoft.com"


def test_boolean_targets_get_booleans_from_constants_and_strings() -> None:
    mappings = (
        AttributeMapping("showInAddressList", MappingKind.CONSTANT, "false"),
        AttributeMapping("accountEnabled", MappingKind.DIRECT, "accountEnabled"),
        AttributeMapping("department", MappingKind.CONSTANT, "true"),
    )
    mapped = map_user(source_user(accountEnabled="False"), mappings, creating=False, context=CONTEXT)
    assert mapped.attributes == {"showInAddressList": False, "accountEnabled": False, "department": "true"}


def test_disabled_source_user_maps_account_enabled_false() -> None:
    mapped = map_user(source_user(accountEnabled=False), DEFAULT_MAPPINGS, creating=False, context=CONTEXT)
    assert mapped.attributes["accountEnabled"] is False


def test_is_soft_deleted_is_returned_beside_the_attributes() -> None:
    mapped = map_user(source_user(IsSoftDeleted="True"), DEFAULT_MAPPINGS, creating=False, context=CONTEXT)
    assert mapped.is_soft_deleted is True
    assert map_user(source_user(), DEFAULT_MAPPINGS, creating=False, context=CONTEXT).is_soft_deleted is None


def test_anchor_is_evaluated_from_net_id_and_missing_without_it() -> None:
    compiled = compile_mappings(DEFAULT_MAPPINGS)
    with_net_id = map_user(source_user(), compiled, creating=False, context=CONTEXT)
    without = map_user(source_user(netId=None), compiled, creating=False, context=CONTEXT)
    assert with_net_id.anchor and without.anchor is None


def test_multi_valued_source_to_single_valued_target_fails() -> None:
    mappings = (AttributeMapping("department", MappingKind.DIRECT, "businessPhones"),)
    with pytest.raises(MappingError) as caught:
        map_user(source_user(businessPhones=["1", "2"]), mappings, creating=True, context=CONTEXT)
    assert caught.value.code == "SchemaPropertyCanOnlyAcceptValue"


def test_extension_attribute_source_reads_on_premises_extension_attributes() -> None:
    mappings = (AttributeMapping("employeeId", MappingKind.DIRECT, "extensionAttribute1"),)
    user = source_user(onPremisesExtensionAttributes={"extensionAttribute1": "CC1917"})
    assert map_user(user, mappings, creating=True, context=CONTEXT).attributes == {"employeeId": "CC1917"}


# -- diff ---------------------------------------------------------------------------------------------


def test_diff_of_equal_values_is_empty_redundant_export() -> None:
    desired = {
        "displayName": "Ada",
        "accountEnabled": True,
        "showInAddressList": True,
        "businessPhones": ["1"],
    }
    current = {
        "displayName": "Ada",
        "accountEnabled": "True",
        "showInAddressList": True,
        "businessPhones": ("1",),
    }
    assert diff(desired, current) == {}


def test_diff_reports_old_and_new_of_what_differs() -> None:
    desired = {"displayName": "Ada", "city": "London", "accountEnabled": False, "mail": "Ada@x.com"}
    current = {"displayName": "Ada", "accountEnabled": True, "mail": "ada@x.com"}
    assert diff(desired, current) == {
        "city": (None, "London"),
        "accountEnabled": (True, False),
        "mail": ("ada@x.com", "Ada@x.com"),
    }


def test_diff_ignores_attributes_not_desired() -> None:
    assert diff({}, {"jobTitle": "kept by the target"}) == {}


# -- source attributes --------------------------------------------------------------------------------


def test_source_attributes_cover_mappings_expressions_scope_and_lifecycle() -> None:
    mappings = DEFAULT_MAPPINGS + (
        AttributeMapping("jobTitle", MappingKind.EXPRESSION, 'Join(" ", [jobTitle], [extensionAttribute3])'),
    )
    groups = (FilterGroup("f", (FilterClause("companyName", FilterOperator.IS_NOT_NULL),)),)
    names = source_attributes(mappings, filter_groups=groups)
    assert {
        "netId",
        "jobTitle",
        "onPremisesExtensionAttributes",
        "companyName",
        "city",
        "mailNickname",
        "id",
        "userType",
        "creationType",
        "identities",
    } <= names
    assert "IsSoftDeleted" not in names and "extensionAttribute3" not in names


# -- validation ---------------------------------------------------------------------------------------


def _with(mappings: tuple[AttributeMapping, ...], *extra: AttributeMapping) -> tuple[AttributeMapping, ...]:
    return mappings + extra


@pytest.mark.parametrize(
    "mappings",
    [
        (replace(DEFAULT_MAPPINGS[0], source="AltSecIdFromNetId([objectId])"),) + DEFAULT_MAPPINGS[1:],
        (replace(DEFAULT_MAPPINGS[0], matching_priority=2),) + DEFAULT_MAPPINGS[1:],
        DEFAULT_MAPPINGS[1:],
        _with(
            DEFAULT_MAPPINGS[:14], replace(DEFAULT_MAPPINGS[14], matching_priority=2), *DEFAULT_MAPPINGS[15:]
        ),
    ],
    ids=["changed-source", "changed-precedence", "removed", "added-second"],
)
def test_changing_or_adding_matching_attributes_is_schema_invalid(
    mappings: tuple[AttributeMapping, ...],
) -> None:
    with pytest.raises(MappingError) as caught:
        validate_mappings(mappings)
    assert caught.value.code == "schemaInvalid"
    assert "matching" in caught.value.message


def test_expression_over_10000_characters_is_refused() -> None:
    long = 'Join("", ' + ", ".join(['"x"'] * 2500) + ")"
    assert len(long) > 10_000
    with pytest.raises(MappingError, match="10,000 characters") as caught:
        validate_mappings(_with(DEFAULT_MAPPINGS, AttributeMapping("jobTitle", MappingKind.EXPRESSION, long)))
    assert caught.value.code == "schemaInvalid"


def test_expression_that_does_not_parse_names_the_column() -> None:
    bad = AttributeMapping("jobTitle", MappingKind.EXPRESSION, 'Join(" ", [givenName] [surname])')
    with pytest.raises(MappingError, match=r"jobTitle.*column \d+") as caught:
        validate_mappings(_with(DEFAULT_MAPPINGS, bad))
    assert caught.value.code == "schemaInvalid"


@pytest.mark.parametrize("target", ["proxyAddresses", "otherMails"])
def test_read_only_targets_are_refused(target: str) -> None:
    with pytest.raises(MappingError, match=target):
        validate_mappings(_with(DEFAULT_MAPPINGS, AttributeMapping(target, MappingKind.DIRECT, "mail")))


def test_duplicate_target_and_unavailable_source_are_refused() -> None:
    with pytest.raises(MappingError, match="more than once"):
        validate_mappings(_with(DEFAULT_MAPPINGS, AttributeMapping("city", MappingKind.DIRECT, "state")))
    with pytest.raises(MappingError, match="userType is not available"):
        validate_mappings(
            _with(DEFAULT_MAPPINGS, AttributeMapping("jobTitle", MappingKind.DIRECT, "userType"))
        )


def test_mapping_many_users_is_fast() -> None:
    import time

    compiled = compile_mappings(DEFAULT_MAPPINGS + COMMON_EXTRA_MAPPINGS)
    users = [source_user(id=str(i), mailNickname=f"u{i}") for i in range(5000)]
    started = time.perf_counter()
    for user in users:
        diff(map_user(user, compiled, creating=False, context=CONTEXT).attributes, user)
    assert time.perf_counter() - started < 2.0
