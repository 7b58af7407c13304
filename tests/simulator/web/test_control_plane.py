"""The control plane: endpoints, tenants, clock, snapshots, reset."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import GraphHttp, app_of
from tests.simulator.conftest import control

SIMULATOR = {"seed": 3}


def test_endpoints_document_is_the_public_contract(sim: Any) -> None:
    doc = control(sim, "GET", "endpoints").json()
    assert doc["version"] == 1
    assert doc["control"] == sim.control_url
    assert set(doc["clouds"]) == {"commercial", "gcch", "dod", "china"}
    for c in doc["clouds"].values():
        assert set(c) >= {"login", "graph", "login_host", "graph_host", "cloud_instance"}
        assert c["login"].startswith("https://127.0.0.1:") and c["graph"].startswith("https://127.0.0.1:")
    assert doc["clouds"]["gcch"]["login"] == doc["clouds"]["dod"]["login"]
    assert doc["clouds"]["dod"]["graph_host"] == "dod-graph.microsoft.us"
    flavors = {t["flavor"] for t in doc["tenants"]}
    assert flavors >= {"commercial", "gcc", "gcch", "dod", "china"}
    for t in doc["tenants"]:
        assert set(t) >= {"id", "cloud", "flavor", "displayName", "defaultDomain", "apps"}
        for a in t["apps"]:
            assert set(a) >= {"displayName", "clientId", "clientSecret", "permissions"}
    on_disk = json.loads((sim.data_dir / "endpoints.json").read_text())
    assert on_disk["clouds"] == doc["clouds"]


def test_post_tenant_creates_a_usable_tenant(sim: Any) -> None:
    r = control(sim, "POST", "tenants", json={"cloud": "dod", "users": 25, "name": "Control DoD"})
    assert r.status_code == 201, r.text
    t = r.json()
    assert t["cloud"] == "dod" and t["flavor"] == "dod"
    doc = sim.endpoints()
    graph = GraphHttp(doc, t, app_of(t))
    count = graph("GET", "/users/$count", headers={"ConsistencyLevel": "eventual"})
    assert int(count.text) >= 25


@pytest.mark.parametrize("users", [0, 1, 10])
def test_post_tenant_seeds_small_tenants_with_the_default_licences(sim: Any, users: int) -> None:
    r = control(sim, "POST", "tenants", json={"cloud": "commercial", "users": users, "name": f"Tiny {users}"})
    assert r.status_code == 201, r.text
    t = r.json()
    graph = GraphHttp(sim.endpoints(), t, app_of(t))
    found = graph("GET", "/users?$select=id,assignedLicenses&$top=999").json()["value"]
    assert len(found) == users
    assert sum(1 for u in found if u["assignedLicenses"]) == int(users * 0.9 + 0.5)


@pytest.mark.parametrize(
    "body",
    [
        {"cloud": "azure"},
        {"cloud": "commercial", "users": -1},
        {"cloud": "commercial", "users": "many"},
        {"cloud": "gcch", "flavor": "gcc"},
    ],
)
def test_post_tenant_rejects_bad_input_clearly(sim: Any, body: dict[str, Any]) -> None:
    r = control(sim, "POST", "tenants", json=body)
    assert r.status_code == 400
    assert r.json()["error"]["message"]


def test_clock_switches_to_virtual_and_advances(sim: Any) -> None:
    r = control(sim, "POST", "clock", json={"mode": "virtual", "now": "2030-01-01T00:00:00Z"})
    assert r.json() == {"now": "2030-01-01T00:00:00Z", "virtual": True}
    r = control(sim, "POST", "clock/advance", json={"by": "PT40M"})
    assert r.json()["now"] == "2030-01-01T00:40:00Z"
    assert control(sim, "POST", "clock/advance", json={"by": "forty minutes"}).status_code == 400
    control(sim, "POST", "clock", json={"mode": "real"})
    assert control(sim, "GET", "clock").json()["virtual"] is False
    assert control(sim, "POST", "clock/advance", json={"by": "PT1M"}).status_code == 409


def test_snapshot_round_trips_byte_identically(sim: Any) -> None:
    first = control(sim, "GET", "snapshot").content
    assert (
        control(
            sim, "PUT", "snapshot", content=first, headers={"Content-Type": "application/json"}
        ).status_code
        == 200
    )
    second = control(sim, "GET", "snapshot").content
    assert first == second
    assert control(sim, "POST", "snapshot/save", json={"name": "base"}).status_code == 200
    before = len(sim.store.tenants)
    control(sim, "POST", "tenants", json={"cloud": "commercial", "users": 1})
    assert len(sim.store.tenants) == before + 1
    assert control(sim, "POST", "snapshot/load", json={"name": "base"}).status_code == 200
    assert len(sim.store.tenants) == before


def test_snapshot_of_a_newer_format_is_refused_and_state_kept(sim: Any) -> None:
    doc = control(sim, "GET", "snapshot").json()
    doc["format"] = 99
    r = control(sim, "PUT", "snapshot", json=doc)
    assert r.status_code == 400
    assert "newer" in r.json()["error"]["message"]
    assert len(sim.store.tenants) > 0
    assert control(sim, "PUT", "snapshot", json={"hello": 1}).status_code == 400


def test_reset_returns_to_the_world_as_started(sim: Any) -> None:
    control(sim, "POST", "tenants", json={"cloud": "china", "users": 1})
    n = len(control(sim, "GET", "tenants").json()["value"])
    control(sim, "POST", "reset", json={})
    assert len(control(sim, "GET", "tenants").json()["value"]) < n
    assert control(sim, "POST", "reset", json={"empty": True}).json() == {"tenants": 0}
    control(sim, "POST", "reset", json={})


def test_unknown_control_path_is_json_404(sim: Any) -> None:
    r = control(sim, "GET", "nothing-here")
    assert r.status_code == 404 and r.json()["error"]["code"]
