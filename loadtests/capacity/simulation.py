"""``ccsync capacity --simulate``: the real engine on virtual time against a throttling profile, beside the model.

Each size gets a fresh source tenant and target tenant; the engine runs its initial cycle, the clock moves
one interval, a day's share of the users change, and the incremental cycle runs. The virtual time each cycle
took (only Retry-After waits move it) is compared with the model's prediction for the same tenant.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from loadtests.capacity.calibration import Calibration
from loadtests.capacity.engine_runs import EnginePair, virtual_simulator
from loadtests.capacity.model import Scenario, predict
from simulator.traffic.throttle import Limits

#: predicted and simulated may differ by this share (or by ``FLOOR_S``: Retry-After is whole seconds)
TOLERANCE = 0.10
FLOOR_S = 2.0


@dataclass(frozen=True)
class Comparison:
    """One size: predicted and simulated seconds of both cycles, and whether they agree."""

    users: int
    created: int
    changed: int
    initial_predicted_s: float
    initial_simulated_s: float
    incremental_predicted_s: float
    incremental_simulated_s: float
    throttled: int
    binding: str
    wall_s: float

    @staticmethod
    def agree(predicted: float, simulated: float) -> bool:
        return abs(predicted - simulated) <= max(TOLERANCE * max(predicted, simulated), FLOOR_S)

    @property
    def initial_error(self) -> float:
        return (self.initial_predicted_s - self.initial_simulated_s) / max(self.initial_simulated_s, 1e-9)

    @property
    def ok(self) -> bool:
        return self.agree(self.initial_predicted_s, self.initial_simulated_s) and self.agree(
            self.incremental_predicted_s, self.incremental_simulated_s
        )

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "initial_error": round(self.initial_error, 4), "ok": self.ok}


def simulate(
    sizes: list[int],
    cal: Calibration,
    limits: Limits,
    traffic: dict[str, Any],
    *,
    change_rate: float,
    source_cloud: str,
    target_cloud: str,
    seed: int = 11,
) -> list[Comparison]:
    """Run the engine at every size and compare with the model."""
    out = []
    for n in sizes:
        wall = time.perf_counter()
        with virtual_simulator(traffic, seed=seed) as (sim, tmp):
            pair = EnginePair(
                sim, n, source_cloud=source_cloud, target_cloud=target_cloud, tmp=tmp, tag=f"sim{n}"
            )
            first = pair.run_cycle()
            sim.clock.advance(timedelta(minutes=40))
            changes = round(n * change_rate * 40 / 1440)
            changed = pair.change_users(changes, seed)
            sim.clock.advance(timedelta(minutes=40))
            second = pair.run_cycle()
        sc = Scenario(
            users=n, in_scope=n, change_rate=change_rate, source_cloud=source_cloud, target_cloud=target_cloud
        )
        pred = predict(sc, cal, limits)
        out.append(
            Comparison(
                n,
                first.created,
                changed,
                round(pred.initial.seconds, 1),
                round(first.seconds, 1),
                round(pred.incremental.seconds, 1),
                round(second.seconds, 1),
                first.throttled + second.throttled,
                pred.initial.binding,
                round(time.perf_counter() - wall, 1),
            )
        )
    return out


def budget_timeline(
    users: int,
    limits: Limits,
    traffic: dict[str, Any],
    *,
    source_cloud: str,
    target_cloud: str,
    seed: int = 13,
) -> dict[str, Any]:
    """One simulated initial cycle, request by request: when each target write and each 429 happened."""
    with virtual_simulator(traffic, seed=seed) as (sim, tmp):
        pair = EnginePair(
            sim,
            users,
            source_cloud=source_cloud,
            target_cloud=target_cloud,
            tmp=tmp,
            tag="timeline",
            record=True,
        )
        t0 = sim.clock.now().timestamp()
        run = pair.run_cycle()
        target = pair.tgt["id"]
        events = [(t - t0, kind) for t, tenant, kind, _ in pair.metered.events if tenant == target]
    budget = limits.tenant_app_writes
    return {
        "users": users,
        "seconds": run.seconds,
        "writes_quota": budget.quota,
        "writes_window_s": budget.window,
        "write_times": [t for t, k in events if k in ("write", "invitation")],
        "throttle_times": [t for t, k in events if k == "throttled"],
    }
