"""``ccsync sync validate|plan|run|status --config job.toml``: the engine from the command line."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from syncengine.cli_layout import fields, heading, line, print_json, prose, table
from syncengine.client import GraphClient
from syncengine.clock import RealClock
from syncengine.config import ConfigError, LoadedJob, endpoints_document, load_job
from syncengine.cycle import Cycle
from syncengine.http_backend import HttpGraph, clouds_from_endpoints
from syncengine.state import EngineState, StateError


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sync", help="run a synchronization job (TOML) against the simulator or real tenants")
    verbs = p.add_subparsers(dest="verb", required=True)
    for verb, text in (
        ("validate", "check the job file, the cloud pair, both tenants' policies and licences"),
        ("plan", "show what a cycle would do, writing nothing"),
        ("run", "run cycles"),
        ("status", "show the job's state: links, escrows, held deletes, recent cycles"),
    ):
        v = verbs.add_parser(verb, help=text)
        v.add_argument("--config", required=True, type=Path, help="the job file (TOML)")
        if verb == "run":
            v.add_argument("--once", action="store_true", help="one cycle, then exit (default)")
            v.add_argument(
                "--cycles", type=int, default=1, help="run N cycles, 40 minutes apart unless --interval"
            )
            v.add_argument(
                "--interval", type=float, default=2400.0, help="seconds between cycles (default 2400)"
            )
            v.add_argument(
                "--force-deletes", action="store_true", help="release deletes held by the deletion threshold"
            )
        v.add_argument("--json", action="store_true", help=_JSON_HELP[verb])
    from syncengine.cli_init import add_parser as add_init_parser

    add_init_parser(verbs)


_JSON_HELP = {
    "validate": "print the checks' outcome as JSON",
    "plan": "print the cycle report as JSON",
    "run": "print each cycle report as JSON",
    "status": "print the job's state as JSON",
}


def main(args: argparse.Namespace, console: Console) -> int:
    if args.verb == "init":
        from syncengine.cli_init import run as run_init

        return run_init(args, console)
    try:
        loaded = load_job(args.config)
    except ConfigError as exc:
        console.print(f"{exc}", style="red", markup=False)
        return 2
    backend = _backend(loaded)
    source = GraphClient(backend, loaded.job.source)
    target = GraphClient(backend, loaded.job.target)
    try:
        state = EngineState(loaded.state_path, loaded.job.name)
    except StateError as exc:
        console.print(f"{exc}", style="red", markup=False)
        return 2
    try:
        return _VERBS[args.verb](args, console, loaded, source, target, state)
    finally:
        state.close()
        backend.close()


def _backend(loaded: LoadedJob) -> HttpGraph:
    if loaded.endpoints_path:
        doc = endpoints_document(loaded.endpoints_path)
        return HttpGraph(loaded.secrets, clouds_from_endpoints(doc), ca_bundle=doc["ca_bundle"])
    return HttpGraph(loaded.secrets)


def _cycle(loaded: LoadedJob, source: GraphClient, target: GraphClient, state: EngineState) -> Cycle:

    return Cycle(loaded.job, source, target, state, RealClock())


def _validate(
    args: argparse.Namespace,
    console: Console,
    loaded: LoadedJob,
    source: GraphClient,
    target: GraphClient,
    state: EngineState,
) -> int:
    from syncengine import preflight

    job = loaded.job
    failures = preflight.run_preflight(job, source, target)  # a refused cloud pair comes alone, first
    if args.json:
        print_json(
            console,
            {
                "job": job.name,
                "ok": not failures,
                "failures": [
                    {"code": f.code, "side": f.side, "message": f.message, "fix": f.fix} for f in failures
                ],
            },
        )
        return 1 if failures else 0
    heading(console, f"job {job.name}")
    fields(
        console,
        [
            ("source", f"{job.source.cloud} {job.source.tenant_id}"),
            ("target", f"{job.target.cloud} {job.target.tenant_id}"),
        ],
    )
    if failures:
        for f in failures:
            console.print(f"[red]✗ {escape(f.code)}[/red] ({escape(f.side)})")
            prose(console, f.message)
            prose(console, f"fix: {f.fix}")
        return 1
    console.print(
        "[green]✓ cloud pair, cross-tenant access policies and automatic redemption are in place[/green]"
    )
    return 0


def _plan(
    args: argparse.Namespace,
    console: Console,
    loaded: LoadedJob,
    source: GraphClient,
    target: GraphClient,
    state: EngineState,
) -> int:
    result = _cycle(loaded, source, target, state).run(dry_run=True)
    return _render(console, result, args.json, title="plan (nothing written)")


def _run(
    args: argparse.Namespace,
    console: Console,
    loaded: LoadedJob,
    source: GraphClient,
    target: GraphClient,
    state: EngineState,
) -> int:
    cycle = _cycle(loaded, source, target, state)
    cycles = 1 if args.once else max(1, args.cycles)
    code = 0
    for n in range(cycles):
        result = cycle.run(force_deletes=args.force_deletes and n == 0)
        code = max(code, _render(console, result, args.json, title=f"cycle {n + 1} of {cycles}"))
        if n + 1 < cycles:
            cycle.clock.sleep(args.interval)
    return code


def _status(
    args: argparse.Namespace,
    console: Console,
    loaded: LoadedJob,
    source: GraphClient,
    target: GraphClient,
    state: EngineState,
) -> int:
    summary = {
        "job": loaded.job.name,
        "linked": state.count_shadows("linked"),
        "deprovisioned": state.count_shadows("deprovisioned"),
        "escrows": len(state.escrows()),
        "heldDeletes": len(state.staged()),
        "watermark": bool(state.watermark),
        "cycles": [
            {
                "began": c["began"],
                "kind": c["kind"],
                **{k: (c["report"] or {}).get(k) for k in ("state", "actions")},
            }
            for c in state.cycles(5)
        ],
    }
    if args.json:
        print_json(console, summary)
        return 0
    t = table(f"job {loaded.job.name}", ("what", "value"))
    t.add_row("linked users", str(summary["linked"]))
    t.add_row("deprovisioned", str(summary["deprovisioned"]))
    t.add_row("escrows", str(summary["escrows"]))
    t.add_row("held deletes", str(summary["heldDeletes"]))
    t.add_row("watermark", "set" if state.watermark else "none (next cycle is initial)")
    console.print(t)
    if summary["cycles"]:
        heading(console, "recent cycles")
    for c in summary["cycles"]:
        actions = ", ".join(f"{k} {v}" for k, v in sorted((c["actions"] or {}).items())) or "no changes"
        line(console, f"  {c['began']}  {c['kind']}  {c['state'] or 'running'}")
        prose(console, actions)
    return 0


def _render(console: Console, result: Any, as_json: bool, *, title: str) -> int:
    report = result.report
    if as_json:
        print_json(console, report.to_dict())
    else:
        t = table(f"{title}: {report.kind} cycle, {report.state}", ("action", "count"), right=("count",))
        for action, n in sorted(report.actions.items()):
            t.add_row(action, str(n))
        console.print(t)
        if report.skip_reasons:
            console.print("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(report.skip_reasons.items())))
        if report.errors:
            errors = ", ".join(f"{k} {v}" for k, v in sorted(report.errors.items()))
            console.print(f"errors: {errors}", style="red", markup=False)
        if report.licence_warning:
            console.print(f"licence warning: {report.licence_warning}", style="yellow", markup=False)
        if report.quarantine:
            console.print(
                f"quarantine: {report.quarantine} (release with: ccsync sync run --force-deletes)",
                style="red",
                markup=False,
            )
        if report.failure:
            console.print(f"{report.failure['code']}: {report.failure['message']}", style="red", markup=False)
        console.print(
            f"{report.imported} imported, {report.in_scope} in scope, {report.requests} Graph requests, {report.throttled} throttled, {report.duration_s} s"
        )
    return 1 if report.state in ("Failed",) else 0


_VERBS = {"validate": _validate, "plan": _plan, "run": _run, "status": _status}
