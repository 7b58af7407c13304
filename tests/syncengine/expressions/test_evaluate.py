"""Evaluation against Graph objects: attribute lookup, null versus IGNORE_FLOW, result shapes, context."""

from __future__ import annotations

from datetime import datetime

from syncengine.expressions import IGNORE_FLOW, EvalContext, compile, evaluate

from .conftest import NOW, Run

GRAPH_USER = {
    "id": "0b1f-...",
    "displayName": "Zoë Adams",
    "accountEnabled": True,
    "proxyAddresses": ["SMTP:zoe@contoso.com"],
    "onPremisesExtensionAttributes": {
        "extensionAttribute1": "20150123105347.1Z",
        "extensionAttribute2": None,
    },
    "manager": None,
}


def test_direct_and_constant_mappings_are_expressions(run: Run) -> None:
    assert run("[accountEnabled]", **GRAPH_USER) is True
    assert run('"Member"') == "Member"
    assert run("[proxyAddresses]", **GRAPH_USER) == ["SMTP:zoe@contoso.com"]


def test_unknown_attribute_is_null(run: Run) -> None:
    assert run("[noSuchAttribute]", **GRAPH_USER) is None
    assert run("[manager]", **GRAPH_USER) is None


def test_attribute_lookup_ignores_case_and_reads_nested_objects(run: Run) -> None:
    assert run("[DisplayName]", **GRAPH_USER) == "Zoë Adams"
    assert run("[onPremisesExtensionAttributes.extensionAttribute1]", **GRAPH_USER) == "20150123105347.1Z"
    assert run("[extensionAttribute1]", **GRAPH_USER) == "20150123105347.1Z"
    assert run("[extensionAttribute2]", **GRAPH_USER) is None
    assert run("[displayName.first]", **GRAPH_USER) is None


def test_ignore_flow_is_distinct_from_null(run: Run) -> None:
    assert run("IgnoreFlowIfNullOrEmpty([department])") is IGNORE_FLOW
    assert run("[department]") is None
    assert repr(IGNORE_FLOW) == "IGNORE_FLOW"


def test_datetimes_leave_as_the_service_prints_them(run: Run) -> None:
    assert run('CDate("2021-06-30+08:00")') == "6/29/2021 4:00:00 PM"
    assert run('Split(Join(",", "a", "b"), ",")') == ["a", "b"]


def test_concatenation_treats_null_as_empty(run: Run) -> None:
    assert (
        run('IIF([employeeType]="Intern","t-" & [alias],[alias])', employeeType="Intern", alias="jo")
        == "t-jo"
    )
    assert run('[a] & "-" & [b]', b=1) == "-1"


def test_compiled_expression_is_reusable_and_evaluate_accepts_it(context: EvalContext) -> None:
    compiled = compile('Join("@", NormalizeDiacritics(StripSpaces([displayName])), "contoso.com")')
    assert compiled.attributes == ("displayName",)
    assert compiled.evaluate(GRAPH_USER, context) == "ZoeAdams@contoso.com"
    assert evaluate(compiled, {"displayName": "Ann"}, context=context) == "Ann@contoso.com"


def test_naive_now_is_taken_as_utc() -> None:
    context = EvalContext(now=datetime(2024, 5, 1, 12, 0))
    assert context.current_time() == NOW
    assert evaluate("Now()", {}, context=context) == "5/1/2024 12:00:00 PM"


def test_default_mapping_of_cross_tenant_sync(run: Run) -> None:
    result = run("AltSecIdFromNetId([netId])", netId="10032001A2B3C4D5", **GRAPH_USER)
    assert isinstance(result, list) and len(result) == 1
    assert set(result[0]) == {"type", "identityProvider", "key"}
