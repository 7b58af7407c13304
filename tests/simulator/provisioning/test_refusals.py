"""The service refuses what the real one refuses: scoping filters on userType, manager or multi-valued
attributes, a manager mapping across clouds, and a second configuration for the same tenant pair."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from tests.conftest import assert_graph_error
from tests.simulator.provisioning.conftest import TEMPLATE, make_setup


def _scoped(schema: dict[str, Any], attribute: str, operator: str = "EQUALS") -> dict[str, Any]:
    doc = copy.deepcopy(schema)
    doc["synchronizationRules"][0]["objectMappings"][0]["scope"] = {
        "groups": [
            {
                "name": "Chosen users",
                "clauses": [
                    {
                        "operatorName": operator,
                        "sourceOperandName": attribute,
                        "targetOperand": {"values": ["x"]},
                    }
                ],
            }
        ]
    }
    return doc


@pytest.mark.parametrize(
    ("attribute", "words"),
    [
        ("userType", "userType is not supported"),
        ("manager", "manager is not supported"),
        ("proxyAddresses", "multi-valued"),
        ("otherMails", "multi-valued"),
        ("employeeHireDate", "date-type"),
    ],
)
def test_scoping_filter_on_an_attribute_the_service_cannot_test_is_refused(
    sim: Any, attribute: str, words: str
) -> None:
    s = make_setup(sim, start=False)
    schema = s.src("GET", f"{s.job}/schema").json()
    err = assert_graph_error(
        s.src("PUT", f"{s.job}/schema", json=_scoped(schema, attribute)), 400, "schemaInvalid"
    )
    assert words in err["message"] and "Chosen users" in err["message"]
    assert s.src("GET", f"{s.job}/schema").json() == schema  # nothing changed
    assert s.src("PUT", f"{s.job}/schema", json=_scoped(schema, "department")).status_code == 204


def test_manager_mapping_in_a_cross_cloud_configuration_is_refused(sim: Any) -> None:
    s = make_setup(sim, start=False)  # commercial → GCC High
    schema = s.src("GET", f"{s.job}/schema").json()
    with_manager = copy.deepcopy(schema)
    with_manager["synchronizationRules"][0]["objectMappings"][0]["attributeMappings"].append(
        {
            "targetAttributeName": "manager",
            "matchingPriority": 0,
            "flowType": "Always",
            "source": {"type": "Attribute", "name": "manager", "expression": "[manager]", "parameters": []},
        }
    )
    err = assert_graph_error(s.src("PUT", f"{s.job}/schema", json=with_manager), 400, "schemaInvalid")
    assert "across Microsoft clouds" in err["message"]


def test_a_second_configuration_for_the_same_source_and_target_pair_is_refused(sim: Any) -> None:
    s = make_setup(sim, start=False)
    created = s.src("POST", f"/applicationTemplates/{TEMPLATE}/instantiate", json={"displayName": "Second"})
    assert created.status_code == 201
    sp = created.json()["servicePrincipal"]["id"]
    values = {"AuthenticationType": "SyncPolicy", "CompanyId": s.target["id"]}
    body = {"value": [{"key": k, "value": v} for k, v in values.items()]}
    err = assert_graph_error(
        s.src("PUT", f"/servicePrincipals/{sp}/synchronization/secrets", json=body),
        409,
        "Request_MultipleObjectsWithSameKeyValue",
    )
    assert s.target["id"] in err["message"] and "only one configuration" in err["message"]
    # the first configuration may save its own credentials again
    first = {
        "value": [
            {"key": "AuthenticationType", "value": "SyncPolicy"},
            {"key": "CompanyId", "value": s.target["id"]},
        ]
    }
    assert (
        s.src("PUT", f"/servicePrincipals/{s.sp_id}/synchronization/secrets", json=first).status_code == 204
    )
