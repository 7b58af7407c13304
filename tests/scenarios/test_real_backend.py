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
from tests.conftest import ROOT

RUN_ID = re.compile(r"ccs[0-9a-f]{6} ")
CLOUDS = ["commercial", "commercial", "gcc", "gcch", "dod", "china"]


def _write_tenants(sim, tmp: Path) -> list[dict]:
    control = httpx.Client(base_url=sim.control_url)
    records = []
    for i, cloud in enumerate(CLOUDS):
        body = {"cloud": "commercial" if cloud == "gcc" else cloud, "users": 0, "name": f"Dry {cloud} {i}"}
        if cloud == "gcc":
            body["flavor"] = "gcc"
        resp = control.post("/_simulator/tenants", json=body)
        assert resp.status_code == 201, resp.text
        t = resp.json()
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
            f'cloud = "{t["flavor"]}"',
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


def _dry_check(tmp_path: Path, keyword: str | None) -> ET.Element:
    """Run the library with --ccsync-real against a simulator posing as real tenants; check the cleanup."""
    with running_simulator(empty=True) as sim:
        tenants = _write_tenants(sim, tmp_path)
        junit = tmp_path / "junit.xml"
        cmd = [sys.executable, "-m", "pytest", "scenarios/library", "-p", "no:cacheprovider", "-q", "-n", "0",
               "-o", "testpaths=", "--ccsync-real", str(tmp_path / "tenants.toml"), f"--junitxml={junit}", "-rs"]  # fmt: skip
        if keyword:
            cmd += ["-k", keyword]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
        assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
        assert _leftovers(sim, tenants) == []  # every user, group, configuration and partner the runs made
    return ET.parse(junit).getroot()


def _summary(root: ET.Element) -> tuple[dict[str, int], list[str], list[str]]:
    suite = root if root.tag == "testsuite" else root.find("testsuite")
    counts = {k: int(suite.get(k)) for k in ("tests", "failures", "errors", "skipped")}
    notes = [p.get("value", "") for p in root.iter("property") if p.get("name") == "skipped_step"]
    skips = [s.get("message", "") for s in root.iter("skipped")]
    return counts, notes, skips


def test_real_backend_dry_check_on_a_few_topics_skips_simulator_steps_and_cleans_up(tmp_path: Path) -> None:
    root = _dry_check(tmp_path, "inbound or China or 429 or assigned")
    counts, notes, _ = _summary(root)
    assert counts["failures"] == 0 and counts["errors"] == 0 and counts["tests"] >= 5
    assert any("'fault' is something only a simulator can do" in n for n in notes), notes


@pytest.mark.skipif(
    not os.environ.get("CCSYNC_REAL_DRY_CHECK"), reason="about 45 s: make scenarios-real-dry-check"
)
def test_real_backend_dry_check_runs_the_whole_library(tmp_path: Path) -> None:
    root = _dry_check(tmp_path, None)
    counts, notes, skips = _summary(root)
    assert counts["failures"] == 0 and counts["errors"] == 0 and counts["tests"] >= 60
    assert any("only a simulator can do" in n for n in notes)  # throttling, faults
    assert any("only visible on a simulator" in n for n in notes)  # the licence warning
    assert any("needs scheduled cycles" in s for s in skips)  # deletion threshold, pause, schedule
    assert (
        counts["skipped"] <= 15
    )  # 10 scenarios need a simulator, cycles or an existing group; xfails count as skipped
