"""The running simulator: one store, one clock, the token service, the Graph router and its services.

``simulator.web.serve`` opens its login authorities, Graph roots and control plane on local ports.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from simulator.clock import LATEST_VIRTUAL, Clock, check_virtual_time
from simulator.clouds import Authority, Cloud
from simulator.directory.store import Store
from simulator.endpoints import endpoints_document
from simulator.graph.resources import register_all
from simulator.graph.router import GraphRouter
from simulator.identity.keys import SigningKeys
from simulator.identity.tokens import TokenService
from simulator.traffic import TrafficController, make_traffic

log = logging.getLogger(__name__)


class Listener(Protocol):
    """One open endpoint (``simulator.web.server``): stopped with the simulator."""

    url: str

    def stop(self) -> None: ...


@dataclass
class SimulatorConfig:
    """How to start the simulator (the CLI flags of ``ccsync up``)."""

    data_dir: Path | None = None
    port_base: int = 0
    world: Path | None = None
    seed: int = 42
    host: str = "127.0.0.1"
    #: throttling profile (``off``, ``documented``, ``scaled``); None = the world file's ``traffic``.
    traffic: str | None = None
    #: ``scaled`` divides every budget by this (default 100).
    traffic_factor: float | None = None
    #: keep the directory in ``data_dir/state.db``: every acknowledged write survives a crash.
    durable: bool = False
    #: with ``durable``: ignore the saved state and build the world again.
    fresh: bool = False


def private_data_dir(path: Path) -> None:
    """Make ``path`` a directory only its owner can enter (0700): it holds client secrets and keys.

    A directory that already exists is tightened only when it is a ccsync data dir (it has our
    state or endpoints), never some other directory a user happened to name.
    """
    if not path.exists():
        path.mkdir(parents=True, mode=0o700)
        os.chmod(path, 0o700)  # mkdir's mode is filtered by the umask
    elif any((path / name).exists() for name in ("state.db", "endpoints.json", "tls")):
        os.chmod(path, 0o700)


class Simulator:
    """The fake Microsoft cloud in one process; ``simulator.web.serve`` opens its endpoints, ``stop``
    closes them."""

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.data_dir = Path(self.config.data_dir or tempfile.mkdtemp(prefix="ccsync-")).resolve()
        private_data_dir(self.data_dir)
        self.clock = clock or Clock()
        self.store = Store(self.clock)
        self.keys = SigningKeys(self.data_dir)
        self.tokens = TokenService(self.keys, self.clock)
        if self.config.durable:
            from simulator.directory.journal import Journal

            self.store.journal = Journal(self.data_dir / "state.db")
        self.router = GraphRouter(self.store, self.tokens.validate)
        from simulator.provisioning.cycles import FIRST_PARTY
        from simulator.provisioning.service import ProvisioningService
        from simulator.simulated_graph import SimulatedGraph

        self.provisioning = ProvisioningService(
            self.store,
            SimulatedGraph(self.router, first_party=FIRST_PARTY),
            self.data_dir / "provisioning" if self.config.durable else None,
        )
        register_all(self.router, self.provisioning)
        #: throttling, chaos and canned faults; installed as ``router.traffic`` only while active.
        self.traffic: TrafficController = make_traffic(
            "off", self.clock, seed=self.config.seed, tenant_users=self._tenant_users
        )
        #: the open endpoints and their URLs, set by ``serving`` (``simulator.web.serve`` opens them)
        self.servers: list[Listener] = []
        self.login_urls: dict[Authority, str] = {}
        self.graph_urls: dict[Cloud, str] = {}
        self.control_url = ""
        self.ca_bundle: Path | None = None
        self._world_spec: Any = None
        self._people: Any = None

    # -- world ---------------------------------------------------------------------------

    def load_world(self, spec: Any = None, seed: int | None = None) -> None:
        """Populate the store from ``spec`` (else the world file, or the default world) with ``seed``
        (else the configured one)."""
        from simulator.world import build_world, default_world, load_world
        from simulator.world.build import PeopleCache

        if spec is None:
            spec = load_world(self.config.world) if self.config.world else default_world()
        self._world_spec = spec
        with self.store.lock:
            self.store.reset()
            if self._people is None:
                self._people = PeopleCache()  # kept: every reset rebuilds the same locales
            build_world(self.store, spec, self.config.seed if seed is None else seed, people=self._people)
            self.store.commit()
        self.traffic.reset()
        self.set_traffic(self._traffic_profile(spec.traffic))

    def set_traffic(self, profile: str | dict[str, Any] | None) -> None:
        """Switch throttling: ``off``, ``documented``, ``scaled`` or ``{"profile": "scaled", "factor": N}``.

        Raises ``TrafficConfigError`` for a bad profile. The router carries the hook only while it has
        something to do (a profile, chaos or a pending canned fault).
        """
        self.traffic.configure(profile or "off")
        self.router.traffic = self.traffic if self.traffic.active else None

    def _traffic_profile(self, world_value: str | None) -> str | dict[str, Any]:
        name = self.config.traffic or world_value or "off"
        if name == "scaled" and self.config.traffic_factor is not None:
            return {"profile": name, "factor": self.config.traffic_factor}
        return name

    def _world_traffic(self) -> str | None:
        """The world file's ``traffic`` without building the world (a restored data dir)."""
        from simulator.world import WorldError, load_world

        if not self.config.world:
            return None
        try:
            return load_world(self.config.world).traffic
        except (WorldError, OSError):
            return None  # the world file was checked when the state was first built

    def _tenant_users(self, tenant_id: str) -> int:
        tenant = self.store.tenants.get(tenant_id)
        return len(tenant.users) if tenant is not None else 0

    def open_state(self) -> str:
        """Restore the saved directory of a durable data dir, else build the world; says which."""
        journal = self.store.journal
        if journal is not None and not self.config.fresh and journal.has_state():
            journal.load(self.store)
            self.provisioning.load()
            return "restored"
        self.load_world()
        return "built"

    def reset(self, *, empty: bool = False, seed: int | None = None, world: Any = None) -> None:
        """Back to the world as started (or to no tenants at all): directory, real clock, traffic
        profile, chaos, canned faults, counters, provisioning jobs and logs.

        ``seed`` and ``world`` (a ``WorldSpec``) replace the started ones for this reset only.
        """
        self.provisioning.reset()
        self.store.audit.clear()  # seeded tenants come back with the same ids: their logs must not
        self.clock.set_real()  # a test that went virtual must not leak its time into the next one
        if empty:
            self.store.reset()
            self.traffic.reset()
            self.set_traffic(self._traffic_profile(self._world_spec.traffic if self._world_spec else None))
        else:
            self.load_world(world, seed)

    # -- time ----------------------------------------------------------------------------

    def advance_clock(self, delta: timedelta) -> int:
        """Move the virtual clock on by ``delta``, running every provisioning cycle that falls due on the
        way at its own time and in order; returns how many cycles ran.

        Raises ValueError when the clock is real or ``delta`` is negative.
        """
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        if not self.clock.is_virtual:
            raise ValueError("the clock is real; switch it to virtual first")
        if delta >= LATEST_VIRTUAL - self.clock.now():
            check_virtual_time(LATEST_VIRTUAL)  # raises ClockRangeError, naming the range
        end = self.clock.now() + delta
        ran = 0
        while True:
            nxt = self.provisioning.next_due()
            now = self.clock.now()
            if nxt is None or nxt > end:
                break
            if nxt > now:
                self.clock.advance(nxt - now)
            self.store.commit()
            count = self.provisioning.run_due()
            ran += count
            if count == 0 and nxt <= now:
                break  # due but not runnable (a cycle in progress elsewhere): do not spin
        now = self.clock.now()
        if end > now:
            self.clock.advance(end - now)
        self.store.commit()
        return ran + self.provisioning.run_due()

    # -- servers -------------------------------------------------------------------------

    def before_serving(self) -> None:
        """Before the endpoints open: with no world built (empty, or restored), the configured traffic
        profile applies."""
        if self._world_spec is None:
            self.set_traffic(self._traffic_profile(self._world_traffic()))

    def serving(
        self,
        ca_bundle: Path,
        servers: list[Listener],
        login_urls: dict[Authority, str],
        graph_urls: dict[Cloud, str],
        control_url: str,
    ) -> dict[str, Any]:
        """Every endpoint listens (``simulator.web.serve`` opened them): remember them, start the
        provisioning scheduler, write ``endpoints.json``; returns the endpoints document."""
        self.ca_bundle = ca_bundle
        self.servers = list(servers)
        self.login_urls, self.graph_urls, self.control_url = login_urls, graph_urls, control_url
        self.provisioning.start_scheduler()
        doc = self.endpoints()
        self._write_endpoints(doc)
        return doc

    def stop(self) -> None:
        self.provisioning.stop()
        for srv in reversed(self.servers):
            srv.stop()
        self.servers.clear()
        if self.store.journal is not None:
            self.store.journal.close()
            self.store.journal = None

    def endpoints(self) -> dict[str, Any]:
        assert self.ca_bundle is not None, "start() the simulator first"
        with self.store.lock:
            tenants = list(self.store.tenants.values())
            return endpoints_document(
                self.ca_bundle, self.control_url, self.login_urls, self.graph_urls, tenants
            )

    def _write_endpoints(self, doc: dict[str, Any]) -> None:
        path = self.data_dir / "endpoints.json"
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh, indent=2)
        os.replace(tmp, path)

    def refresh_endpoints_file(self) -> None:
        if self.servers:
            # under the store's lock: tenants made at once must not race on the file (or its .tmp)
            with self.store.lock:
                self._write_endpoints(self.endpoints())

    def __enter__(self) -> Simulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
