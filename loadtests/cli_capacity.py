"""``ccsync capacity``: predicted initial and incremental cycle times under Graph's budgets, with plots.

    ccsync capacity --users 250000 --pair commercial:gcch
    ccsync capacity --simulate --sizes 1000 10000 50000

See docs/capacity.md for the model, its inputs and what it leaves out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console

from syncengine.cli_layout import print_json, table


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "capacity",
        help="predict initial and incremental cycle times under Graph's budgets, with plots",
        description="Predict how long a job's initial and incremental cycles take under Graph's documented "
        "throttling budgets, which budget binds, and Microsoft's published estimate beside it; write the JSON "
        "and PNG/HTML plots. --simulate checks the model against the real engine on virtual time.",
    )
    p.add_argument("--users", type=_count, help="users in the source tenant")
    p.add_argument("--world", type=Path, help="take the tenant sizes from this world file instead of --users")
    scope = p.add_mutually_exclusive_group()
    scope.add_argument("--in-scope", type=_fraction, help="fraction of the users in scope (0-1; default 1)")
    scope.add_argument("--assigned", type=_count, help="number of users in scope (assigned) instead")
    p.add_argument(
        "--change-rate", type=_fraction, default=0.01, help="share of in-scope users changing per day (0.01)"
    )
    p.add_argument("--pair", default="commercial:gcch", help="source:target clouds (default commercial:gcch)")
    p.add_argument("--jobs-per-source", type=_count, default=1, help="jobs reading the same source tenant")
    p.add_argument(
        "--jobs-per-target", type=_count, default=1, help="jobs writing into the same target tenant"
    )
    p.add_argument(
        "--own-apps",
        action="store_true",
        help="each job signs in with its own app (an engine you run) instead of the service's shared identity",
    )
    p.add_argument(
        "--licence-policy", choices=("warn", "enforce"), default="warn", help="unlicensed users: warn or skip"
    )
    p.add_argument(
        "--licensed", type=_fraction, default=1.0, help="share of in-scope users with the needed licence (1)"
    )
    p.add_argument(
        "--request-ms",
        type=float,
        default=0.0,
        help="Graph's answer time per request for the engine's one-at-a-time pace (default 0: budgets only)",
    )
    p.add_argument("--traffic", choices=("documented", "scaled"), default="documented", help="budget profile")
    p.add_argument("--traffic-factor", type=float, help="with --traffic scaled: divide budgets by this")
    p.add_argument("--simulate", action="store_true", help="also run the engine at --sizes and compare")
    p.add_argument(
        "--sizes", type=_count, nargs="+", default=[1000, 10_000, 50_000], help="tenant sizes for --simulate"
    )
    p.add_argument("--timeline-users", type=_count, default=5000, help="users of the budget-over-time cycle")
    p.add_argument("--no-plots", action="store_true", help="skip the plots (and the cycle they need)")
    p.add_argument("--out", type=Path, help="folder for the JSON and plots (default loadtests/results/)")
    p.add_argument("--json", action="store_true", help="print the prediction as JSON")


def _count(text: str) -> int:
    try:
        value = int(text.replace(",", "").replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text.rstrip("%")) / (100 if text.endswith("%") else 1)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number such as 0.4 or 40%") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be between 0 and 1 (or 0% and 100%)")
    return value


def _sizes_from_world(path: Path, source_cloud: str, target_cloud: str) -> tuple[int, int]:
    from simulator.world.spec import load_world

    world = load_world(path)
    src = next((t for t in world.tenants if t.cloud.value == source_cloud), None)
    if src is None:
        raise ValueError(f"{path}: no tenant in cloud {source_cloud}")
    tgt = next((t for t in world.tenants if t.cloud.value == target_cloud and t is not src), None)
    return src.users + src.guests, (tgt.users + tgt.guests) if tgt else 5


def run(args: argparse.Namespace, console: Console) -> int:
    from loadtests.capacity.calibration import calibrate
    from loadtests.capacity.model import PAIRS, Scenario, predict
    from simulator.traffic import TrafficConfigError
    from simulator.traffic.throttle import make_limits
    from simulator.world import WorldError

    source_cloud, _, target_cloud = args.pair.partition(":")
    if (source_cloud, target_cloud) not in PAIRS:
        console.print(
            f"[red]--pair {args.pair}: use source:target clouds the service supports, such as "
            "commercial:gcch, gcch:commercial, commercial:dod, commercial:china[/red]"
        )
        return 2
    target_users = 5
    if args.world:
        try:
            users, target_users = _sizes_from_world(args.world, source_cloud, target_cloud)
        except (OSError, ValueError, WorldError) as exc:
            console.print(f"[red]--world: {exc}[/red]")
            return 2
    elif args.users:
        users = args.users
    elif not args.simulate:
        console.print("[red]give --users N (or --world FILE); --simulate alone checks the model[/red]")
        return 2
    else:
        users = max(args.sizes)
    traffic: dict[str, Any] = {"profile": args.traffic}
    if args.traffic_factor is not None:
        traffic["factor"] = args.traffic_factor
    try:
        limits = make_limits(args.traffic, args.traffic_factor)
    except TrafficConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    in_scope = args.assigned or round(users * (1.0 if args.in_scope is None else args.in_scope))
    if in_scope > users:
        console.print(f"[red]--assigned {in_scope} is more than the tenant's {users} users[/red]")
        return 2
    say = (lambda _m: None) if args.json else (lambda m: console.print(m))
    say("measuring the engine's Graph traffic per user (two small cycles on the simulator)…")
    cal = calibrate(source_cloud, target_cloud)
    sc = Scenario(
        users=users,
        in_scope=in_scope,
        change_rate=args.change_rate,
        source_cloud=source_cloud,
        target_cloud=target_cloud,
        jobs_per_source=args.jobs_per_source,
        jobs_per_target=args.jobs_per_target,
        shared_identity=not args.own_apps,
        licence_policy=args.licence_policy,
        licensed_fraction=args.licensed,
        request_ms=args.request_ms,
        target_users=target_users,
    )
    pred = predict(sc, cal, limits)
    out_dir = args.out or Path("loadtests/results")
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    doc: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "ccsync " + " ".join(sys.argv[1:]) if sys.argv[1:2] == ["capacity"] else "ccsync capacity",
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "traffic": traffic,
        "prediction": pred.to_dict(),
        "calibration": cal.to_dict(),
    }
    comparisons = []
    if args.simulate:
        from loadtests.capacity.simulation import simulate

        say(f"simulating the engine at {', '.join(f'{n:,}' for n in args.sizes)} users on virtual time…")
        comparisons = simulate(
            args.sizes,
            cal,
            limits,
            traffic,
            change_rate=args.change_rate,
            source_cloud=source_cloud,
            target_cloud=target_cloud,
        )
        doc["simulation"] = [c.to_dict() for c in comparisons]
    if not args.no_plots:
        doc["plots"] = _plots(args, sc, cal, limits, traffic, pred, comparisons, out_dir, stamp, say)
    path = out_dir / f"capacity-{stamp}.json"
    path.write_text(json.dumps(doc, indent=2))
    doc["json"] = str(path)
    if args.json:
        print_json(console, doc)
    else:
        _render(console, pred, comparisons)
        console.print(f"written: {path}", soft_wrap=True)
        for p in doc.get("plots", {}).values():
            console.print(f"written: {p}", soft_wrap=True)
    bad = [c for c in comparisons if not c.ok]
    if bad:
        sizes = ", ".join(f"{c.users:,}" for c in bad)
        console.print(
            f"[red]FAILED: predicted and simulated cycle times differ by more than 10% at {sizes} users[/red]"
        )
        return 1
    return 0


def _plots(args, sc, cal, limits, traffic, pred, comparisons, out_dir, stamp, say) -> dict[str, str]:  # noqa: ANN001
    from dataclasses import replace

    from loadtests.capacity.model import predict
    from loadtests.capacity.plots import budget_plot, duration_plot, html_page
    from loadtests.capacity.simulation import budget_timeline

    top = max(1_000_000, sc.in_scope * 2)
    grid = [int(1000 * (top / 1000) ** (i / 40)) for i in range(41)]
    curve = [(n, predict(replace(sc, users=n, in_scope=n), cal, limits).initial.minutes) for n in grid]
    sims = [c.to_dict() for c in comparisons]
    png1 = duration_plot(
        curve, sims, sc.in_scope, pred.initial.minutes, out_dir / f"capacity-{stamp}-duration.png"
    )
    say(f"one initial cycle of {args.timeline_users:,} users for the budget-over-time picture…")
    timeline = budget_timeline(
        args.timeline_users, limits, traffic, source_cloud=sc.source_cloud, target_cloud=sc.target_cloud
    )
    png2 = budget_plot(timeline, out_dir / f"capacity-{stamp}-budget.png")
    lo, hi = pred.microsoft_initial_minutes
    rows = [
        ("tenant", f"{sc.users:,} users, {sc.in_scope:,} in scope, {sc.source_cloud} → {sc.target_cloud}"),
        ("initial cycle", f"{pred.initial.minutes:,.1f} min, bound by {pred.initial.binding}"),
        ("incremental cycle", f"{pred.incremental.minutes:,.2f} min, bound by {pred.incremental.binding}"),
        ("fits the 40-minute interval", "yes" if pred.fits_interval else "no"),
        ("Microsoft's estimate (initial)", f"{lo:,.0f} – {hi:,.0f} min"),
    ]
    page = html_page("ccsync capacity", rows, [png1, png2], out_dir / f"capacity-{stamp}.html")
    return {"duration_png": str(png1), "budget_png": str(png2), "html": str(page)}


def _minutes(seconds: float) -> str:
    if seconds < 1:
        return "< 1 s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    if seconds < 3600 * 2:
        return f"{seconds / 60:,.1f} min"
    return f"{seconds / 3600:,.1f} h"


def _render(console: Console, pred: Any, comparisons: list[Any]) -> None:
    sc = pred.scenario
    lo, hi = pred.microsoft_initial_minutes
    t = table(
        f"{sc.users:,} users, {sc.in_scope:,} in scope, {sc.source_cloud} → {sc.target_cloud}",
        ("cycle", "predicted", "binding limit"),
        right=("predicted",),
    )
    t.add_row("initial", _minutes(pred.initial.seconds), pred.initial.binding)
    t.add_row(
        f"incremental ({pred.incremental.objects:,.0f} changes)",
        _minutes(pred.incremental.seconds),
        pred.incremental.binding,
    )
    t.add_row(
        "Microsoft's estimate, initial", f"{_minutes(lo * 60)} – {_minutes(hi * 60)}", "0.01–0.08 × N min"
    )
    if pred.microsoft_table_row:
        row = pred.microsoft_table_row
        t.add_row(f"older table ({row['range']})", row["initial"], f"incremental {row['incremental']}")
    console.print(t)
    fits = "fits" if pred.fits_interval else "does NOT fit"
    console.print(f"The incremental cycle {fits} the {sc.interval_min:g}-minute interval.")
    for note in pred.notes:
        console.print(note)
    if comparisons:
        c = table(
            "model against the engine on virtual time (initial cycle)",
            ("users", "predicted", "simulated", "diff", "ok"),
            right=("users", "predicted", "simulated", "diff"),
        )
        for r in comparisons:
            c.add_row(
                f"{r.users:,}",
                f"{r.initial_predicted_s:,.0f} s",
                f"{r.initial_simulated_s:,.0f} s",
                f"{r.initial_error:+.1%}" if r.initial_simulated_s else "–",
                "yes" if r.ok else "NO",
            )
        console.print(c)
