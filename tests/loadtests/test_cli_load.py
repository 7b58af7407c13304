"""``ccsync load`` runs a profile headless, in one process or as locust master and workers, and writes the reports."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsync.cli import main
from tests.loadtests.test_locustfiles import locust_env


@pytest.fixture(autouse=True)
def hostile_ca_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in locust_env().items():
        monkeypatch.setenv(key, value)


@pytest.mark.parametrize("processes", [1, 2])
def test_load_runs_graph_mix_headless_and_writes_the_reports(
    processes: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "results"
    # workers connect to the master before any user starts: on a busy machine that can take seconds
    run_time = "4s" if processes == 1 else "10s"
    argv = ["load", "--profile", "graph_mix", "--users", "6", "--run-time", run_time, "--tenant-users", "60"]
    code = main([*argv, "--processes", str(processes), "--out", str(out), "--json"])

    summary = json.loads(capsys.readouterr().out)
    assert code == 0
    assert summary["processes"] == processes and summary["traffic_profile"] == "documented"
    # a few seconds of 6 users, on a possibly busy machine
    assert summary["requests"] >= 4 and summary["failures"] == 0
    assert summary["requests_per_s"] > 0 and 0 < summary["p50_ms"] <= summary["p99_ms"]
    names = {row["name"] for row in summary["by_name"]}
    assert any(n.startswith("admin:") for n in names) and any(n.startswith("engine:") for n in names)
    # the simulator counted the run's Graph traffic ($batch items each), and nobody retried too early
    assert summary["traffic"]["requests"] >= summary["requests"]
    assert summary["traffic"]["retry_after_violations"] == 0
    assert "Aggregated" in (out / "locust_stats.csv").read_text()
    assert "<html" in (out / "locust.html").read_text()[:2000].lower()
    assert "| requests/s |" in (out / "summary.md").read_text()


def test_load_refuses_a_bad_run_time_with_the_fix(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", "--run-time", "soon"]) == 2
    assert "30s, 5m, 1h30m" in capsys.readouterr().out
