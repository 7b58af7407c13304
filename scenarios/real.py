"""The real-tenant backend: scenario files against tenants named in a ``tenants.toml``.

    [tenants.contoso]                      # one table per tenant the run may use
    id = "11111111-…"                      # tenant id
    cloud = "commercial"                   # commercial, gcc, gcch, dod, china
    domain = "contoso.onmicrosoft.com"     # a verified domain for the users the run creates
    client_id = "…"                        # an app with the permissions of docs/scenarios.md
    client_secret_env = "CONTOSO_SECRET"   # or client_secret_file = "path"
    # login = "https://…", graph = "https://…"   only to point at something else (a simulator)

    [options]
    ca_bundle = "path"                     # optional, for a simulator's CA

Each scenario tenant takes the first unused tenant of its cloud; steps only a simulator can do are
skipped with a reason; waits for cycles become provisionOnDemand of the scenario's users; every
object is named with the run id and deleted at the end (``ScenarioRun.cleanup``).
"""

from __future__ import annotations

import contextlib
import os
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from scenarios.backends import Backend, SkipScenario, TenantHandle
from syncengine.clouds import FLAVOR_CLOUD
from syncengine.http_backend import REAL_CLOUDS, CloudEndpoints, HttpGraph


class RealTenantsError(ValueError):
    """A tenants.toml that cannot be used; the message names the key and the fix."""


class RealBackend(Backend):
    def __init__(self, tenants: dict[str, dict[str, Any]], options: dict[str, Any], base: Path) -> None:
        self.tenant_specs = tenants
        secrets: dict[str, str] = {}
        clouds: dict[str, CloudEndpoints] = dict(REAL_CLOUDS)
        for name, spec in tenants.items():
            for key in ("id", "cloud", "domain", "client_id"):
                if key not in spec:
                    raise RealTenantsError(f"tenants.{name}: '{key}' is missing")
            if spec["cloud"] not in FLAVOR_CLOUD:
                raise RealTenantsError(f"tenants.{name}.cloud: use one of {', '.join(FLAVOR_CLOUD)}")
            secrets[spec["client_id"]] = _secret(name, spec, base)
            if "graph" in spec or "login" in spec:
                real = REAL_CLOUDS[FLAVOR_CLOUD[spec["cloud"]]]
                clouds[FLAVOR_CLOUD[spec["cloud"]]] = CloudEndpoints(
                    spec.get("login", real.login),
                    spec.get("graph", real.graph),
                    spec.get("scope", real.scope),
                )
        ca = options.get("ca_bundle")
        ca_path = str((base / ca).resolve()) if ca else None
        super().__init__(kind="real", control=None, graph=HttpGraph(secrets, clouds, ca_bundle=ca_path))
        self._used: set[str] = set()

    @classmethod
    def from_file(cls, path: str | Path) -> RealBackend:
        p = Path(path)
        try:
            doc = tomllib.loads(p.read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise RealTenantsError(f"{p}: {exc}") from None
        tenants = doc.get("tenants")
        if not isinstance(tenants, dict) or not tenants:
            raise RealTenantsError(f"{p}: no [tenants.NAME] tables")
        return cls(tenants, doc.get("options") or {}, p.parent)

    @contextlib.contextmanager
    def scenario(self, *, world: bool = False) -> Iterator[None]:
        self._used = set()
        yield

    def world_tenant(self, role: str, name: str) -> TenantHandle:
        spec = self.tenant_specs.get(name)
        if spec is None:
            raise SkipScenario(f"tenants.toml has no [tenants.{name}] for the world tenant '{name}'")
        self._used.add(name)
        return TenantHandle(
            role, spec["id"], FLAVOR_CLOUD[spec["cloud"]], spec["domain"], spec["client_id"], name
        )

    def new_tenant(self, role: str, cloud: str, name: str) -> TenantHandle:
        for key, spec in self.tenant_specs.items():
            if key in self._used:
                continue
            if spec["cloud"] == cloud or (cloud == "commercial" and spec["cloud"] == "gcc"):
                self._used.add(key)
                return TenantHandle(
                    role, spec["id"], FLAVOR_CLOUD[spec["cloud"]], spec["domain"], spec["client_id"], key
                )
        raise SkipScenario(f"tenants.toml has no unused tenant in cloud '{cloud}' for '{role}'")


def _secret(name: str, spec: dict[str, Any], base: Path) -> str:
    if "client_secret_env" in spec:
        value = os.environ.get(spec["client_secret_env"])
        if not value:
            raise RealTenantsError(
                f"tenants.{name}: environment variable {spec['client_secret_env']} is not set"
            )
        return value
    if "client_secret_file" in spec:
        return (base / spec["client_secret_file"]).read_text(encoding="utf-8").strip()
    raise RealTenantsError(
        f"tenants.{name}: give client_secret_env or client_secret_file (never the secret itself)"
    )
