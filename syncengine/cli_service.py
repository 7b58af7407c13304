"""``ccsync setup`` and ``ccsync logs``: configure the provisioning service for a pair, read its logs.

Against a running simulator (``--endpoints .ccsync/endpoints.json`` with tenant ids or domains) or
against real tenants (``--config job.toml``: the job file's apps and secrets).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from rich.console import Console

from syncengine.backend import Identity
from syncengine.cli_layout import fields, heading, line, print_json, prose
from syncengine.client import GraphClient
from syncengine.config import ConfigError, endpoints_document, load_job
from syncengine.errors import GraphApiError, TokenError
from syncengine.http_backend import HttpGraph, clouds_from_endpoints
from syncengine.setup import PairSetup, check_setup, configure_service, configure_source, configure_target


def add_parsers(sub: argparse._SubParsersAction) -> None:
    s = sub.add_parser(
        "setup", help="configure cross-tenant/cross-cloud synchronization for a pair of tenants"
    )
    _where(s)
    s.add_argument(
        "--group",
        default="Cross-cloud sync users",
        help="the source group to assign (scope; default 'Cross-cloud sync users')",
    )
    s.add_argument("--sync-all", action="store_true", help="scope: every internal member (SyncAll)")
    s.add_argument("--deletion-threshold", type=int, help="accidental-deletion threshold (off by default)")
    s.add_argument("--no-start", action="store_true", help="configure but do not start the job")
    s.add_argument("--json", action="store_true", help="print the steps and the ids as JSON")
    lg = sub.add_parser("logs", help="show a tenant's provisioning logs, newest first")
    _where(lg)
    lg.add_argument("--service-principal", help="only this configuration (service principal id or name)")
    lg.add_argument(
        "--action", choices=ACTIONS, help="only this provisioningAction (create, update, delete, ...)"
    )
    lg.add_argument(
        "--status", choices=STATUSES, help="only this status (success, failure, skipped, warning)"
    )
    lg.add_argument(
        "--identity", help="only records whose source or target user has this id, or a name containing it"
    )
    lg.add_argument("--top", type=int, default=50, help="at most this many records (default 50)")
    lg.add_argument("--json", action="store_true", help="print the records as Graph returns them (JSON)")


#: Values of ``provisioningAction`` and ``provisioningStatusInfo/status`` (provisioningObjectSummary).
ACTIONS = ("create", "update", "delete", "disable", "stagedDelete", "other")
STATUSES = ("success", "failure", "skipped", "warning")
DEFAULT_ENDPOINTS = Path(".ccsync/endpoints.json")


def _where(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--endpoints",
        type=Path,
        default=DEFAULT_ENDPOINTS,
        help=f"a running simulator's endpoints.json (default {DEFAULT_ENDPOINTS})",
    )
    p.add_argument("--source", help="source tenant id, domain or display name (simulator)")
    p.add_argument("--target", help="target tenant id, domain or display name (simulator)")
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
    if not args.source:
        raise ConfigError(
            f"give --source (and --target) of the simulator in --endpoints (default {DEFAULT_ENDPOINTS}), "
            "or --config job.toml"
        )
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
        console.print(f"{exc}", style="red", markup=False)
        return 2
    try:
        return (
            _setup(args, console, src, tgt, source, target)
            if command == "setup"
            else _logs(args, console, src)
        )
    except (GraphApiError, TokenError) as exc:
        console.print(f"{exc}", style="red", markup=False)
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
    steps: list[str] = []

    def say(text: str) -> None:
        steps.append(text)
        if not args.json:
            line(console, f"  {text}")

    # everything that can be checked is checked before the first write: a refused setup changes nothing
    failures = check_setup(src, tgt, pair, scope_group=args.group, sync_all=args.sync_all)
    if failures:
        if args.json:
            print_json(
                console,
                {
                    "ok": False,
                    "failures": [
                        {"code": f.code, "side": f.side, "message": f.message, "fix": f.fix} for f in failures
                    ],
                },
            )
        else:
            for f in failures:
                console.print(f"✗ {f.code} ({f.side})", style="red", markup=False, highlight=False)
                prose(console, f.message)
                prose(console, f"fix: {f.fix}")
            line(console, "nothing was changed in either tenant")
        return 1
    if not args.json:
        heading(
            console,
            f"{source['displayName']} ({source['cloud']}) → {target['displayName']} ({target['cloud']})",
        )
    configure_target(tgt, pair, say)
    configure_source(src, pair, say)
    cfg = configure_service(
        src, pair, name=f"Sync to {target['displayName']}", scope_group=args.group, sync_all=args.sync_all,
        deletion_threshold=args.deletion_threshold, start=not args.no_start, say=say,
    )  # fmt: skip
    if args.json:
        print_json(
            console,
            {
                "source": {k: source[k] for k in ("id", "cloud", "displayName")},
                "target": {k: target[k] for k in ("id", "cloud", "displayName")},
                "servicePrincipalId": cfg.service_principal_id,
                "jobId": cfg.job_id,
                "steps": steps,
            },
        )
    else:
        fields(console, [("configuration", cfg.service_principal_id), ("job", cfg.job_id)], indent=0)
    return 0


def _logs(args: argparse.Namespace, console: Console, src: GraphClient) -> int:
    query: dict[str, str] = {"$top": str(args.top), "$orderby": "activityDateTime desc"}
    filters = []
    if args.service_principal:
        sp = _literal(args.service_principal.lower())
        filters.append(
            f"(contains(tolower(servicePrincipal/id), '{sp}') or contains(tolower(servicePrincipal/displayName), '{sp}'))"
        )
    if args.action:
        filters.append(f"provisioningAction eq '{args.action}'")
    if args.status:
        filters.append(f"provisioningStatusInfo/status eq '{args.status}'")
    if args.identity:
        who = _literal(args.identity)
        filters.append(
            f"(sourceIdentity/id eq '{who}' or targetIdentity/id eq '{who}' or "
            f"contains(sourceIdentity/displayName, '{who}') or contains(targetIdentity/displayName, '{who}'))"
        )
    if filters:
        query["$filter"] = " and ".join(filters)
    records = src.get("/auditLogs/provisioning", query).get("value", [])
    if args.json:
        print_json(console, records)
        return 0
    render_logs(console, records)
    return 0


def _literal(text: str) -> str:
    """A value inside an OData string literal (a quote is doubled)."""
    return text.replace("'", "''")


def render_logs(console: Console, records: list[dict[str, Any]]) -> None:
    """One block per record: time, action and status, then the identities and the reason, whole."""
    heading(console, f"provisioning logs ({len(records)}), newest first")
    for r in records:
        status = r["provisioningStatusInfo"]["status"]
        err = r["provisioningStatusInfo"].get("errorInformation") or {}
        steps = r.get("provisioningSteps") or []
        reason = err.get("reason") or (steps[-1]["description"] if steps else "")
        colour = {"failure": "red", "warning": "yellow", "skipped": "dim"}.get(status)
        line(console, f"{r['activityDateTime']}  {r['provisioningAction']}  {status}", style=colour)
        source, target = r["sourceIdentity"], r["targetIdentity"]
        fields(
            console,
            [
                ("source", f"{source.get('displayName') or ''} {source.get('id') or ''}".strip()),
                ("target", f"{target.get('displayName') or ''} {target.get('id') or ''}".strip() or "-"),
            ],
        )
        if reason:
            prose(console, reason)
