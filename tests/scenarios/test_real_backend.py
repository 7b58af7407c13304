"""The real-tenant backend, dry-checked against the simulator's HTTPS endpoints as if they were real
tenants: simulator-only steps are skipped with a reason, and every object a run creates is deleted."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest

from simulator.testing import running_simulator

ROOT = Path(__file__).resolve().parents[2]
RUN_ID = re.compile(r"ccs[0-9a-f]{6} ")
CLOUDS = ["commercial", "commercial", "gcch", "dod", "china"]


def _write_tenants(sim, tmp: Path) -> list[dict]:
    control = httpx.Client(base_url=sim.control_url)
    records = []
    for i, cloud in enumerate(CLOUDS):
        t = control.post(
            "/_simulator/tenants", json={"cloud": cloud, "users": 0, "name": f"Dry {cloud} {i}"}
        ).json()
        for sku in ("P1", "GOVERNANCE"):
            control.put(f"/_simulator/tenants/{t['id']}/subscribedSkus/{sku}", json={"units": 100})
        records.append(t)
    doc = sim.endpoints()
    lines = ["[options]", f'ca_bundle = "{doc["ca_bundle"]}"', ""]
    for i, t in enumerate(records):
        app = next(a for a in t["apps"] if "Policy.ReadWrite.CrossTenantAccess" in a["permissions"])
        (tmp / f"secret{i}").write_text(app["clientSecret"])
        cloud = doc["clouds"][t["cloud"]]
        lines += [
            f"[tenants.t{i}]",
            f'id = "{t["id"]}"',
            f'cloud = "{t["cloud"]}"',
            f'domain = "{t["defaultDomain"]}"',
            f'client_id = "{app["clientId"]}"',
            f'client_secret_file = "secret{i}"',
            f'login = "{cloud["login"]}"',
            f'graph = "{cloud["graph"]}"',
            f'scope = "{cloud["scope"]}"',
            "",
        ]
    (tmp / "tenants.toml").write_text("\n".join(lines))
    return records


def _leftovers(sim, tenants: list[dict]) -> list[str]:
    """Objects named with a run id ('ccs…') still in any tenant, deleted items and partners included."""
    found = []
    with sim.store.lock:
        for rec in tenants:
            t = sim.store.tenant(rec["id"])
            for kind, items in (("user", t.users.items), ("group", t.groups.items)):
                found += [
                    f"{kind} {o.get('displayName')}"
                    for o in items.values()
                    if RUN_ID.match(str(o.get("displayName", "")))
                ]
            for kind, items in (("application", t.applications.items), ("sp", t.service_principals.items)):
                found += [
                    f"{kind} {o.get('displayName')}"
                    for o in items.values()
                    if RUN_ID.match(str(o.get("displayName", "")))
                ]
            found += [f"deleted {o.get('displayName')}" for o in t.deleted.items.values()]
            found += [f"partner {p}" for p in t.partners]
    return found


@pytest.mark.skipif(
    not os.environ.get("CCSYNC_REAL_DRY_CHECK"),
    reason="about 60 s on real clocks: make scenarios-real-dry-check",
)
def test_real_backend_runs_the_library_on_tenants_toml_skips_simulator_steps_and_cleans_up(
    tmp_path: Path,
) -> None:
    with running_simulator(empty=True) as sim:
        tenants = _write_tenants(sim, tmp_path)
        junit = tmp_path / "junit.xml"
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "scenarios/library", "-p", "no:cacheprovider", "-q", "-n", "0",
             "-o", "testpaths=", "--ccsync-real", str(tmp_path / "tenants.toml"), f"--junitxml={junit}",
             "-k", "scope or 429 or inbound or China"],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        root = ET.parse(junit).getroot()
        cases = root.iter("testcase")
        props = [
            p.get("value", "") for c in cases for p in c.iter("property") if p.get("name") == "skipped_step"
        ]
        assert any("only a simulator can do" in p for p in props), props  # throttling/fault steps skipped
        suite = root.find("testsuite") if root.tag != "testsuite" else root
        assert int(suite.get("tests")) >= 8 and int(suite.get("failures")) == 0
        assert _leftovers(sim, tenants) == []
