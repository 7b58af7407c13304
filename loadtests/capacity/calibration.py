"""The engine's Graph traffic per object, measured: two small real cycles, a straight line through them.

An initial cycle of a source tenant of ``n`` users costs ``fixed + n × per_user`` requests, writes and
resource units on each side; an incremental cycle with ``k`` changed users costs ``fixed + k × per_change``.
Two sample sizes give both terms. The samples run with throttling off (the simulator still answers with
``x-ms-resource-unit``, as Graph does), so no budget bends the counts.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from loadtests.capacity.engine_runs import EnginePair, virtual_simulator
from loadtests.capacity.metering import Meter

#: source users of the two calibration tenants, and users changed before their incremental cycles
SAMPLE_USERS = (150, 1200)
SAMPLE_CHANGES = (10, 40)


@dataclass(frozen=True)
class Traffic:
    """Graph traffic on one side of a job: requests, writes, resource units, invitations (among the writes)."""

    requests: float
    writes: float
    resource_units: float
    invitations: float = 0.0

    @classmethod
    def of(cls, m: Meter) -> Traffic:
        return cls(float(m.requests), float(m.writes), float(m.resource_units), float(m.invitations))

    def line(self, other: Traffic, x1: float, x2: float) -> tuple[Traffic, Traffic]:
        """(fixed, slope) of the line through (x1, self) and (x2, other)."""
        dx = x2 - x1
        slope = Traffic(*((b - a) / dx for a, b in zip(_t(self), _t(other), strict=True)))
        fixed = Traffic(*(max(0.0, a - s * x1) for a, s in zip(_t(self), _t(slope), strict=True)))
        return fixed, slope

    def at(self, slope: Traffic, x: float) -> Traffic:
        return Traffic(*(a + s * x for a, s in zip(_t(self), _t(slope), strict=True)))


def _t(t: Traffic) -> tuple[float, float, float, float]:
    return (t.requests, t.writes, t.resource_units, t.invitations)


@dataclass(frozen=True)
class Calibration:
    """Per-user and per-change Graph traffic of the engine, each side, with the samples it came from."""

    initial_fixed: dict[str, Traffic]
    initial_per_user: dict[str, Traffic]
    incremental_fixed: dict[str, Traffic]
    incremental_per_change: dict[str, Traffic]
    created_per_user: float
    samples: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def calibrate(source_cloud: str = "commercial", target_cloud: str = "gcch", seed: int = 7) -> Calibration:
    """Run the engine on two small tenant pairs and fit its traffic per user and per change."""
    runs = []
    # traffic off: nothing is throttled, and Graph's x-ms-resource-unit header is still sent
    with virtual_simulator(None, seed=seed) as (sim, tmp):
        for i, (users, changes) in enumerate(zip(SAMPLE_USERS, SAMPLE_CHANGES, strict=True)):
            pair = EnginePair(
                sim, users, source_cloud=source_cloud, target_cloud=target_cloud, tmp=tmp, tag=f"calib{i}"
            )
            first = pair.run_cycle()
            sim.clock.advance(timedelta(minutes=40))  # the next cycle, with every budget full again
            changed = pair.change_users(changes, seed + i)
            sim.clock.advance(timedelta(minutes=40))
            second = pair.run_cycle()
            if first.throttled or second.throttled:
                raise RuntimeError(
                    "a calibration cycle was throttled; the samples must stay under every budget"
                )
            runs.append((users, changed, first, second))
    (n1, k1, a1, b1), (n2, k2, a2, b2) = runs
    init = {
        side: Traffic.of(getattr(a1, side)).line(Traffic.of(getattr(a2, side)), n1, n2)
        for side in ("source", "target")
    }
    incr = {
        side: Traffic.of(getattr(b1, side)).line(Traffic.of(getattr(b2, side)), k1, k2)
        for side in ("source", "target")
    }
    samples = [
        {
            "source_users": n,
            "created": a.created,
            "changed": k,
            "updated": b.updated,
            "initial": {"source": asdict(a.source), "target": asdict(a.target)},
            "incremental": {"source": asdict(b.source), "target": asdict(b.target)},
        }
        for n, k, a, b in runs
    ]
    return Calibration(
        {s: v[0] for s, v in init.items()},
        {s: v[1] for s, v in init.items()},
        {s: v[0] for s, v in incr.items()},
        {s: v[1] for s, v in incr.items()},
        (a2.created - a1.created) / (n2 - n1),
        samples,
    )
