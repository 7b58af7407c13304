"""Benchmark of the simulator over HTTPS with keep-alive (a script, not a test).

    .venv/bin/python -m loadtests.bench_simulator --sizes 10000 1000000 --seconds 5

Starts ``ccsync up`` in a subprocess, seeds a tenant of each size through the control plane, then
measures requests per second per operation with client processes that keep their TLS connection
open, the server's resident memory, a full ``$top=999`` enumeration and a delta round with 1,000
changes. Writes JSON to ``loadtests/results/`` and prints a table.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing as mp
import os
import platform
import signal
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import msal
import requests
from rich.console import Console
from rich.table import Table

ROOT = Path(__file__).resolve().parents[1]


def start_server(workdir: Path, extra: list[str]) -> tuple[subprocess.Popen, dict[str, Any]]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port-base", "0", "--quiet", *extra],
        cwd=workdir,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    path = workdir / ".ccsync" / "endpoints.json"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if path.exists():
            try:
                return proc, json.loads(path.read_text())
            except ValueError:
                pass
        if proc.poll() is not None:
            raise SystemExit("the simulator exited during start-up")
        time.sleep(0.1)
    raise SystemExit("the simulator did not start")


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of ``pid`` in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def token_for(doc: dict[str, Any], tenant: dict[str, Any]) -> str:
    cloud = doc["clouds"][tenant["cloud"]]
    session = requests.Session()
    session.trust_env = False
    session.verify = doc["ca_bundle"]
    app = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
    cca = msal.ConfidentialClientApplication(
        app["clientId"],
        client_credential=app["clientSecret"],
        authority=f"{cloud['login']}/{tenant['id']}",
        instance_discovery=False,
        http_client=session,
    )
    return cca.acquire_token_for_client(scopes=[cloud["scope"]])["access_token"]


# -- the load: client processes with one keep-alive TLS connection each -----------------------------


def _worker(args: tuple[str, str, str, str, list[str], str, float, int]) -> tuple[int, list[float], int]:
    op, graph, ca, token, ids, domain, seconds, wid = args
    u = urlsplit(graph)
    ctx = ssl.create_default_context(cafile=ca)
    conn = http.client.HTTPSConnection(u.hostname, u.port, context=ctx)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    n, errors, lat = 0, 0, []
    deadline = time.perf_counter() + seconds
    batch_body = json.dumps(
        {
            "requests": [
                {"id": str(i), "method": "GET", "url": f"/users/{ids[i % len(ids)]}?$select=id,displayName"}
                for i in range(20)
            ]
        }
    )
    while time.perf_counter() < deadline:
        i = n
        if op == "get":
            method, path, body = "GET", f"/v1.0/users/{ids[(i * 7919 + wid) % len(ids)]}", None
        elif op == "list100":
            method, path, body = "GET", "/v1.0/users?$top=100", None
        elif op == "create":
            nick = f"b{wid}x{i}x{uuid.uuid4().hex[:6]}"
            method, path = "POST", "/v1.0/users"
            body = json.dumps(
                {
                    "accountEnabled": True,
                    "displayName": f"Bench {nick}",
                    "mailNickname": nick,
                    "userPrincipalName": f"{nick}@{domain}",
                    "passwordProfile": {"password": "Xy!12345678"},
                }
            )
        elif op == "patch":
            method, path = "PATCH", f"/v1.0/users/{ids[(i * 7919 + wid) % len(ids)]}"
            body = json.dumps({"jobTitle": f"Title {i}"})
        elif op == "delta_page":
            method, path, body = "GET", "/v1.0/users/delta?$select=displayName", None
        elif op == "batch20":
            method, path, body = "POST", "/v1.0/$batch", batch_body
        else:
            raise ValueError(op)
        t0 = time.perf_counter()
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        lat.append(time.perf_counter() - t0)
        if resp.status >= 400:
            errors += 1
        n += 1
    conn.close()
    return n, lat, errors


def measure(
    op: str,
    doc: dict[str, Any],
    tenant: dict[str, Any],
    token: str,
    ids: list[str],
    seconds: float,
    clients: int,
) -> dict[str, Any]:
    graph = doc["clouds"][tenant["cloud"]]["graph"]
    jobs = [
        (op, graph, doc["ca_bundle"], token, ids, tenant["defaultDomain"], seconds, w) for w in range(clients)
    ]
    t0 = time.perf_counter()
    with mp.get_context("fork").Pool(clients) as pool:
        results = pool.map(_worker, jobs)
    wall = time.perf_counter() - t0
    total = sum(r[0] for r in results)
    lat = sorted(x for r in results for x in r[1])
    return {
        "op": op,
        "requests": total,
        "errors": sum(r[2] for r in results),
        "rps": round(total / seconds, 1),
        "p50_ms": round(statistics.median(lat) * 1000, 2) if lat else None,
        "p99_ms": round(lat[int(len(lat) * 0.99) - 1] * 1000, 2) if lat else None,
        "wall_s": round(wall, 2),
    }


def enumerate_all(client: httpx.Client, graph: str) -> tuple[int, float]:
    t0 = time.perf_counter()
    url: str | None = f"{graph}/v1.0/users?$top=999&$select=id"
    n = 0
    while url:
        body = client.get(url).json()
        n += len(body["value"])
        url = body.get("@odata.nextLink")
    return n, time.perf_counter() - t0


def delta_round(client: httpx.Client, graph: str, ids: list[str], changes: int) -> dict[str, Any]:
    link = client.get(f"{graph}/v1.0/users/delta?$deltatoken=latest&$select=displayName,jobTitle").json()[
        "@odata.deltaLink"
    ]
    for i in range(changes):
        r = client.patch(f"{graph}/v1.0/users/{ids[(i * 7919) % len(ids)]}", json={"jobTitle": f"Delta {i}"})
        r.raise_for_status()
    t0 = time.perf_counter()
    url: str | None = link
    seen = 0
    pages = 0
    while url:
        body = client.get(url, headers={"Prefer": "odata.maxpagesize=999"}).json()
        seen += len(body["value"])
        pages += 1
        url = body.get("@odata.nextLink")
    return {
        "changes": changes,
        "entries": seen,
        "pages": pages,
        "seconds": round(time.perf_counter() - t0, 3),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 1_000_000])
    ap.add_argument("--seconds", type=float, default=5.0, help="duration of each measured operation")
    ap.add_argument(
        "--clients", type=int, default=2, help="client processes (each one keep-alive connection)"
    )
    ap.add_argument(
        "--ops", nargs="+", default=["get", "list100", "create", "patch", "delta_page", "batch20"]
    )
    ap.add_argument("--durable", action="store_true", help="run the server with --data-dir (SQLite journal)")
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
        "command": " ".join(
            [Path(sys.executable).name, "-m", "loadtests.bench_simulator", *(argv or sys.argv[1:])]
        ),
        "durable": args.durable,
        "runs": [],
    }
    with tempfile.TemporaryDirectory(prefix="ccsync-bench-") as tmp:
        extra = ["--data-dir", str(Path(tmp) / "state")] if args.durable else []
        proc, doc = start_server(Path(tmp), extra)
        try:
            for size in args.sizes:
                t0 = time.perf_counter()
                r = httpx.post(
                    f"{doc['control']}/_simulator/tenants",
                    json={"cloud": "commercial", "users": size, "name": f"Bench {size}"},
                    timeout=3600,
                )
                r.raise_for_status()
                seed_s = time.perf_counter() - t0
                tenant = r.json()
                rss_after_seed = rss_mb(proc.pid)
                token = token_for(doc, tenant)
                graph = doc["clouds"]["commercial"]["graph"]
                with httpx.Client(
                    verify=doc["ca_bundle"], headers={"Authorization": f"Bearer {token}"}, timeout=600
                ) as client:
                    ids = [
                        u["id"] for u in client.get(f"{graph}/v1.0/users?$top=999&$select=id").json()["value"]
                    ]
                    run: dict[str, Any] = {
                        "tenant_users": size,
                        "seed_seconds": round(seed_s, 2),
                        "rss_after_seed_mb": round(rss_after_seed[0], 1),
                        "ops": [],
                    }
                    for op in args.ops:
                        res = measure(op, doc, tenant, token, ids, args.seconds, args.clients)
                        run["ops"].append(res)
                        console.print(
                            f"{size:>9} users  {op:<11} {res['rps']:>8} req/s  p50 {res['p50_ms']} ms  p99 {res['p99_ms']} ms  errors {res['errors']}"
                        )
                    n, secs = enumerate_all(client, graph)
                    run["enumerate_top999"] = {
                        "users": n,
                        "seconds": round(secs, 2),
                        "pages_per_s": round((n / 999) / secs, 1),
                    }
                    run["delta_1000_changes"] = delta_round(client, graph, ids, 1000)
                run["rss_mb"], run["peak_rss_mb"] = (round(x, 1) for x in rss_mb(proc.pid))
                report["runs"].append(run)
                console.print(
                    f"{size:>9} users  enumerate {n} in {secs:.1f} s; delta round {run['delta_1000_changes']}; RSS {run['rss_mb']} MiB (peak {run['peak_rss_mb']})"
                )
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)
    args.out.mkdir(parents=True, exist_ok=True)
    out = args.out / f"bench-simulator-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2))
    table = Table(title="simulator over HTTPS, keep-alive")
    for col in ("users", "op", "req/s", "p50 ms", "p99 ms", "errors"):
        table.add_column(col)
    for run in report["runs"]:
        for o in run["ops"]:
            table.add_row(
                str(run["tenant_users"]),
                o["op"],
                str(o["rps"]),
                str(o["p50_ms"]),
                str(o["p99_ms"]),
                str(o["errors"]),
            )
    console.print(table)
    console.print(f"results: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
