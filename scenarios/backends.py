"""Where a scenario runs: the in-process simulator, a running ``ccsync up`` (HTTP), or real tenants.

Every backend gives the runner the same things: a tenant per scenario tenant, a Graph client with the
tenant's admin app, and — on a simulator — the control plane for what only a simulator can do
(virtual time, faults, throttling, licence seeding, restarts).
"""

from __future__ import annotations

import contextlib
import fcntl
import itertools
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.testing.control import SimulatorControl
from syncengine.backend import GraphBackend, Identity
from syncengine.client import GraphClient, RetryPolicy
from syncengine.clouds import FLAVOR_CLOUD
from syncengine.http_backend import HttpGraph

#: the first-party app the provisioning service writes with (canned faults aim at it by default)
SYNC_FABRIC_APP = "00000014-0000-0000-c000-000000000000"
ADMIN_PERMISSION = "Policy.ReadWrite.CrossTenantAccess"


class SkipScenario(Exception):
    """The scenario (or a step) cannot run on this backend; the reason says why."""


@dataclass
class TenantHandle:
    """One tenant a scenario uses: ids, cloud, a verified domain and the admin app."""

    role: str
    id: str
    cloud: str
    domain: str
    client_id: str
    display_name: str = ""

    @property
    def identity(self) -> Identity:
        return Identity(self.cloud, self.id, self.client_id)


class SimulatorClock:
    """The engine-side clock protocol on the simulator's clock: a wait advances the virtual clock."""

    def __init__(self, control: SimulatorControl) -> None:
        self.control = control

    def now(self) -> datetime:
        return datetime.fromisoformat(self.control.clock()["now"].replace("Z", "+00:00"))

    def sleep(self, seconds: float) -> None:
        self.control.advance(max(1.0, float(seconds)))


@dataclass
class Backend:
    """The base: a Graph backend, clients per tenant, optional control plane."""

    kind: str = "inprocess"
    control: SimulatorControl | None = None
    graph: GraphBackend | None = None
    _clients: dict[str, GraphClient] = field(default_factory=dict)

    @property
    def is_simulator(self) -> bool:
        return self.control is not None

    def client(self, tenant: TenantHandle) -> GraphClient:
        found = self._clients.get(tenant.id)
        if found is None:
            assert self.graph is not None
            clock = SimulatorClock(self.control) if self.control is not None else None
            found = GraphClient(self.graph, tenant.identity, clock=clock, retry=RetryPolicy(max_attempts=4))
            self._clients[tenant.id] = found
        return found

    def after_clock_jump(self) -> None:
        """Tokens cached on the wall clock may have expired in simulator time: start afresh."""

    @contextlib.contextmanager
    def scenario(self, *, world: bool = False) -> Iterator[None]:
        """Around one scenario: exclusive use of a shared clock, a virtual clock, cleanup; ``world``:
        the scenario uses tenants of the default world."""
        yield

    def world_tenant(self, role: str, name: str) -> TenantHandle:
        raise NotImplementedError

    def new_tenant(self, role: str, cloud: str, name: str) -> TenantHandle:
        raise NotImplementedError

    def seed_skus(self, tenant: TenantHandle, skus: dict[str, int]) -> None:
        assert self.control is not None
        for sku, units in skus.items():
            self.control._call("PUT", f"tenants/{tenant.id}/subscribedSkus/{sku}", {"units": units})

    def restart_simulator(self) -> None:
        raise SkipScenario(f"restarting the simulator needs the in-process backend, not {self.kind}")

    def restart_engine(self) -> None:
        raise SkipScenario(f"restarting the engine needs the in-process backend, not {self.kind}")

    def crash_engine(self, after_requests: int) -> None:
        raise SkipScenario(f"crashing the engine needs the in-process backend, not {self.kind}")

    def close(self) -> None:
        if self.graph is not None:
            self.graph.close()


def _handle(role: str, record: dict[str, Any]) -> TenantHandle:
    app = next(a for a in record["apps"] if ADMIN_PERMISSION in a["permissions"])
    return TenantHandle(
        role, record["id"], record["cloud"], record["defaultDomain"], app["clientId"], record["displayName"]
    )


_names = itertools.count(1)


class SimulatorBackend(Backend):
    """A simulator reached through its control plane; Graph in process or over HTTPS."""

    def new_tenant(self, role: str, cloud: str, name: str) -> TenantHandle:
        assert self.control is not None
        flavor = cloud
        record = self.control.create_tenant(
            FLAVOR_CLOUD[cloud], 0, flavor=flavor, name=f"{name} {role} {os.getpid()}-{next(_names)}"[:60]
        )
        if self.kind == "http":
            self._refresh_http()
        return _handle(role, record)

    def world_tenant(self, role: str, name: str) -> TenantHandle:
        assert self.control is not None
        wanted = name.lower()
        for t in self.control.endpoints()["tenants"]:
            if wanted in (t["id"], t["defaultDomain"].lower(), t["displayName"].lower()):
                return _handle(role, t)
        raise SkipScenario(f"the simulator has no tenant '{name}' (is it running the default world?)")

    def _refresh_http(self) -> None:
        assert self.control is not None
        if self.graph is not None:
            self.graph.close()
        self.graph = HttpGraph.for_simulator(self.control.endpoints())
        self._clients.clear()

    def after_clock_jump(self) -> None:
        if self.kind == "http":
            self._refresh_http()


class InProcessBackend(SimulatorBackend):
    """A simulator started in this process (one per xdist worker); Graph through ``SimulatedGraph``.

    Durable (a temporary data dir), so a scenario can restart it; every scenario starts from an
    empty directory.
    """

    def __init__(self) -> None:
        super().__init__(kind="inprocess")
        self._tmp = tempfile.TemporaryDirectory(prefix="ccsync-scenarios-")
        self.sim: Any = None
        self._start(fresh=True)

    def _start(self, *, fresh: bool) -> None:
        from simulator.runtime import Simulator, SimulatorConfig
        from simulator.simulated_graph import SimulatedGraph
        from simulator.web.serve import serve

        config = SimulatorConfig(data_dir=Path(self._tmp.name), port_base=0, durable=True, fresh=fresh)
        self.sim = Simulator(config)
        if not fresh:
            self.sim.open_state()
        serve(self.sim)
        if self.control is not None:
            self.control.close()
        self.control = SimulatorControl(self.sim.control_url)
        self.graph = SimulatedGraph(self.sim.router)
        self._clients.clear()

    @contextlib.contextmanager
    def scenario(self, *, world: bool = False) -> Iterator[None]:
        assert self.control is not None
        self.control.reset(empty=not world)
        self.control.set_virtual()
        yield

    def restart_simulator(self) -> None:
        virtual_now = self.control.clock()["now"] if self.control else None
        self.sim.stop()
        self._start(fresh=False)
        if virtual_now:
            self.control.set_virtual(virtual_now)

    def restart_engine(self) -> None:
        """Every job's engine starts again from its state file, as after a process restart."""
        svc = self.sim.provisioning
        svc.save()
        with svc.lock:
            for job in svc.jobs.values():
                job.state.close()
            svc.jobs.clear()
        svc.load()

    def crash_engine(self, after_requests: int) -> None:
        """The next due cycle dies after ``after_requests`` Graph requests, as a killed process would:
        nothing of it is committed, and the engine starts again from its state files."""
        from datetime import timedelta

        svc = self.sim.provisioning
        real = svc.cycles.backend
        sent = [0]

        class Killed(BaseException):
            pass

        class KillingGraph:
            def send(self, identity: Any, call: Any) -> Any:
                sent[0] += 1
                if sent[0] > after_requests:
                    raise Killed()
                return real.send(identity, call)

            def close(self) -> None:
                pass

        self.sim.clock.advance(timedelta(minutes=40))
        self.sim.store.commit()
        svc.cycles.backend = KillingGraph()
        try:
            svc.run_due()
        except Killed:
            pass
        finally:
            svc.cycles.backend = real
        self.restart_engine()

    def close(self) -> None:
        if self.sim is not None:
            self.sim.stop()
        if self.control is not None:
            self.control.close()
        self._tmp.cleanup()


class HttpBackend(SimulatorBackend):
    """A running ``ccsync up`` named by its endpoints document. It has one clock, shared by every
    test process: scenarios take a file lock for their whole run, so ``-n 2`` stays correct."""

    def __init__(self, endpoints_file: str | Path) -> None:
        import json

        doc = json.loads(Path(endpoints_file).read_text(encoding="utf-8"))
        super().__init__(kind="http", control=SimulatorControl(doc["control"]))
        self._lock_path = Path(endpoints_file).resolve().with_suffix(".scenarios.lock")
        self._refresh_http()

    @contextlib.contextmanager
    def scenario(self, *, world: bool = False) -> Iterator[None]:
        assert self.control is not None
        with open(self._lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                self.control.set_virtual()
                self.control.clear_faults()
                self.control.set_traffic("off")
                self.control.set_chaos({})
                yield
            finally:
                with contextlib.suppress(Exception):
                    self.control.set_traffic("off")
                    self.control.clear_faults()
                    self.control.set_real()
                fcntl.flock(fh, fcntl.LOCK_UN)
