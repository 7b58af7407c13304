"""The locust profiles run under plain ``locust -f`` against a running simulator (loopback, a few seconds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from simulator.testing import running_simulator
from simulator.trust import system_bundle

LOCUSTFILES = Path(__file__).resolve().parents[2] / "loadtests" / "locustfiles"


def locust_env() -> dict[str, str]:
    """A machine whose CA variables point at the system bundle: the profiles must name the CA themselves."""
    env = dict(os.environ)
    env.update(REQUESTS_CA_BUNDLE=str(system_bundle()), CURL_CA_BUNDLE=str(system_bundle()))
    return env


def run_locust(locustfile: str, host: str, out: Path, *extra: str, seconds: int = 6) -> list[dict]:
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / locustfile), "--headless",
        "-t", f"{seconds}s", "--host", host, "--only-summary", "--json-file", str(out / "run"),
        "--ccsync-stats-file", str(out / "traffic.json"), *extra,
    ]  # fmt: skip
    r = subprocess.run(cmd, env=locust_env(), capture_output=True, text=True, timeout=seconds + 40)
    assert r.returncode in (0, 1), r.stderr[-3000:]
    assert "Traceback" not in r.stderr, r.stderr[-3000:]
    return json.loads((out / "run.json").read_text())


def test_sync_jobs_runs_concurrent_engine_jobs_and_reports_each_cycle(tmp_path: Path) -> None:
    with running_simulator(seed=5) as sim:
        # --stop-timeout: a cycle running when -t ends finishes and is reported (a busy machine is slow)
        stats = run_locust(
            "sync_jobs.py", sim.control_url, tmp_path, "-u", "2", "-r", "2", "--job-users", "15",
            "--stop-timeout", "30", seconds=8,
        )  # fmt: skip
        tenants = [t["displayName"] for t in sim.endpoints()["tenants"]]

    by_name = {e["name"]: e for e in stats}
    assert by_name["initial cycle"]["num_requests"] == 2  # one initial cycle per job
    assert by_name["incremental cycle"]["num_requests"] >= 1
    assert all(e["method"] == "CYCLE" and e["num_failures"] == 0 for e in stats)
    assert sum(name.startswith("Load Job") for name in tenants) == 4  # each job its own tenant pair
    assert json.loads((tmp_path / "traffic.json").read_text())["totals"]["retry_after_violations"] == 0


def test_load_shapes_ramp_hold_and_spike_over_the_run_time() -> None:
    from loadtests.shapes import shape_users

    assert [shape_users("ramp", 20, t, 100) for t in (0, 50, 100)] == [1, 10, 20]
    assert [shape_users("plateau", 20, t, 100) for t in (5, 10, 90)] == [10, 20, 20]
    assert [shape_users("spike", 20, t, 100) for t in (10, 45, 70)] == [5, 20, 5]
    assert shape_users("steady", 20, 1, 100) == 20
