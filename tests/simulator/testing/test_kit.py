"""The public test kit: clean state per test, world choice, tenants, a configured pair, logs, ``ccsync up``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from simulator.testing import CCSync, ControlPlaneError, running_simulator


def test_reset_brings_back_world_clock_traffic_faults_counters_and_jobs(ccsync: CCSync) -> None:
    source, target = ccsync.tenant("commercial"), ccsync.tenant("gcch")
    ccsync.sync_pair(source, target)
    extra = ccsync.new_tenant("dod", users=3)
    ccsync.clock.set_virtual("2030-01-01T00:00:00Z")
    ccsync.traffic("scaled")
    ccsync.fault("GET", "/users", 503, count=5)
    with ccsync.http(source) as graph:
        graph.get("/users", params={"$top": "1"})
    assert ccsync.control.provisioning_jobs()

    ccsync.reset()

    assert extra["id"] not in {t["id"] for t in ccsync.endpoints["tenants"]}
    assert not ccsync.clock.is_virtual
    assert ccsync.control.set_traffic("off")["profile"] == "off"
    stats = ccsync.stats()
    assert stats["faults"] == [] and stats["totals"]["requests"] == 0
    assert ccsync.control.provisioning_jobs() == []
    assert ccsync.provisioning_logs(source) == []


@pytest.mark.ccsync(seed=7)
def test_marker_seed_builds_another_world(ccsync: CCSync, ccsync_simulator: object) -> None:
    default_ids = {t["id"] for t in ccsync_simulator.endpoints()["tenants"]}  # type: ignore[attr-defined]

    assert {t["id"] for t in ccsync.endpoints["tenants"]}.isdisjoint(default_ids)


WORLD = """\
version: 1
tenants:
  - {name: Tiny, cloud: commercial, users: 4}
  - {name: Tiny Gov, cloud: gcch, users: 2}
"""


def test_marker_world_and_traffic_apply_to_one_test(ccsync_session: CCSync, tmp_path: Path) -> None:
    world = tmp_path / "tiny.yaml"
    world.write_text(WORLD)

    ccsync_session.reset(world=world, traffic="scaled", clock="2026-05-01T00:00:00Z")

    assert [t["displayName"] for t in ccsync_session.endpoints["tenants"]] == ["Tiny", "Tiny Gov"]
    assert ccsync_session.clock.now().isoformat().startswith("2026-05-01T00:00")
    assert ccsync_session.control._call("GET", "/traffic")["profile"] == "scaled"
    ccsync_session.reset()
    assert len(ccsync_session.endpoints["tenants"]) > 2  # back to the started world


def test_new_tenant_has_the_users_and_licences_asked_for(ccsync: CCSync) -> None:
    tenant = ccsync.new_tenant("gcch", users=12, licences={"P1+ID_GOVERNANCE": "100%"})

    with ccsync.http(tenant) as graph:
        users = graph.get("/users", params={"$select": "id,assignedLicenses", "$top": "999"}).json()["value"]
    assert len(users) == 12
    assert all(u["assignedLicenses"] for u in users)


def test_sync_pair_runs_a_cycle_and_its_provisioning_logs_are_readable(ccsync: CCSync) -> None:
    ccsync.clock.set_virtual()
    source, target = ccsync.tenant("commercial"), ccsync.new_tenant("gcch", users=2)

    pair = ccsync.sync_pair(source, target)
    ccsync.advance("PT1M")  # the first cycle runs when the clock moves

    created = ccsync.provisioning_logs(
        source, service_principal_id=pair.service_principal_id, action="create"
    )
    assert created and all(r["provisioningStatusInfo"]["status"] == "success" for r in created)
    assert {r["servicePrincipal"]["id"] for r in created} == {pair.service_principal_id}
    with ccsync.http(target) as graph:
        synced = graph.get("/users", params={"$filter": "userType eq 'Member'", "$top": "999"}).json()[
            "value"
        ]
    assert len(synced) >= len(created)


def test_kit_works_against_a_simulator_started_elsewhere(tmp_path: Path) -> None:
    """``pytest --ccsync-endpoints``: the plugin loads by itself (entry point) and uses that simulator."""
    test_file = tmp_path / "test_external.py"
    test_file.write_text(
        textwrap.dedent(
            """
            def test_uses_the_running_simulator(ccsync):
                assert ccsync.simulator is None
                tenant = ccsync.tenant("china")
                with ccsync.http(tenant) as graph:
                    assert graph.get("/organization").json()["value"][0]["id"] == tenant["id"]
                print("TENANT", tenant["id"])
            """
        )
    )
    with running_simulator(seed=11) as sim:
        china = next(t for t in sim.endpoints()["tenants"] if t["cloud"] == "china")
        endpoints = sim.data_dir / "endpoints.json"
        assert json.loads(endpoints.read_text())["control"] == sim.control_url
        result = subprocess.run(
            [sys.executable, "-m", "pytest", str(test_file), "-q", "-s", "-p", "no:cacheprovider",
             "-p", "no:xdist", "--rootdir", str(tmp_path), "--ccsync-endpoints", str(endpoints)],
            capture_output=True, text=True, timeout=120, cwd=tmp_path, env={**os.environ, "PYTHONPATH": ""},
        )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"TENANT {china['id']}" in result.stdout


def test_tenant_lookup_by_cloud_flavour_domain_and_name(ccsync: CCSync) -> None:
    assert ccsync.tenant("commercial")["flavor"] == "commercial"
    assert ccsync.tenant("gcc")["flavor"] == "gcc"
    assert ccsync.tenant("commercial", flavor="gcc")["flavor"] == "gcc"
    assert ccsync.tenant("contosogov.onmicrosoft.us")["cloud"] == "gcch"
    assert ccsync.tenant("Contoso China")["cloud"] == "china"
    with pytest.raises(LookupError, match="no tenant 'nowhere'"):
        ccsync.tenant("nowhere")


def test_running_simulator_starts_with_a_traffic_profile_and_a_virtual_clock() -> None:
    with running_simulator(traffic="scaled", virtual_clock=True, empty=True) as sim:
        assert sim.traffic.describe()["profile"] == "scaled"
        assert sim.clock.is_virtual


@pytest.mark.parametrize(
    ("world", "says"),
    [
        ("version: 1\ntenants:\n  - {name: X, cloud: azure, users: 2}\n", "azure"),
        ("version: 1\ntenants:\n  - {name: X, cloud: gcch, users: 2, licences: {P1: 5}}\n", "licences"),
    ],
)
def test_a_bad_world_in_a_reset_is_refused_and_leaves_a_whole_world(
    ccsync: CCSync, world: str, says: str
) -> None:
    before = {t["id"] for t in ccsync.endpoints["tenants"]}

    with pytest.raises(ControlPlaneError) as refused:
        ccsync.control.reset(world=world)

    assert refused.value.status == 400 and says in str(refused.value)
    assert {t["id"] for t in ccsync.control.endpoints()["tenants"]} == before
