"""Real engine cycles on an in-process simulator with a virtual clock: the calibration and the simulation.

Both run the ``syncengine`` cycle through ``SimulatedGraph`` wrapped in ``MeteredGraph``; the clock is the
simulator's virtual clock, so every Retry-After the engine honours moves time and nothing else does.
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from loadtests.capacity.metering import Meter, MeteredGraph
from simulator.runtime import Simulator
from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from syncengine import mapping
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.cycle import Cycle
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, ScopeConfig
from syncengine.setup import PairSetup, configure_source, configure_target
from syncengine.state import EngineState


def _ident(tenant: dict[str, Any]) -> Identity:
    app = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
    return Identity(tenant["cloud"], tenant["id"], app["clientId"])


@dataclass
class CycleRun:
    """One cycle as measured: virtual seconds, what it did, the Graph traffic on each side."""

    seconds: float
    created: int
    updated: int
    source: Meter
    target: Meter
    throttled: int


class EnginePair:
    """A configured source → target pair on a simulator, with one sync-all job ready to cycle."""

    def __init__(
        self,
        sim: Simulator,
        users: int,
        *,
        source_cloud: str,
        target_cloud: str,
        tmp: Path,
        tag: str,
        record: bool = False,
    ) -> None:
        self.sim = sim
        self.src = _tenant(sim, source_cloud, users, f"Capacity {tag} Source")
        self.tgt = _tenant(sim, target_cloud, 5, f"Capacity {tag} Target")
        plain = SimulatedGraph(sim.router)
        admin_src = GraphClient(plain, _ident(self.src), clock=sim.clock)
        admin_tgt = GraphClient(plain, _ident(self.tgt), clock=sim.clock)
        setup = PairSetup(self.src["id"], self.tgt["id"], source_cloud, target_cloud)
        configure_target(admin_tgt, setup)
        configure_source(admin_src, setup)
        self.admin_source = admin_src
        self.metered = MeteredGraph(plain, sim.clock if record else None)
        self.job = JobConfig(
            name=f"capacity {tag}",
            source=_ident(self.src),
            target=_ident(self.tgt),
            mappings=mapping.DEFAULT_MAPPINGS,
            scope=ScopeConfig(sync_all=True),
            anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
            cross_cloud=setup.cross_cloud,
        )
        self.source = GraphClient(self.metered, self.job.source, clock=sim.clock)
        self.target = GraphClient(self.metered, self.job.target, clock=sim.clock)
        state = EngineState(tmp / f"{tag}.db", self.job.name)
        self.cycle = Cycle(self.job, self.source, self.target, state, sim.clock, keep_records=False)
        self._members: list[str] | None = None

    def run_cycle(self) -> CycleRun:
        s0, t0 = self.metered.snapshot(self.src["id"]), self.metered.snapshot(self.tgt["id"])
        began = self.sim.clock.now()
        report = self.cycle.run().report
        if report.state not in ("Succeeded", "EntryLevelErrors"):
            raise RuntimeError(f"the engine's cycle ended {report.state}: {report.failure}")
        s1, t1 = self.metered.snapshot(self.src["id"]), self.metered.snapshot(self.tgt["id"])
        return CycleRun(
            (self.sim.clock.now() - began).total_seconds(),
            report.actions.get("create", 0),
            report.actions.get("update", 0),
            s1.minus(s0),
            t1.minus(t0),
            report.throttled,
        )

    def change_users(self, count: int, seed: int) -> int:
        """``count`` in-scope source users change an exported attribute (not metered: an admin's writes)."""
        if self._members is None:
            users = self.admin_source.list_all(
                "/users", {"$select": "id,userType,accountEnabled,userPrincipalName", "$top": "999"}
            )
            self._members = [
                u["id"]
                for u in users
                if u.get("userType") == "Member"
                and u.get("accountEnabled") is not False
                and "#EXT#" not in u["userPrincipalName"]
            ]
        rng = random.Random(seed)
        picked = rng.sample(self._members, min(count, len(self._members)))
        for uid in picked:
            self.admin_source.patch(f"/users/{uid}", {"department": f"Capacity {rng.randrange(10**6)}"})
        return len(picked)


def _tenant(sim: Simulator, cloud: str, users: int, name: str) -> dict[str, Any]:
    r = httpx.post(
        f"{sim.control_url}/_simulator/tenants",
        json={"cloud": cloud, "users": users, "name": name},
        timeout=3600,
    )
    r.raise_for_status()
    return r.json()


@contextmanager
def virtual_simulator(traffic: dict[str, Any] | None, seed: int = 7) -> Iterator[tuple[Simulator, Path]]:
    """A simulator on loopback with a virtual clock and the given traffic profile; and a scratch folder."""
    with (
        tempfile.TemporaryDirectory(prefix="ccsync-capacity-") as tmp,
        running_simulator(seed=seed, virtual_clock=True) as sim,
    ):
        if traffic:
            sim.set_traffic(traffic)
        yield sim, Path(tmp)
