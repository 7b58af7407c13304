"""The README's msgraph-sdk example runs as written against a running simulator."""

from __future__ import annotations

import subprocess
import sys

from simulator.testing import running_simulator
from tests.conftest import ROOT


def test_cross_cloud_example_configures_runs_and_reads_logs() -> None:
    with running_simulator(seed=42) as sim:
        r = subprocess.run(
            [
                sys.executable,
                str(ROOT / "examples" / "cross_cloud_with_msgraph_sdk.py"),
                str(sim.data_dir / "endpoints.json"),
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert r.returncode == 0, r.stderr[-3000:]
    assert "'cyclesRun': 1" in r.stdout
    assert "create success" in r.stdout
    count = int(r.stdout.strip().splitlines()[-1].split()[0])
    assert count > 50
