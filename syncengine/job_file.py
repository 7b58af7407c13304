"""Write a commented job file (TOML) for a pair of tenants, so nobody assembles one by hand.

For a running simulator the tenants, apps and clouds come from its endpoints document and each app's
secret goes into a file of its own beside it (mode 0600); for real tenants the secrets stay in
environment variables the job file names. The job file never holds a secret.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from syncengine.clouds import CLOUDS, is_same_cloud
from syncengine.errors import SyncEngineError

#: The permission that marks the app able to run a job in the simulator's seeded tenants.
ENGINE_PERMISSION = "User.ReadWrite.All"


@dataclass(frozen=True)
class Side:
    """One tenant of the pair as the job file names it."""

    cloud: str
    tenant_id: str
    client_id: str
    display_name: str
    #: ``client_secret_file = ...`` (relative to the job file) or ``client_secret_env = ...``
    secret_key: str
    secret_value: str
    app_name: str = ""


class JobFileError(SyncEngineError, ValueError):
    """The job file cannot be written as asked; the message says what to change."""


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "job"


def simulator_side(doc: dict, key: str, endpoints: Path, job_dir: Path) -> Side:
    """A tenant of the simulator (id, domain or display name); its app's secret is written to a file."""
    wanted = key.lower()
    tenant = next(
        (
            t
            for t in doc["tenants"]
            if wanted in (t["id"], t["defaultDomain"].lower(), t["displayName"].lower())
        ),
        None,
    )
    if tenant is None:
        known = ", ".join(t["defaultDomain"] for t in doc["tenants"])
        raise JobFileError(f"no tenant {key!r} in {endpoints}; use an id, domain or name: {known}")
    app = next((a for a in tenant["apps"] if ENGINE_PERMISSION in a["permissions"]), None)
    if app is None:
        raise JobFileError(f"no app of {tenant['defaultDomain']} holds {ENGINE_PERMISSION}")
    secrets = endpoints.resolve().parent / "secrets"
    secrets.mkdir(mode=0o700, exist_ok=True)
    secret_path = secrets / f"{app['clientId']}.secret"
    fd = os.open(secret_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(app["clientSecret"])
    relative = os.path.relpath(secret_path, job_dir.resolve())
    return Side(
        tenant["cloud"], tenant["id"], app["clientId"], tenant["displayName"],
        f"client_secret_file = {json.dumps(relative)}", relative, app["displayName"],
    )  # fmt: skip


def real_side(role: str, cloud: str, tenant_id: str, client_id: str) -> Side:
    """A real tenant: the secret is read from ``CCSYNC_{ROLE}_SECRET`` when the job runs."""
    if cloud not in CLOUDS:
        raise JobFileError(f"--{role}-cloud {cloud!r}: use one of {', '.join(CLOUDS)}")
    env = f"CCSYNC_{role.upper()}_SECRET"
    return Side(cloud, tenant_id, client_id, tenant_id, f"client_secret_env = {json.dumps(env)}", env)


def render_job(
    source: Side,
    target: Side,
    *,
    name: str | None = None,
    endpoints: str | None = None,
    service_principal_id: str | None = None,
) -> str:
    """The job file's text, every key commented."""
    job = name or slug(f"{source.display_name} to {target.display_name}")
    cross = not is_same_cloud(source.cloud, target.cloud)
    sp = json.dumps(service_principal_id) if service_principal_id else None
    where = (
        f"endpoints = {json.dumps(endpoints)}  # a running simulator; delete this line for the real clouds"
        if endpoints
        else '# endpoints = ".ccsync/endpoints.json"  # uncomment to run against a local simulator'
    )

    def side(title: str, s: Side, extra: str) -> str:
        app = f"  # app '{s.app_name}'" if s.app_name else ""
        return (
            f"[{title}]\n"
            f"cloud = {json.dumps(s.cloud)}\n"
            f"tenant_id = {json.dumps(s.tenant_id)}  # {s.display_name}\n"
            f"client_id = {json.dumps(s.client_id)}{app}\n"
            f"{s.secret_key}  # the secret itself never goes in this file\n"
            f"{extra}"
        )

    sp_line = (
        f"service_principal_id = {sp}  # the configuration: its assigned users and groups are the scope\n"
        if sp
        else '# service_principal_id = "..."  # a configuration whose assigned users and groups are the scope\n'
    )
    return (
        f"# ccsync job: {source.display_name} ({source.cloud}) -> {target.display_name} ({target.cloud})\n"
        f"# Written by `ccsync sync init` on {datetime.now(UTC):%Y-%m-%d}; reference: docs/real-graph.md.\n"
        f"# Check it with: ccsync sync validate --config THIS_FILE, then ccsync sync plan --config THIS_FILE\n\n"
        f"name = {json.dumps(job)}\n"
        f"cross_cloud = {str(cross).lower()}  # the two tenants are in different Microsoft clouds\n"
        f"state = {json.dumps(job + '.db')}  # the engine's state (SQLite), relative to this file\n"
        f"{where}\n\n"
        + side("source", source, sp_line)
        + "\n"
        + side("target", target, "")
        + "\n[scope]\n"
        + (
            "sync_all = false  # only users assigned to the configuration (directly or by group)\n"
            if sp
            else "sync_all = true  # every internal member; set service_principal_id and false to scope\n"
        )
        + "# [[scope.filter]]  # optional scoping filter groups, e.g.:\n"
        + '# name = "Engineering"\n'
        + '# clauses = [{attribute = "department", operator = "EQUALS", values = ["Engineering"]}]\n'
        + "\n[safety]\n"
        + "delete_action = true  # soft-delete target users that leave the scope\n"
        + "# deletion_threshold = 500  # hold a cycle that would delete more than this many users\n"
        + 'licence_policy = "warn"  # "enforce" skips users without the licence the pair needs\n'
        + "\n[anchor]\n"
        + 'kind = "extensionAttribute"  # how the engine finds its users again in the target\n'
        + "extension_attribute = 15  # must not be used for anything else in the target\n"
    )
