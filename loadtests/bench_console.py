"""How fast each console page answers: the default world after demo-like activity, then with a
1,000,000-user tenant loaded.

    .venv/bin/python -m loadtests.bench_console [--users 1000000] [--repeat 20]

Each page is fetched over HTTP with keep-alive, once cold (nothing cached: the first fetch runs the
licence check) and then ``--repeat`` times; the table shows the first, the median and the slowest. Budgets (issue 14): every page < 200 ms with the default world, < 1 s with
the large tenant. Exits 1 when a page is over its budget. Writes JSON to ``loadtests/results/``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from ccsync.sample_activity import demo_activity
from simulator.testing import running_simulator

ROOT = Path(__file__).resolve().parents[1]
BUDGET_DEFAULT_MS = 200.0
BUDGET_LARGE_MS = 1000.0


def pages(source: str, sp: str, extra_tenant: str | None = None) -> list[str]:
    out = [
        "/",
        f"/tenants/{source}",
        f"/configurations?tenant={source}",
        f"/configurations/{sp}/unlicensed?tenant={source}",
        f"/logs?tenant={source}",
        f"/logs?tenant={source}&status=success&action=create",
        f"/audit?tenant={source}",
        "/traffic",
        "/time",
    ]
    if extra_tenant:
        out += [
            f"/tenants/{extra_tenant}",
            f"/configurations?tenant={extra_tenant}",
            f"/logs?tenant={extra_tenant}",
            f"/audit?tenant={extra_tenant}",
        ]
    return out


def measure(client: httpx.Client, paths: list[str], repeat: int) -> list[dict[str, Any]]:
    rows = []
    for path in paths:
        t0 = time.perf_counter()
        r = client.get(path)  # the first fetch: nothing cached (the licence check runs here)
        first = (time.perf_counter() - t0) * 1000
        if r.status_code != 200:
            raise SystemExit(f"{path} answered {r.status_code}: {r.text[:300]}")
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            client.get(path).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
        rows.append(
            {
                "page": path,
                "first_ms": first,
                "median_ms": statistics.median(times),
                "max_ms": max(times),
                "bytes": len(r.content),
            }
        )
    return rows


def show(title: str, rows: list[dict[str, Any]], budget: float) -> bool:
    print(f"\n{title} (budget {budget:.0f} ms)")
    print(f"{'page':<50} {'first':>8} {'median':>8} {'max':>8}")
    ok = True
    for r in rows:
        over = max(r["max_ms"], r["first_ms"]) > budget
        ok &= not over
        page = r["page"] if len(r["page"]) <= 50 else r["page"][:47] + "..."
        print(
            f"{page:<50} {r['first_ms']:>6.1f}ms {r['median_ms']:>6.1f}ms {r['max_ms']:>6.1f}ms"
            f"{'  OVER' if over else ''}"
        )
    return ok


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=1_000_000, help="size of the large tenant (default 1000000)")
    ap.add_argument("--repeat", type=int, default=20, help="timed fetches per page (default 20)")
    ap.add_argument("--out", type=Path, default=ROOT / "loadtests" / "results", help="where the JSON goes")
    args = ap.parse_args(argv)
    result: dict[str, Any] = {
        "machine": f"{platform.node()} {platform.machine()} {platform.python_version()}",
        "repeat": args.repeat,
    }
    with running_simulator(seed=42) as sim:
        sim.set_traffic("documented")
        activity = demo_activity(sim)
        source, sp = activity.source["id"], activity.service_principals["gcch"]
        with httpx.Client(base_url=f"{sim.control_url}/console", timeout=600) as client:
            default = measure(client, pages(source, sp), args.repeat)
            t0 = time.perf_counter()
            big = httpx.post(
                f"{sim.control_url}/_simulator/tenants",
                json={"cloud": "commercial", "users": args.users, "name": "Bench Large"},
                timeout=3600,
            )
            big.raise_for_status()
            seeded = time.perf_counter() - t0
            large = measure(client, pages(source, sp, big.json()["id"]), args.repeat)
    ok = show("default world after demo activity", default, BUDGET_DEFAULT_MS)
    ok &= show(f"with a {args.users:,}-user tenant loaded (seeded in {seeded:.1f} s)", large, BUDGET_LARGE_MS)
    result.update({"default": default, "large": large, "large_users": args.users, "seed_seconds": seeded})
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"console-{int(time.time())}.json"
    path.write_text(json.dumps(result, indent=1))
    print(f"\nresults: {path}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
