"""The v1.0 user the simulator serves has no property that Graph's v1.0 user lacks (the msgraph-sdk
model is the reference), so code written against the simulator does not come to depend on invented
ones; the provisioning service's anchors (netId, alternativeSecurityIds) live in the directory's
internal view, which only the service itself reads and writes."""

from __future__ import annotations

from msgraph.generated.models.directory_object import DirectoryObject
from msgraph.generated.models.entity import Entity
from msgraph.generated.models.user import User

from simulator.graph.odata_resources import SERVICE_USER_SPEC, USER_SPEC
from simulator.testing import running_simulator
from tests.conftest import GraphHttp, control_tenant

#: what the directory keeps for cross-tenant synchronization, seen by the service only
SERVICE_ANCHORS = {"netId", "alternativeSecurityIds"}


def _sdk_user_properties() -> set[str]:
    names: set[str] = set()
    for model in (User, DirectoryObject, Entity):
        names |= set(model().get_field_deserializers())
    return names


def test_v1_user_has_no_property_the_sdk_user_model_lacks() -> None:
    sdk = _sdk_user_properties()
    assert "userPrincipalName" in sdk and "id" in sdk  # the reference is the real model
    invented = set(USER_SPEC.known_properties) - sdk
    assert not invented, f"properties Graph's v1.0 user does not have: {sorted(invented)}"
    assert SERVICE_ANCHORS <= set(SERVICE_USER_SPEC.known_properties)  # the service's internal view


def test_default_and_fully_selected_v1_user_shapes_are_within_the_sdk_model() -> None:
    sdk = _sdk_user_properties()
    with running_simulator(seed=31, empty=True) as sim:
        tenant = control_tenant(sim, "commercial", 5, name="Shape")
        graph = GraphHttp(sim.endpoints(), tenant)
        users = graph("GET", "/users").json()["value"]
        assert users
        for u in users:
            assert {k for k in u if not k.startswith("@")} <= sdk
        select = ",".join(sorted(USER_SPEC.known_properties))
        r = graph("GET", f"/users/{users[0]['id']}", params={"$select": select})
        assert r.status_code == 200, r.text
        assert {k for k in r.json() if not k.startswith("@")} <= sdk


def test_graph_callers_can_neither_read_filter_nor_write_the_service_anchors() -> None:
    with running_simulator(seed=32, empty=True) as sim:
        tenant = control_tenant(sim, "commercial", 3, name="Anchors")
        graph = GraphHttp(sim.endpoints(), tenant)
        uid = graph("GET", "/users").json()["value"][0]["id"]
        for name in sorted(SERVICE_ANCHORS):
            r = graph("GET", f"/users/{uid}", params={"$select": name})
            assert r.status_code == 400, r.text
            assert name in r.json()["error"]["message"]
        flt = "alternativeSecurityIds/any(x:x/key eq 'AAAA')"
        assert graph("GET", "/users", params={"$filter": flt}).status_code == 400
        assert graph("GET", "/users/delta", params={"$select": "id,netId"}).status_code == 400
        patch = {"alternativeSecurityIds": [{"type": 5, "identityProvider": None, "key": "AAAA"}]}
        r = graph("PATCH", f"/users/{uid}", json=patch)
        assert r.status_code == 400 and "does not exist" in r.json()["error"]["message"]
        star = graph("GET", f"/users/{uid}", params={"$select": "*"})
        if star.status_code == 200:
            assert not SERVICE_ANCHORS & set(star.json())
