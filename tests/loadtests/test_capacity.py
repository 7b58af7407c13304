"""``ccsync capacity``: a prediction from the engine's measured traffic, checked against the engine on virtual time."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ccsync.cli import main
from loadtests.capacity.calibration import calibrate
from loadtests.capacity.model import Scenario, bucket_seconds, predict
from simulator.traffic.throttle import Budget, make_limits


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict]:
    code = main(["capacity", *argv, "--json"])
    return code, json.loads(capsys.readouterr().out)


def test_capacity_predicts_a_250k_tenant_with_its_binding_limit_and_microsofts_band(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _run(
        capsys,
        "--users",
        "250000",
        "--pair",
        "commercial:gcch",
        "--out",
        str(tmp_path),
        "--timeline-users",
        "1700",
    )

    assert code == 0
    pred = doc["prediction"]
    # two writes per created user (invitation, then patch), measured: 250k users take hours at 20 writes/s
    per_user = doc["calibration"]["initial_per_user"]["target"]["writes"]
    assert 1.9 < per_user < 2.1
    assert pred["initial"]["binding"] == "target app+tenant writes"
    assert 6 * 60 < pred["initial"]["minutes"] < 8 * 60
    assert pred["microsoft_initial_minutes"] == [2500.0, 20000.0]
    assert pred["fits_interval"] is True
    plots = doc["plots"]
    assert Path(plots["duration_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert Path(plots["budget_png"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    page = Path(plots["html"]).read_text()
    assert page.count("data:image/png;base64,") == 2 and "<script" not in page
    assert (
        json.loads(Path(doc["json"]).read_text())["prediction"]["initial"]["binding"]
        == pred["initial"]["binding"]
    )


def test_more_jobs_into_one_target_share_its_write_budget() -> None:
    cal, limits = calibrate(), make_limits("documented")
    one = predict(Scenario(users=20_000, in_scope=20_000), cal, limits).initial
    three = predict(Scenario(users=20_000, in_scope=20_000, jobs_per_target=3), cal, limits).initial
    own = predict(
        Scenario(users=20_000, in_scope=20_000, jobs_per_target=3, shared_identity=False), cal, limits
    )

    writes = one.budgets[0]
    assert writes.name == "target app+tenant writes" and writes.quota == 3000
    assert one.binding == "target app+tenant writes"
    # three jobs through the service's one identity: three times the demand on one write budget, and on
    # the tenant's invitation budget (150 per 5 s for all apps), which now binds as tight as the writes
    assert three.budgets[0].demand == pytest.approx(3 * writes.demand)
    assert three.budgets[0].seconds == pytest.approx(bucket_seconds(3 * writes.demand, Budget(3000, 150)))
    assert three.seconds == max(b.seconds for b in three.budgets) > 3 * one.seconds
    # three jobs with their own apps: each its own write budget; the tenant's budgets shared by all three
    tenant = {b.name: b for b in own.initial.budgets}
    assert tenant["target tenant writes (all apps)"].demand == pytest.approx(3 * writes.demand)
    assert tenant["target app+tenant writes"].demand == pytest.approx(writes.demand)
    assert own.initial.binding == "target invitations (all apps)"


def test_simulate_agrees_with_the_model_within_ten_percent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, doc = _run(
        capsys, "--simulate", "--traffic", "scaled", "--traffic-factor", "20", "--sizes", "300", "800",
        "--no-plots", "--out", str(tmp_path),
    )  # fmt: skip

    assert code == 0
    sims = doc["simulation"]
    assert [s["users"] for s in sims] == [300, 800]
    assert all(s["ok"] and s["throttled"] > 0 and s["initial_simulated_s"] > 0 for s in sims)
    assert all(abs(s["initial_error"]) <= 0.10 for s in sims)


def test_a_token_bucket_served_at_its_rate_loses_one_request_per_retry_after() -> None:
    budget = Budget(3000, 150)  # 20 writes/s; each 429 costs its charge and a 1.05 s wait
    seconds = bucket_seconds(3000 + 20 * 1000, budget)
    assert 1000 < seconds < 1000 / 0.94
    assert bucket_seconds(3000, budget) == 0.0


def test_capacity_refuses_an_unsupported_pair_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["capacity", "--users", "1000", "--pair", "gcch:china"]) == 2
    assert "commercial:gcch" in capsys.readouterr().out
