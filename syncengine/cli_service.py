"""``ccsync setup`` and ``ccsync logs``: configure the provisioning service for a pair, read its logs.

Against a running simulator (``--endpoints .ccsync/endpoints.json`` with tenant ids or domains) or
against real tenants (``--config job.toml``: the job file's apps and secrets).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.config import ConfigError, endpoints_document, load_job
from syncengine.errors import GraphApiError, TokenError
from syncengine.http_backend import HttpGraph, clouds_from_endpoints
from syncengine.setup import PairSetup, configure_service, configure_source, configure_target


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "setup", help="configure cross-tenant/cross-cloud synchronization for a pair of tenants"
    )
    _where(s)
    s.add_argument("--group", default="Cross-cloud sync users", help="the source group to assign (scope)")
    s.add_argument("--sync-all", action="store_true", help="scope: every internal member (SyncAll)")
    s.add_argument("--deletion-threshold", type=int, help="accidental-deletion threshold (off by default)")
    s.add_argument("--no-start", action="store_true", help="configure but do not start the job")
    lg = sub.add_parser("logs", help="show a tenant's provisioning logs as a table")
    _where(lg)
    lg.add_argument("--service-principal", help="only this configuration (service principal id)")
    lg.add_argument("--top", type=int, default=50)
    lg.add_argument("--json", action="store_true")


def _where(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoints", type=Path, help="a running simulator's endpoints.json")
    p.add_argument("--source", help="source tenant id or domain (with --endpoints)")
    p.add_argument("--target", help="target tenant id or domain (with --endpoints)")
    p.add_argument("--config", type=Path, help="a job file (real tenants): its apps and secrets are used")


def _clients(
    args: argparse.Namespace,
) -> tuple[GraphClient, GraphClient, dict[str, Any], dict[str, Any], HttpGraph]:
    if args.config:
        loaded = load_job(args.config)
        doc = endpoints_document(loaded.endpoints_path) if loaded.endpoints_path else None
        backend = HttpGraph(
            loaded.secrets,
            clouds_from_endpoints(doc) if doc else None,
            ca_bundle=doc["ca_bundle"] if doc else None,
        )
        src, tgt = loaded.job.source, loaded.job.target
        return (
            GraphClient(backend, src),
            GraphClient(backend, tgt),
            {"id": src.tenant_id, "cloud": src.cloud, "displayName": src.tenant_id},
            {"id": tgt.tenant_id, "cloud": tgt.cloud, "displayName": tgt.tenant_id},
            backend,
        )
    if not args.endpoints or not args.source:
        raise ConfigError("give --endpoints with --source (and --target), or --config job.toml")
    doc = endpoints_document(args.endpoints)

    def find(key: str | None) -> dict[str, Any]:
        for t in doc["tenants"]:
            if key and key.lower() in (t["id"], t["defaultDomain"].lower(), t["displayName"].lower()):
                return t
        raise ConfigError(
            f"no tenant {key!r} in {args.endpoints}; use a tenant id, domain or display name from it"
        )

    def admin(t: dict[str, Any]) -> Identity:
        app = next(a for a in t["apps"] if "Policy.ReadWrite.CrossTenantAccess" in a["permissions"])
        return Identity(t["cloud"], t["id"], app["clientId"])

    source = find(args.source)
    target = find(args.target) if args.target else source
    backend = HttpGraph.for_simulator(doc)
    return GraphClient(backend, admin(source)), GraphClient(backend, admin(target)), source, target, backend


def run(command: str, args: argparse.Namespace, console: Console) -> int:
    try:
        src, tgt, source, target, backend = _clients(args)
    except ConfigError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    try:
        return (
            _setup(args, console, src, tgt, source, target)
            if command == "setup"
            else _logs(args, console, src)
        )
    except (GraphApiError, TokenError) as exc:
        console.print(f"[red]{exc}[/red]")
        return 1
    finally:
        backend.close()


def _setup(
    args: argparse.Namespace, console: Console, src: GraphClient, tgt: GraphClient, source: dict, target: dict
) -> int:
    if not args.target and not args.config:
        console.print("[red]--target is required[/red]")
        return 2
    pair = PairSetup(source["id"], target["id"], source["cloud"], target["cloud"])
    console.print(
        f"[bold]{source['displayName']} ({source['cloud']}) → {target['displayName']} ({target['cloud']})[/bold]"
    )
    configure_target(tgt, pair, lambda line: console.print(f"  {line}"))
    configure_source(src, pair, lambda line: console.print(f"  {line}"))
    cfg = configure_service(
        src, pair, name=f"Sync to {target['displayName']}", scope_group=args.group, sync_all=args.sync_all,
        deletion_threshold=args.deletion_threshold, start=not args.no_start, say=lambda line: console.print(f"  {line}"),
    )  # fmt: skip
    console.print(f"configuration {cfg.service_principal_id}, job {cfg.job_id}")
    return 0


def _logs(args: argparse.Namespace, console: Console, src: GraphClient) -> int:
    query: dict[str, str] = {"$top": str(args.top), "$orderby": "activityDateTime desc"}
    if args.service_principal:
        sp = args.service_principal.lower()
        query["$filter"] = (
            f"(contains(tolower(servicePrincipal/id), '{sp}') or contains(tolower(servicePrincipal/displayName), '{sp}'))"
        )
    records = src.get("/auditLogs/provisioning", query).get("value", [])
    if args.json:
        console.print_json(json.dumps(records))
        return 0
    t = Table(title=f"provisioning logs ({len(records)})")
    for col in ("time", "action", "status", "source", "target", "reason"):
        t.add_column(col, overflow="fold")
    for r in records:
        err = r["provisioningStatusInfo"].get("errorInformation") or {}
        steps = r.get("provisioningSteps") or []
        reason = err.get("reason") or (steps[-1]["description"] if steps else "")
        t.add_row(
            r["activityDateTime"],
            r["provisioningAction"],
            r["provisioningStatusInfo"]["status"],
            r["sourceIdentity"]["displayName"],
            r["targetIdentity"].get("id") or "",
            reason,
        )
    console.print(t)
    return 0
