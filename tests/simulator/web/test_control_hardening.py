"""Control-plane operations validate fully before they change anything, and answer 400s, never 500s."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from simulator.testing import running_simulator
from simulator.traffic.faults import MATCH_TIMEOUT
from tests.conftest import GraphHttp
from tests.simulator.conftest import control

SIMULATOR = {"seed": 8, "durable": True}


def _tenant_ids(sim: Any) -> list[str]:
    return [t["id"] for t in control(sim, "GET", "tenants").json()["value"]]


def _bad(r: httpx.Response, *words: str) -> None:
    assert r.status_code == 400, r.text
    message = r.json()["error"]["message"]
    for w in words:
        assert w in message, message


def test_a_snapshot_with_a_bad_clock_is_refused_before_it_replaces_anything(sim: Any, tmp_path: Path) -> None:
    before = _tenant_ids(sim)
    snap = control(sim, "GET", "snapshot").json()
    snap["tenants"] = snap["tenants"][:1]  # a load would visibly drop tenants
    for clock in ({"virtual": "not a date"}, {"virtual": "9999-12-31T23:59:59+00:00"}, "tomorrow"):
        _bad(control(sim, "PUT", "snapshot", json={**snap, "clock": clock}), "clock")
        assert _tenant_ids(sim) == before
    twice = {**snap, "tenants": snap["tenants"] * 2}
    _bad(control(sim, "PUT", "snapshot", json=twice), "twice")
    assert _tenant_ids(sim) == before


def test_a_refused_snapshot_leaves_the_durable_state_alone(tmp_path: Path) -> None:
    with running_simulator(data_dir=tmp_path, durable=True, seed=8) as s:
        before = _tenant_ids(s)
        snap = control(s, "GET", "snapshot").json()
        _bad(control(s, "PUT", "snapshot", json={**snap, "tenants": [], "clock": {"virtual": 5}}), "clock")
    with running_simulator(data_dir=tmp_path, durable=True, seed=8) as s:
        assert _tenant_ids(s) == before


def test_the_virtual_clock_refuses_dates_it_cannot_compute_with(sim: Any) -> None:
    _bad(control(sim, "POST", "clock", json={"mode": "virtual", "now": "9999-12-31T00:00:00Z"}), "9000")
    _bad(control(sim, "POST", "clock", json={"mode": "virtual", "now": "0001-01-01T00:00:00-05:00"}))
    try:
        ok = control(sim, "POST", "clock", json={"mode": "virtual", "now": "8999-12-30T00:00:00Z"})
        assert ok.status_code == 200, ok.text
        _bad(control(sim, "POST", "clock/advance", json={"by": "P30D"}), "9000")
        _bad(control(sim, "POST", "clock/advance", json={"by": "P99999999999D"}), "too long")
        assert control(sim, "GET", "clock").json()["now"].startswith("8999-12-30")
        doc = sim.endpoints()
        t = next(t for t in doc["tenants"] if t["cloud"] == "commercial")
        assert GraphHttp(doc, t)("GET", "/users?$top=1").status_code == 200  # tokens still computable
    finally:
        control(sim, "POST", "clock", json={"mode": "real"})


@pytest.mark.parametrize(
    ("path", "body", "words"),
    [
        ("/reset", {"empty": "false"}, ["'empty'"]),
        ("/reset", {"empty": 1}, ["'empty'"]),
        ("/reset", {"seeed": 4}, ["'seeed'", "'seed'"]),
        ("/tenants", {"cloud": "commercial", "seed": {"a": 1}}, ["'seed'"]),
        ("/tenants", {"cloud": "commercial", "seed": 1.5}, ["'seed'"]),
        ("/tenants", {"cloud": "commercial", "domain": 7}, ["'domain'"]),
        ("/tenants", {"cloud": "commercial", "name": "x" * 300}, ["'name'"]),
        ("/tenants", {"cloud": "commercial", "user": 5}, ["'user'", "'users'"]),
    ],
)
def test_control_plane_bodies_are_checked_before_anything_changes(
    sim: Any, path: str, body: dict[str, Any], words: list[str]
) -> None:
    before = _tenant_ids(sim)
    _bad(control(sim, "POST", path.lstrip("/"), json=body), *words)
    assert _tenant_ids(sim) == before


def test_a_catastrophic_fault_pattern_cannot_stall_the_server(sim: Any) -> None:
    r = control(sim, "POST", "faults", json={"path_regex": "^/users/(a+)+$", "status": 503, "count": 5})
    assert r.status_code in (200, 201), r.text
    try:
        doc = sim.endpoints()
        t = next(t for t in doc["tenants"] if t["cloud"] == "commercial")
        graph = GraphHttp(doc, t)
        # 2^40 backtracking steps in Python's re; the regex engine gives up after MATCH_TIMEOUT
        slow = graph("GET", "/users/" + "a" * 40 + "!")
        assert slow.status_code == 404
        assert MATCH_TIMEOUT < 1
        assert graph("GET", "/users/aaaa").status_code == 503  # the fault still fires where it matches
    finally:
        control(sim, "DELETE", "faults")


@pytest.mark.parametrize(
    "path",
    [
        "/tenants/{tenant}/subscribedSkus/GOVERNANCE",  # control_licences
        "/tenants/{tenant}/cross-cloud-sync/commercial",  # control_cross_cloud_sync
        "/traffic",  # control_traffic
    ],
)
def test_every_control_route_module_reads_bodies_with_the_same_limits(sim: Any, path: str) -> None:
    tenant = _tenant_ids(sim)[0]
    deep = "[" * 5000 + "]" * 5000  # the nesting that made Python's json raise RecursionError
    r = httpx.put(
        f"{sim.control_url}/_simulator{path.format(tenant=tenant)}",
        content=deep,
        headers={"Content-Type": "application/json"},
        timeout=60,
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["code"] == "BadRequest"
