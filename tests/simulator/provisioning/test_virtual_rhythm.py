"""Virtual time keeps the service's rhythm: a clock advanced by several intervals runs every cycle that
falls due on the way, each at its own time and in order, as the same span of real time would."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.conftest import graph_time
from tests.simulator.provisioning.conftest import make_setup


def _second(dt: datetime) -> datetime:
    return dt.replace(microsecond=0)


def test_advancing_two_hours_runs_every_forty_minute_cycle_in_order(sim: Any) -> None:
    s = make_setup(sim)
    t0 = _second(sim.clock.now())
    assert s.advance("PT2H")["cyclesRun"] == 4  # at once, then +40, +80 and +120 minutes
    s.fresh()
    status = s.status()["status"]
    # the first cycle exported, the second found nothing to do: steady state from +40 minutes
    assert graph_time(status["steadyStateFirstAchievedTime"]) - t0 == timedelta(minutes=40)
    assert graph_time(status["steadyStateLastAchievedTime"]) - t0 == timedelta(minutes=120)
    assert graph_time(status["lastExecution"]["timeBegan"]) - t0 == timedelta(minutes=120)
    assert graph_time(status["lastSuccessfulExecutionWithExports"]["timeBegan"]) - t0 == timedelta(0)
    # nothing changed: the next advance runs the one cycle due, at +160 minutes
    assert s.advance("PT40M")["cyclesRun"] == 1


def test_quarantine_back_off_over_two_days_matches_real_time(sim: Any) -> None:
    s = make_setup(sim)
    s.advance("PT1M")
    s.fresh()
    s.tgt(  # the target stops allowing inbound sync: every attempt fails its prerequisite check
        "PATCH",
        f"/policies/crossTenantAccessPolicy/partners/{s.source['id']}/identitySynchronization",
        json={"userSyncInbound": {"isSyncAllowed": False}},
    )
    t0 = _second(sim.clock.now())
    ran = s.advance("P2D")["cyclesRun"]
    s.fresh()
    q = s.status()["status"]["quarantine"]
    # the cycle at +39 minutes enters quarantine; retries follow at +6 h, +12 h, +24 h, then daily
    began = graph_time(q["seriesBegan"])
    assert began - t0 == timedelta(minutes=39)
    assert ran == 1 + q["seriesCount"]
    assert q["seriesCount"] >= 2  # more than one retry fell inside the two days
    assert graph_time(q["nextAttempt"]) > t0 + timedelta(days=2)
    assert graph_time(q["currentBegan"]) <= t0 + timedelta(days=2)


def test_advance_on_a_real_clock_is_refused_and_leaves_the_clock_real(sim: Any) -> None:
    make_setup(sim, start=False)  # a real clock's scheduler would run a started job by itself
    sim.clock.set_real()
    try:
        resp = httpx.post(f"{sim.control_url}/_simulator/clock/advance", json={"by": "PT2H"})
        assert resp.status_code == 409 and "real" in resp.json()["error"]["message"]
        assert not sim.clock.is_virtual
        assert abs((sim.clock.now() - datetime.now(UTC)).total_seconds()) < 60  # not moved two hours
    finally:
        sim.clock.set_virtual()
