"""N concurrent sync jobs against one simulator: each locust user is a real engine job on its own tenant pair.

    locust -f loadtests/locustfiles/sync_jobs.py --headless -u 4 -r 4 -t 60s --host http://127.0.0.1:PORT

``--host`` is the simulator's control plane. Each user makes a source tenant (``--job-users`` users, in
``--job-source-cloud``) and a target tenant through the control plane, configures the cross-tenant access
policies the documented way, then runs the ``syncengine`` cycle after cycle through ``HttpGraph`` (msal
tokens, verified HTTPS). Every cycle is reported to locust as a request event: type ``CYCLE``, name the
phase (``initial cycle`` / ``incremental cycle``), response time the cycle's duration, length the number
of users it exported. Between cycles ``--job-changes`` source users change, so incremental cycles have work.
"""

from __future__ import annotations

import itertools
import random
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from locust import User, events, task

from loadtests.locust_support import SelectableShape, site
from syncengine import mapping
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.clock import RealClock
from syncengine.cycle import Cycle
from syncengine.http_backend import HttpGraph, clouds_from_endpoints
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, ScopeConfig
from syncengine.setup import PairSetup, configure_source, configure_target
from syncengine.state import EngineState

__all__ = ["SelectableShape", "SyncJob"]

_serial = itertools.count(1)
TARGET_CLOUD = {"commercial": "gcch", "gcch": "commercial", "dod": "commercial"}


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    group = parser.add_argument_group("sync_jobs")
    group.add_argument("--job-users", type=int, default=50, help="users in each job's source tenant")
    group.add_argument(
        "--job-source-cloud",
        choices=sorted(TARGET_CLOUD),
        default="commercial",
        help="cloud of each job's source tenant (the target is the other side of the pair)",
    )
    group.add_argument("--job-changes", type=int, default=5, help="source users changed between two cycles")
    group.add_argument("--job-pause", type=float, default=1.0, help="seconds between two cycles of a job")


def _ident(tenant: dict[str, Any]) -> Identity:
    app = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
    return Identity(tenant["cloud"], tenant["id"], app["clientId"])


def _tenant(control: str, cloud: str, users: int, name: str) -> dict[str, Any]:
    """A fresh tenant through the control plane (a random suffix: names are unique per simulator)."""
    body = {"cloud": cloud, "users": users, "name": f"{name} {uuid.uuid4().hex[:8]}"}
    r = httpx.post(f"{control}/_simulator/tenants", json=body, timeout=600)
    if r.status_code != 201:
        raise RuntimeError(f"the simulator refused a {cloud} tenant: {r.status_code} {r.text[:200]}")
    return r.json()


class SyncJob(User):
    """One synchronization job: setup once, then cycles until the run ends."""

    pause = 1.0

    def wait_time(self) -> float:
        return self.pause

    def on_start(self) -> None:
        sim = site(self.environment)
        opts = self.environment.parsed_options
        self.pause = float(getattr(opts, "job_pause", 1.0))
        self.changes = int(getattr(opts, "job_changes", 5))
        n = next(_serial)
        self.rng = random.Random(n)
        t0 = time.perf_counter()
        source_cloud = getattr(opts, "job_source_cloud", "commercial")
        src = _tenant(sim.control, source_cloud, int(getattr(opts, "job_users", 50)), f"Load Job {n} Source")
        tgt = _tenant(sim.control, TARGET_CLOUD[source_cloud], 5, f"Load Job {n} Target")
        secrets = {a["clientId"]: a["clientSecret"] for t in (src, tgt) for a in t["apps"]}
        self.backend = HttpGraph(secrets, clouds_from_endpoints(sim.doc), ca_bundle=sim.ca_bundle)
        clock = RealClock()
        self.source = GraphClient(self.backend, _ident(src), clock=clock)
        target = GraphClient(self.backend, _ident(tgt), clock=clock)
        pair = PairSetup(src["id"], tgt["id"], src["cloud"], tgt["cloud"])
        configure_target(target, pair)
        configure_source(self.source, pair)
        job = JobConfig(
            name=f"load job {n}",
            source=_ident(src),
            target=_ident(tgt),
            mappings=mapping.DEFAULT_MAPPINGS,
            scope=ScopeConfig(sync_all=True),
            anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
            cross_cloud=pair.cross_cloud,
        )
        self._dir = tempfile.TemporaryDirectory(prefix="ccsync-load-job-")
        state = EngineState(Path(self._dir.name) / "state.db", job.name)
        self.cycle = Cycle(job, self.source, target, state, clock, keep_records=False)
        self.member_ids: list[str] = []
        self._fire("setup pair", (time.perf_counter() - t0) * 1000, 0, None)

    def on_stop(self) -> None:
        # on_start may have stopped half-way (a refused tenant): close only what it opened
        if hasattr(self, "cycle"):
            self.cycle.state.close()
        if hasattr(self, "backend"):
            self.backend.close()
        if hasattr(self, "_dir"):
            self._dir.cleanup()

    def _fire(self, name: str, ms: float, length: int, exc: Exception | None) -> None:
        self.environment.events.request.fire(
            request_type="CYCLE",
            name=name,
            response_time=ms,
            response_length=length,
            exception=exc,
            context={},
        )

    @task
    def run_cycle(self) -> None:
        t0 = time.perf_counter()
        try:
            report = self.cycle.run().report
        except Exception as exc:  # a cycle that raised is a failed cycle for locust, not a crash
            self._fire("cycle error", (time.perf_counter() - t0) * 1000, 0, exc)
            return
        ms = (time.perf_counter() - t0) * 1000
        exported = sum(v for k, v in report.actions.items() if k != "other")
        failed = (
            None if report.state == "Succeeded" else RuntimeError(f"cycle {report.state}: {report.failure}")
        )
        self._fire(f"{report.kind} cycle", ms, exported, failed)
        self._change_source()

    def _change_source(self) -> None:
        """Some users change in the source between cycles, as they would in a live directory."""
        if not self.member_ids:
            users = self.source.list_all("/users", {"$select": "id,userType", "$top": "999"})
            self.member_ids = [u["id"] for u in users if u.get("userType") == "Member"]
        for uid in self.rng.sample(self.member_ids, min(self.changes, len(self.member_ids))):
            self.source.patch(f"/users/{uid}", {"department": f"Dept {self.rng.randrange(1000)}"})
