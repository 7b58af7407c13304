"""``ccsync load``: a bounded, headless locust run of a ccsync profile against a seeded simulator.

    ccsync load --profile graph_mix --users 20 --run-time 60s [--processes 2] [--endpoints FILE]

Starts a simulator in this process (or reuses a running one with ``--endpoints``), seeds a source tenant of
``--tenant-users`` and a target tenant, sets the traffic profile, runs locust in a child process (locust
patches the process with gevent), and writes locust's CSV and HTML reports, its JSON statistics, the
simulator's traffic stats and a one-page summary to the results folder.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import uuid
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from loadtests.load_summary import render_summary, summarize, summary_markdown
from loadtests.shapes import SHAPES
from syncengine.cli_layout import print_json

LOCUSTFILES = Path(__file__).resolve().parent / "locustfiles"
PROFILES = ("graph_mix", "sync_jobs")
_RUN_TIME = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "load",
        help="run a locust load profile headless against a seeded simulator and write its reports",
        description="Run loadtests/locustfiles/<profile>.py headless for a bounded time; write locust's "
        "CSV and HTML, the simulator's traffic stats and a summary to the results folder.",
    )
    p.add_argument(
        "--profile", choices=PROFILES, default="graph_mix", help="locust profile (default graph_mix)"
    )
    p.add_argument("--users", type=_positive_int, default=20, help="locust users at full load (default 20)")
    p.add_argument("--spawn-rate", type=float, help="users started per second (default: all in one second)")
    p.add_argument("--run-time", default="60s", help="how long to run: 30s, 5m, 1h30m (default 60s)")
    p.add_argument(
        "--shape", choices=SHAPES, default="steady", help="load shape over the run (default steady)"
    )
    p.add_argument(
        "--processes",
        type=_positive_int,
        default=1,
        help="locust processes on this machine (locust's --processes; 2+ runs a master and workers)",
    )
    p.add_argument(
        "--tenant-users",
        type=_positive_int,
        default=1000,
        help="users in the seeded source tenant (sync_jobs: in each job's source tenant; default 1000)",
    )
    p.add_argument(
        "--traffic",
        choices=("off", "documented", "scaled"),
        default="documented",
        help="throttling profile during the run (default documented)",
    )
    p.add_argument("--traffic-factor", type=float, help="with --traffic scaled: divide budgets by this")
    p.add_argument(
        "--endpoints",
        type=Path,
        help="reuse the simulator of this endpoints.json (ccsync up) instead of starting one",
    )
    p.add_argument("--out", type=Path, help="results folder (default loadtests/results/load-<time>)")
    p.add_argument("--seed", type=int, default=42, help="seed of the simulator it starts (default 42)")
    p.add_argument("--json", action="store_true", help="print the summary as JSON")


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def run_time_seconds(text: str) -> int:
    """``60s``, ``5m``, ``1h30m`` or a plain number of seconds; ValueError otherwise."""
    m = _RUN_TIME.match(text.strip().lower())
    if not text.strip() or not m or not any(m.groups()):
        raise ValueError(f"--run-time {text!r}: use seconds, minutes or hours such as 30s, 5m, 1h30m")
    h, mi, s = (int(g) if g else 0 for g in m.groups())
    total = h * 3600 + mi * 60 + s
    if total < 1:
        raise ValueError(f"--run-time {text!r}: must be at least one second")
    return total


def run(args: argparse.Namespace, console: Console) -> int:
    try:
        seconds = run_time_seconds(args.run_time)
    except ValueError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    if args.traffic_factor is not None and args.traffic != "scaled":
        console.print("[red]--traffic-factor goes with --traffic scaled[/red]")
        return 2
    out = args.out or Path("loadtests/results") / f"load-{datetime.now(UTC):%Y%m%dT%H%M%S}"
    out.mkdir(parents=True, exist_ok=True)
    with ExitStack() as stack:
        if args.endpoints:
            try:
                control = json.loads(args.endpoints.read_text())["control"]
                httpx.get(f"{control}/_simulator/endpoints", timeout=10).raise_for_status()
            except (OSError, ValueError, KeyError, httpx.HTTPError) as exc:
                console.print(
                    f"[red]--endpoints {args.endpoints}: no running simulator there ({exc.__class__.__name__}); "
                    "start one with 'ccsync up' or leave --endpoints out[/red]"
                )
                return 2
        else:
            from simulator.testing import running_simulator

            if not args.json:
                console.print("starting a simulator on loopback ports…")
            sim = stack.enter_context(running_simulator(seed=args.seed))
            control = sim.control_url
        return _run(args, console, control, out, seconds)
    return 1  # unreachable; keeps type checkers content


def _run(args: argparse.Namespace, console: Console, control: str, out: Path, seconds: int) -> int:
    extra: list[str] = []
    if args.profile == "graph_mix":
        if not args.json:
            console.print(f"seeding a source tenant of {args.tenant_users} users and a target tenant…")
        tag = uuid.uuid4().hex[:6]
        src = _tenant(control, "commercial", args.tenant_users, f"Load Source {tag}")
        tgt = _tenant(control, "gcch", 5, f"Load Target {tag}")
        extra += ["--mix-source", src["id"], "--mix-target", tgt["id"]]
    else:
        extra += ["--job-users", str(args.tenant_users)]
    traffic: dict[str, Any] = {"profile": args.traffic}
    if args.traffic_factor is not None:
        traffic["factor"] = args.traffic_factor
    previous = httpx.get(f"{control}/_simulator/traffic", timeout=30).json()
    httpx.put(f"{control}/_simulator/traffic", json=traffic, timeout=30).raise_for_status()
    try:
        return _locust(args, console, control, out, seconds, extra)
    finally:  # a reused simulator gets its own profile back (fresh buckets, as any profile switch)
        restore = {"profile": previous.get("profile", "off")}
        if "factor" in previous:
            restore["factor"] = previous["factor"]
        httpx.put(f"{control}/_simulator/traffic", json=restore, timeout=30)


def _locust(
    args: argparse.Namespace, console: Console, control: str, out: Path, seconds: int, extra: list[str]
) -> int:
    before = httpx.get(f"{control}/_simulator/traffic/stats", timeout=30).json()
    rate = args.spawn_rate or float(args.users)
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILES / f"{args.profile}.py"), "--headless",
        "-u", str(args.users), "-r", str(rate), "-t", f"{seconds}s", "--host", control,
        "--csv", str(out / "locust"), "--html", str(out / "locust.html"), "--json-file", str(out / "locust"),
        "--ccsync-shape", args.shape, "--ccsync-stats-file", str(out / "traffic-after.json"),
        "--only-summary", "--stop-timeout", "10", *extra,
    ]  # fmt: skip
    if args.processes > 1:
        cmd += ["--processes", str(args.processes)]
    if not args.json:
        console.print(
            f"running {args.profile}: {args.users} users for {seconds}s in {args.processes} process(es)…"
        )
    with open(out / "locust.log", "w") as log:
        proc = subprocess.run(
            cmd, stdout=log, stderr=subprocess.STDOUT, timeout=seconds + 300, env=_child_env(), check=False
        )
    stats_file = out / "locust.json"
    if proc.returncode not in (0, 1) or not stats_file.exists():
        console.print(
            f"[red]locust did not finish (exit {proc.returncode}); its log: {out / 'locust.log'}[/red]"
        )
        return 1
    # read again now that every worker has stopped: locust's own read at test_stop can come before the
    # last requests of its workers
    after = httpx.get(f"{control}/_simulator/traffic/stats", timeout=30).json()
    (out / "traffic-after.json").write_text(json.dumps(after, indent=2))
    summary = summarize(
        json.loads(stats_file.read_text()),
        before,
        after,
        profile=args.profile,
        users=args.users,
        processes=args.processes,
        run_time_s=seconds,
        tenant_users=args.tenant_users,
        traffic_profile=args.traffic,
        command=" ".join(["ccsync", "load", *sys.argv[2:]]) if sys.argv[1:2] == ["load"] else "ccsync load",
    )
    summary["files"] = {
        "csv": str(out / "locust_stats.csv"),
        "html": str(out / "locust.html"),
        "json": str(stats_file),
        "summary": str(out / "summary.md"),
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    (out / "summary.md").write_text(summary_markdown(summary))
    if args.json:
        print_json(console, summary)
    else:
        render_summary(console, summary)
        console.print(f"reports: {out}", soft_wrap=True)
    return 0 if summary["requests"] > 0 else 1


def _tenant(control: str, cloud: str, users: int, name: str) -> dict[str, Any]:
    r = httpx.post(
        f"{control}/_simulator/tenants", json={"cloud": cloud, "users": users, "name": name}, timeout=3600
    )
    r.raise_for_status()
    return r.json()


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    root = str(Path(__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH", "")) if p)
    return env
