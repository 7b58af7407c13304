"""Scenario files against a simulator reached over HTTPS (as `ccsync up`), two workers sharing its clock."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from simulator.testing import running_simulator
from tests.conftest import ROOT


def test_the_cli_runs_scenarios_over_http_with_two_workers(tmp_path: Path) -> None:
    with running_simulator() as sim:  # the default world, sockets and endpoints.json, like `ccsync up`
        before = {t["id"] for t in sim.endpoints()["tenants"]}
        junit = tmp_path / "out.xml"
        proc = subprocess.run(
            [sys.executable, "-c", "import sys; from ccsync.cli import main; sys.exit(main(sys.argv[1:]))", "scenarios", "run", "scenarios/library/lifecycle",
             "--backend", "http", "--endpoints", str(sim.data_dir / "endpoints.json"), "-n", "2",
             "-k", "disabling or restoring or renamed", "--junit", str(junit)],
            cwd=ROOT, capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
        suite = ET.parse(junit).getroot()
        suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
        assert int(suite.get("tests")) == 3 and int(suite.get("failures")) == 0
        made = [t for t in sim.endpoints()["tenants"] if t["id"] not in before]
        assert len(made) == 6  # each scenario made its own two tenants
        with sim.store.lock:  # and removed the objects it made in them
            assert all(len(sim.store.tenant(t["id"]).users.items) == 0 for t in made)
        assert not sim.clock.is_virtual  # the shared clock is handed back real
