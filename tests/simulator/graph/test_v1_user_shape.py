"""The v1.0 user the simulator serves has no property that Graph's v1.0 user lacks (the msgraph-sdk
model is the reference), apart from the two service-internal anchors still listed as missing in
docs/fidelity.md, so code written against the simulator does not come to depend on invented ones."""

from __future__ import annotations

from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.entity import Entity
from msgraph.generated.models.user import User

from simulator.graph.odata_resources import USER_SPEC
from simulator.testing import running_simulator
from tests.conftest import GraphHttp, control_tenant

#: v1.0 properties the simulator still serves although Graph's v1.0 user has none such (fidelity: missing)
SERVICE_ANCHORS = {"netId", "alternativeSecurityIds"}


def _sdk_user_properties() -> set[str]:
    names: set[str] = set()
    for model in (User, DirectoryObject, Entity):
        names |= set(model().get_field_deserializers())
    return names


def test_v1_user_has_no_property_the_sdk_user_model_lacks_besides_the_listed_anchors() -> None:
    sdk = _sdk_user_properties()
    assert "userPrincipalName" in sdk and "id" in sdk  # the reference is the real model
    invented = set(USER_SPEC.known_properties) - sdk
    assert invented == SERVICE_ANCHORS, f"properties Graph's v1.0 user does not have: {sorted(invented)}"


def test_default_and_fully_selected_v1_user_shapes_are_within_the_sdk_model() -> None:
    sdk = _sdk_user_properties()
    with running_simulator(seed=31, empty=True) as sim:
        tenant = control_tenant(sim, "commercial", 5, name="Shape")
        graph = GraphHttp(sim.endpoints(), tenant)
        users = graph("GET", "/users").json()["value"]
        assert users
        for u in users:
            assert {k for k in u if not k.startswith("@")} <= sdk
        select = ",".join(sorted(set(USER_SPEC.known_properties) - SERVICE_ANCHORS))
        r = graph("GET", f"/users/{users[0]['id']}", params={"$select": select})
        assert r.status_code == 200, r.text
        assert {k for k in r.json() if not k.startswith("@")} <= sdk
