"""Under the simulator's scaled throttling profile a cycle finishes with zero Retry-After violations."""

from __future__ import annotations

from pathlib import Path

import httpx

from simulator.testing import running_simulator
from syncengine.cycle import Cycle
from tests.conftest import control_tenant
from tests.syncengine.pairs import make_pair


def test_cycle_under_scaled_throttling_has_no_retry_after_violation(tmp_path: Path) -> None:
    with running_simulator(seed=12) as sim:
        src = control_tenant(sim, "commercial", 200, name="Busy Source")
        tgt = control_tenant(sim, "gcch", 5, name="Busy Target")
        pair = make_pair(sim, src, tgt, members=80)
        sim.clock.set_virtual()
        sim.set_traffic({"profile": "scaled", "factor": 100})
        job = pair.job()
        source, target = pair.clients()
        result = Cycle(job, source, target, pair.state(tmp_path, job), sim.clock).run()
        stats = httpx.get(f"{sim.control_url}/_simulator/traffic/stats").json()["totals"]
        assert result.report.state == "Succeeded", result.report.failure
        assert result.report.actions.get("create") == 80
        assert result.report.throttled > 0 and stats["throttled"] > 0
        assert stats["retry_after_violations"] == 0
        assert result.report.waited_s > 0
