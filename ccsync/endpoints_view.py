"""The ``ccsync up`` printout: every endpoint, the CA bundle, every tenant's apps — at any width.

One value per line (URLs, ids, secrets and paths are never cut), grouped by cloud and by tenant.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console

from syncengine.cli_layout import fields, heading, line


def console_url(control_url: str) -> str:
    """The web console's address, derived from the control plane's."""
    return f"{control_url.rstrip('/')}/console/"


def render_endpoints(console: Console, doc: dict[str, Any], path: Path) -> None:
    """Endpoints per cloud, the control plane and console, the CA bundle, then tenants and apps."""
    heading(console, "ccsync simulator endpoints")
    for name, c in doc["clouds"].items():
        line(console, f"{name} ({c['login_host']}, {c['graph_host']})")
        fields(console, [("login", c["login"]), ("graph", c["graph"])])
    console.print()
    fields(
        console,
        [
            ("control plane", f"{doc['control']}/_simulator/"),
            ("console", console_url(doc["control"])),
            ("CA bundle", doc["ca_bundle"]),
            ("endpoints", path),
        ],
        indent=0,
    )
    console.print()
    heading(console, "tenants and app credentials")
    for tenant in doc["tenants"]:
        line(
            console,
            f"{tenant['displayName']} ({tenant['defaultDomain']}), {tenant['cloud']}/{tenant['flavor']}",
        )
        rows: list[tuple[str, Any]] = [("tenant id", tenant["id"])]
        for app in tenant["apps"]:
            rows += [
                (f"{app['displayName']}: client id", app["clientId"]),
                ("  client secret", app["clientSecret"]),
            ]
        fields(console, rows)
    default = Path(".ccsync/endpoints.json").resolve() == Path(path).resolve()
    env = "ccsync env" if default else f"ccsync env --endpoints {path}"
    line(console, f'Trust it from any client: eval "$({env})". Ctrl-C stops the simulator.')
