"""``ccsync sync init``: write a commented job file for a pair of tenants."""

from __future__ import annotations

import argparse
import json
import os
import tomllib
from pathlib import Path

from rich.console import Console

from syncengine.cli_layout import fields, line, print_json
from syncengine.clouds import Cloud
from syncengine.config import ConfigError, load_job
from syncengine.job_file import JobFileError, real_side, render_job, simulator_side

DEFAULT_ENDPOINTS = Path(".ccsync/endpoints.json")


def add_parser(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser(
        "init",
        help="write a commented job file for a pair of tenants (simulator or real)",
        description="For the simulator: --source and --target name tenants of --endpoints. For real "
        "tenants: --source-tenant/--source-cloud/--source-client-id and the same for --target-*; their "
        "secrets are read from CCSYNC_SOURCE_SECRET and CCSYNC_TARGET_SECRET when the job runs.",
    )
    p.add_argument(
        "--output", type=Path, default=Path("job.toml"), help="the job file to write (default job.toml)"
    )
    p.add_argument("--force", action="store_true", help="overwrite the job file if it exists")
    p.add_argument("--name", help="the job's name (default: from the two tenants' names)")
    p.add_argument(
        "--endpoints",
        type=Path,
        default=DEFAULT_ENDPOINTS,
        help=f"a running simulator's endpoints.json (default {DEFAULT_ENDPOINTS})",
    )
    p.add_argument("--source", help="simulator source tenant: id, domain or display name")
    p.add_argument("--target", help="simulator target tenant: id, domain or display name")
    p.add_argument("--service-principal-id", help="the configuration whose assignments are the scope")
    for role in ("source", "target"):
        p.add_argument(f"--{role}-tenant", metavar="ID", help=f"real {role} tenant id")
        p.add_argument(f"--{role}-cloud", metavar="CLOUD", help=f"real {role} cloud: {', '.join(Cloud)}")
        p.add_argument(f"--{role}-client-id", metavar="ID", help=f"the app registration in the {role} tenant")
    p.add_argument("--json", action="store_true", help="print the written file's path and job name as JSON")


def run(args: argparse.Namespace, console: Console) -> int:
    out: Path = args.output
    if out.exists() and not args.force:
        console.print(f"{out} exists; choose another --output or add --force", style="red", markup=False)
        return 2
    real = [getattr(args, f"{r}_{k}") for r in ("source", "target") for k in ("tenant", "cloud", "client_id")]
    try:
        if any(real):
            if not all(real):
                raise JobFileError(
                    "for real tenants give all of --source-tenant, --source-cloud, --source-client-id, "
                    "--target-tenant, --target-cloud and --target-client-id"
                )
            source = real_side("source", args.source_cloud, args.source_tenant, args.source_client_id)
            target = real_side("target", args.target_cloud, args.target_tenant, args.target_client_id)
            endpoints = None
        else:
            if not args.source or not args.target:
                raise JobFileError(
                    "give --source and --target (tenants of the simulator in --endpoints), "
                    "or the --source-*/--target-* options of real tenants"
                )
            try:
                doc = json.loads(args.endpoints.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise JobFileError(
                    f"no simulator endpoints at {args.endpoints}: start one with `ccsync up` or give --endpoints"
                ) from None
            except ValueError as exc:
                raise JobFileError(f"{args.endpoints} is not an endpoints document ({exc})") from None
            job_dir = out.resolve().parent
            source = simulator_side(doc, args.source, args.endpoints, job_dir)
            target = simulator_side(doc, args.target, args.endpoints, job_dir)
            endpoints = os.path.relpath(args.endpoints.resolve(), job_dir)
        text = render_job(
            source,
            target,
            name=args.name,
            endpoints=endpoints,
            service_principal_id=args.service_principal_id,
        )
    except JobFileError as exc:
        console.print(f"{exc}", style="red", markup=False)
        return 2
    tomllib.loads(text)  # a template bug must fail here, not in the user's next command
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    name = tomllib.loads(text)["name"]
    if endpoints:
        try:
            load_job(out)  # secrets are in files: the whole job must load now
        except ConfigError as exc:
            console.print(f"the written job does not load: {exc}", style="red", markup=False)
            return 1
    if args.json:
        print_json(console, {"path": str(out), "name": name, "simulator": endpoints is not None})
        return 0
    fields(console, [("wrote", out), ("job", name)], indent=0)
    line(console, f"next: ccsync sync validate --config {out}")
    return 0
