"""Three jobs writing into one target tenant share its budgets through one ``ThrottleGate``.

On virtual time, under the documented limits, while all three write they keep the budget that binds them
at least 90% used, and no request is a Retry-After violation. Two ways to share a tenant:

* ``own apps``: each job signs in to the target with its own app (an engine run three times). Each app has
  its own write budget (20/s), so together they could write 60/s, the tenant's write budget for all apps;
  what binds first is the tenant's invitation budget, for all apps: 150 requests per 5 s (one invitation
  per created user).
* ``one app``: all three sign in as the same app, as the provisioning service's jobs do (one first-party
  identity); they share that app's write budget in the tenant, 3,000 writes per 150 s. Without the gate the
  second and third job retry before the first one's Retry-After: violations.
"""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from loadtests.capacity.metering import MeteredGraph
from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from simulator.world.spec import ADMIN_PERMISSIONS
from syncengine import mapping
from syncengine.backend import Identity
from syncengine.client import GraphClient, RetryPolicy
from syncengine.cycle import Cycle
from syncengine.errors import GraphApiError
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, ScopeConfig
from syncengine.pacing import ThrottleGate
from syncengine.setup import PairSetup, configure_source, configure_target
from syncengine.state import EngineState
from tests.syncengine.pairs import identity

JOBS = 3


@pytest.mark.parametrize(
    ("own_apps", "source_users", "quota", "rate", "kinds"),
    [
        (True, 1500, 150, 150 / 5, ("invitation",)),  # the tenant's invitation budget, all apps
        (False, 1500, 3_000, 3_000 / 150, ("invitation", "write")),  # the one app's writes in the tenant
    ],
    ids=["own apps", "one app"],
)
def test_three_jobs_into_one_tenant_use_the_budget_they_share_without_violations(
    tmp_path: Path, own_apps: bool, source_users: int, quota: float, rate: float, kinds: tuple[str, ...]
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(_world(source_users))
    with running_simulator(world=world, virtual_clock=True) as sim:
        tenants = sim.endpoints()["tenants"]
        target = next(t for t in tenants if t["cloud"] == "gcch")
        sources = [t for t in tenants if t["cloud"] == "commercial"]
        apps = [target["apps"][i if own_apps else 0]["clientId"] for i in range(JOBS)]
        plain = SimulatedGraph(sim.router)
        metered = MeteredGraph(plain, sim.clock)
        gate = ThrottleGate(sim.clock, exclusive=True)
        cycles = []
        for i, source in enumerate(sources):
            tgt_ident = Identity("gcch", target["id"], apps[i])
            setup = PairSetup(source["id"], target["id"], "commercial", "gcch")
            configure_target(GraphClient(plain, tgt_ident, clock=sim.clock), setup)
            configure_source(GraphClient(plain, identity(source), clock=sim.clock), setup)
            job = JobConfig(
                name=f"job {i}",
                source=identity(source),
                target=tgt_ident,
                mappings=mapping.DEFAULT_MAPPINGS,
                scope=ScopeConfig(sync_all=True),
                anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
                cross_cloud=True,
            )
            target_client = GraphClient(metered, tgt_ident, clock=sim.clock, gate=gate)
            state = EngineState(tmp_path / f"job{i}.db", job.name)
            source_client = GraphClient(plain, job.source, clock=sim.clock)
            cycles.append(Cycle(job, source_client, target_client, state, sim.clock, keep_records=False))
        sim.set_traffic("documented")  # every bucket full as the three cycles start
        t0 = sim.clock.now().timestamp()
        reports: list = [None] * JOBS
        threads = [
            threading.Thread(target=lambda i=i: reports.__setitem__(i, cycles[i].run().report))
            for i in range(JOBS)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        stats = httpx.get(f"{sim.control_url}/_simulator/traffic/stats").json()["totals"]

    assert all(r is not None and r.state == "Succeeded" for r in reports), [r and r.failure for r in reports]
    assert all(r.actions.get("create", 0) >= source_users * 0.95 for r in reports)
    assert stats["retry_after_violations"] == 0
    assert stats["throttled"] > 0 and gate.stats.throttles > 0
    # The binding bucket starts full and is spent at once (virtual time 0) up to the first 429. From then
    # until the first job has sent its last request of that kind, all three draw on what is left in it
    # plus its refill.
    events = [(t - t0, kind, app) for t, _, kind, app in metered.events]
    start = min(t for t, kind, _ in events if kind == "throttled")
    end = min(max(t for t, k, a in events if k in kinds and a == cid) for cid in set(apps))
    left = quota - sum(1 for t, k, _ in events if k in kinds and t <= start)
    assert end - start > 30, "the shared phase must be long enough to measure"
    sent = sum(1 for t, k, _ in events if k in kinds and start < t <= end)
    use = sent / (max(left, 0) + rate * (end - start))
    assert use >= 0.90, f"the three jobs used {use:.1%} of the budget they share"


_APP = "{name: sync job %d, permissions: [" + ", ".join(ADMIN_PERMISSIONS) + "]}"


def _world(source_users: int) -> str:
    apps = ", ".join(_APP % i for i in range(JOBS))
    sources = "".join(
        f"  - {{name: Source {i}, domain: source{i}.onmicrosoft.com, cloud: commercial, "
        f"users: {source_users}, disabled_percent: 0}}\n"
        for i in range(JOBS)
    )
    return f"version: 1\nseed: 21\ntenants:\n  - {{name: Shared Target, cloud: gcch, users: 5, apps: [{apps}]}}\n{sources}"


class _Clock:
    def __init__(self) -> None:
        self.t = 1_000.0
        self.slept: list[float] = []

    def now(self):  # noqa: ANN201
        from datetime import UTC, datetime

        return datetime.fromtimestamp(self.t, UTC)

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def test_a_gate_holds_every_job_until_the_first_429s_retry_after_and_forgets_it_when_the_clock_goes_back() -> (
    None
):
    clock = _Clock()
    gate = ThrottleGate(clock, margin=0.05)  # type: ignore[arg-type]
    gate.throttled(3)

    assert gate.wait() == pytest.approx(3.05)  # the first waiter moves the (virtual) clock
    assert gate.wait() == 0.0  # the next ones find the deadline passed: time moves once, not per job
    gate.throttled(5)
    clock.t -= 3600  # a reset set the clock back an hour
    assert gate.wait() == 0.0 and clock.slept == [pytest.approx(3.05)]


def test_the_provisioning_service_gives_jobs_into_one_target_tenant_one_gate() -> None:
    from simulator.provisioning.job_config import SYNC_FABRIC

    with running_simulator(seed=3) as sim:
        tenants = sim.endpoints()["tenants"]
        sources = [t for t in tenants if t["cloud"] == "commercial"]
        gcch, dod = (next(t for t in tenants if t["cloud"] == c) for c in ("gcch", "dod"))

        def target_client(source: dict, target: dict) -> GraphClient:
            job = JobConfig(
                name=f"{source['id']} to {target['id']}",
                source=Identity("commercial", source["id"], SYNC_FABRIC),
                target=Identity(target["cloud"], target["id"], SYNC_FABRIC),
                mappings=mapping.DEFAULT_MAPPINGS,
            )
            return sim.provisioning.cycles.clients(job)[1]

        first, second = (target_client(s, gcch) for s in sources[:2])
        other = target_client(sources[0], dod)

    assert first.gate is not None and first.gate is second.gate  # two jobs, one target: one deadline
    assert other.gate is not first.gate


@pytest.mark.parametrize("gated", [True, False], ids=["gate", "no gate"])
def test_on_a_real_clock_one_jobs_429_holds_the_other_jobs_of_the_same_app(gated: bool) -> None:
    with running_simulator(seed=4, traffic="documented") as sim:
        target = next(t for t in sim.endpoints()["tenants"] if t["cloud"] == "gcch")
        gate = ThrottleGate(sim.clock) if gated else None
        retry = RetryPolicy(max_attempts=2)  # the ungated case escalates; two tries make the point
        jobs = [
            GraphClient(SimulatedGraph(sim.router), identity(target), clock=sim.clock, gate=gate, retry=retry)
            for _ in range(2)
        ]
        users = [u["id"] for u in jobs[0].list_all("/users", {"$select": "id", "$top": "40"})][:40]
        fault = {"method": "PATCH", "path": "/users/*", "count": 1, "status": 429}  # Retry-After: 1
        httpx.post(f"{sim.control_url}/_simulator/faults", json=fault).raise_for_status()

        def patch(job: GraphClient, ids: list[str]) -> None:
            for uid in ids:
                try:
                    job.patch(f"/users/{uid}", {"department": "Paced"})
                except GraphApiError:
                    return  # throttled again and again (the ungated case): the point is made

        threads = [threading.Thread(target=patch, args=(job, users[i::2])) for i, job in enumerate(jobs)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        violations = httpx.get(f"{sim.control_url}/_simulator/traffic/stats").json()["totals"][
            "retry_after_violations"
        ]

    if gated:
        assert violations == 0 and gate is not None and gate.stats.throttles == 1
    else:  # the other job kept writing during the first one's Retry-After
        assert violations > 0
