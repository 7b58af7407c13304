"""Benchmark of the sync engine (a script, not a test).

    .venv/bin/python -m loadtests.bench_engine --initial 100000 --incremental-tenant 1000000 --https 10000

1. in-process initial cycle: SimulatedGraph, sync-all scope, N source users → N B2B users created;
2. incremental cycle with 1,000 changes in a tenant of M users (assigned scope of 2,000 users);
3. users per second of an initial cycle over HTTPS against a ``ccsync up`` server in another process.
Writes JSON to ``loadtests/results/`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from loadtests.bench_simulator import rss_mb, start_server
from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from syncengine import mapping
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.cycle import Cycle
from syncengine.http_backend import HttpGraph
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, ScopeConfig
from syncengine.setup import PairSetup, assign, configure_source, configure_target, create_sync_app
from syncengine.state import EngineState

ROOT = Path(__file__).resolve().parents[1]


def _ident(t: dict[str, Any]) -> Identity:
    app = next(a for a in t["apps"] if "User.ReadWrite.All" in a["permissions"])
    return Identity(t["cloud"], t["id"], app["clientId"])


def _tenants(control: str, users: int) -> tuple[dict[str, Any], dict[str, Any]]:
    src = httpx.post(
        f"{control}/_simulator/tenants",
        json={"cloud": "commercial", "users": users, "name": f"Bench Source {users}"},
        timeout=3600,
    ).json()
    tgt = httpx.post(
        f"{control}/_simulator/tenants",
        json={"cloud": "gcch", "users": 5, "name": f"Bench Target {users}"},
        timeout=600,
    ).json()
    return src, tgt


def _job(src: dict[str, Any], tgt: dict[str, Any], sp: str | None, sync_all: bool) -> JobConfig:
    return JobConfig(
        name=f"bench {src['id'][:8]}",
        source=_ident(src),
        target=_ident(tgt),
        mappings=mapping.DEFAULT_MAPPINGS,
        scope=ScopeConfig(sync_all=sync_all),
        anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
        service_principal_id=sp,
        cross_cloud=True,
    )


def _configure(s: GraphClient, t: GraphClient, src: dict[str, Any], tgt: dict[str, Any]) -> None:
    pair = PairSetup(src["id"], tgt["id"], "commercial", "gcch")
    configure_target(t, pair)
    configure_source(s, pair)


def initial_in_process(users: int, tmp: Path) -> dict[str, Any]:
    with running_simulator(seed=3) as sim:
        src, tgt = _tenants(sim.control_url, users)
        backend = SimulatedGraph(sim.router)
        s, t = GraphClient(backend, _ident(src)), GraphClient(backend, _ident(tgt))
        _configure(s, t, src, tgt)
        job = _job(src, tgt, None, True)
        cycle = Cycle(job, s, t, EngineState(tmp / "initial.db", job.name), sim.clock, keep_records=False)
        t0 = time.perf_counter()
        r = cycle.run()
        secs = time.perf_counter() - t0
    return {"source_users": users, "created": r.report.actions.get("create", 0), "seconds": round(secs, 1),
            "users_per_s": round(users / secs, 1), "graph_requests": r.report.requests, "state": r.report.state}  # fmt: skip


def incremental_in_big_tenant(users: int, changes: int, tmp: Path) -> dict[str, Any]:
    rng = random.Random(5)
    with running_simulator(seed=4) as sim:
        src, tgt = _tenants(sim.control_url, users)
        backend = SimulatedGraph(sim.router)
        s, t = GraphClient(backend, _ident(src)), GraphClient(backend, _ident(tgt))
        _configure(s, t, src, tgt)
        sp = create_sync_app(s, "bench sync")
        group = s.post(
            "/groups",
            {
                "displayName": "bench scope",
                "mailEnabled": False,
                "mailNickname": "benchscope",
                "securityEnabled": True,
            },
        )
        ids = [u["id"] for page in s.pages("/users", {"$select": "id", "$top": "999"}) for u in page][
            : max(changes * 2, 2000)
        ]
        for uid in ids:
            s.post(
                f"/groups/{group['id']}/members/$ref",
                {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{uid}"},
            )
        assign(s, sp, group["id"])
        job = _job(src, tgt, sp, False)
        cycle = Cycle(job, s, t, EngineState(tmp / "incremental.db", job.name), sim.clock, keep_records=False)
        t0 = time.perf_counter()
        first = cycle.run()
        initial_s = time.perf_counter() - t0
        for uid in rng.sample(ids, changes):
            s.patch(f"/users/{uid}", {"department": f"Dept {rng.randrange(1000)}"})
        t0 = time.perf_counter()
        r = cycle.run()
        secs = time.perf_counter() - t0
        rss = rss_mb(os.getpid())
    return {"tenant_users": users, "in_scope": len(ids), "changes": changes, "updated": r.report.actions.get("update", 0),
            "seconds": round(secs, 2), "initial_cycle_seconds": round(initial_s, 1), "initial_created": first.report.actions.get("create", 0),
            "process_rss_mb": round(rss[0], 1), "process_peak_rss_mb": round(rss[1], 1)}  # fmt: skip


def initial_over_https(users: int, tmp: Path) -> dict[str, Any]:
    proc, doc = start_server(tmp, [])
    try:
        src, tgt = _tenants(doc["control"], users)
        doc = httpx.get(f"{doc['control']}/_simulator/endpoints").json()
        backend = HttpGraph.for_simulator(doc)
        s, t = GraphClient(backend, _ident(src)), GraphClient(backend, _ident(tgt))
        _configure(s, t, src, tgt)
        job = _job(src, tgt, None, True)
        cycle = Cycle(job, s, t, EngineState(tmp / "https.db", job.name), _RealClock(), keep_records=False)
        t0 = time.perf_counter()
        r = cycle.run()
        secs = time.perf_counter() - t0
        backend.close()
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    return {"source_users": users, "created": r.report.actions.get("create", 0), "seconds": round(secs, 1),
            "users_per_s": round(users / secs, 1), "graph_requests": r.report.requests}  # fmt: skip


class _RealClock:
    def now(self) -> datetime:
        return datetime.now(UTC)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--initial", type=int, default=100_000, help="source users of the in-process initial cycle (0 skips)"
    )
    ap.add_argument(
        "--incremental-tenant",
        type=int,
        default=1_000_000,
        help="tenant size for the incremental cycle (0 skips)",
    )
    ap.add_argument("--changes", type=int, default=1000)
    ap.add_argument(
        "--https", type=int, default=10_000, help="source users of the initial cycle over HTTPS (0 skips)"
    )
    ap.add_argument("--out", type=Path, default=ROOT / "loadtests" / "results")
    args = ap.parse_args(argv)
    console = Console()
    report: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "command": " ".join(["python", "-m", "loadtests.bench_engine", *(argv or sys.argv[1:])]),
    }
    with tempfile.TemporaryDirectory(prefix="ccsync-bench-engine-") as tmp:
        if args.initial:
            report["initial_in_process"] = initial_in_process(args.initial, Path(tmp))
            console.print(f"initial in-process: {report['initial_in_process']}")
        if args.incremental_tenant:
            report["incremental"] = incremental_in_big_tenant(
                args.incremental_tenant, args.changes, Path(tmp)
            )
            console.print(f"incremental: {report['incremental']}")
        if args.https:
            report["initial_https"] = initial_over_https(args.https, Path(tmp))
            console.print(f"initial over HTTPS: {report['initial_https']}")
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-engine-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    t = Table(title="sync engine")
    t.add_column("measure")
    t.add_column("result")
    for key in ("initial_in_process", "incremental", "initial_https"):
        if key in report:
            t.add_row(key, json.dumps(report[key]))
    console.print(t)
    console.print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
