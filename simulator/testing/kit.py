"""``CCSync``: a running simulator as a test sees it — tenants, real clients, the clock, traffic, sync.

The same object serves an in-process simulator (the pytest fixtures) and one started elsewhere with
``ccsync up`` (``CCSync.from_endpoints_file(".ccsync/endpoints.json")``): everything goes through the
endpoints document and the control plane.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import msal

from simulator.testing import clients
from simulator.testing.clock import SimulatorClock
from simulator.testing.control import SimulatorControl

Doc = dict[str, Any]
#: The permission that marks a tenant's admin app in the seeded worlds.
ADMIN_PERMISSION = "Policy.ReadWrite.CrossTenantAccess"

_tenant_names = itertools.count(1)


@dataclass(frozen=True)
class SyncPair:
    """A cross-tenant synchronization configured the documented way, in the source tenant."""

    source: Doc
    target: Doc
    service_principal_id: str
    job_id: str


class CCSync:
    """A running simulator for tests: endpoints, tenants, real clients on its clock, traffic, sync."""

    def __init__(self, control_url: str, *, simulator: Any = None) -> None:
        self.control = SimulatorControl(control_url)
        self.clock = SimulatorClock(self.control)
        #: the in-process ``simulator.runtime.Simulator``, or None against ``ccsync up``
        self.simulator = simulator
        self._doc: Doc | None = None

    @classmethod
    def from_endpoints_file(cls, path: str | Path = ".ccsync/endpoints.json") -> CCSync:
        """The kit for a simulator started with ``ccsync up`` (its ``endpoints.json``)."""
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        kit = cls(doc["control"])
        kit._doc = doc
        return kit

    def close(self) -> None:
        self.control.close()

    # -- the world ------------------------------------------------------------------------

    @property
    def endpoints(self) -> Doc:
        """The endpoints document (login and Graph URLs, CA bundle, tenants with app credentials)."""
        if self._doc is None:
            self._doc = self.control.endpoints()
        return self._doc

    def reset(
        self,
        *,
        seed: int | None = None,
        world: str | Path | None = None,
        traffic: str | dict[str, Any] | None = None,
        clock: bool | datetime | str | None = None,
    ) -> None:
        """A clean simulator: the world (``world`` file, ``seed``), real clock, no traffic, chaos, faults,
        counters or provisioning jobs; then ``traffic`` and a virtual ``clock`` (True or a start time)."""
        text = Path(world).read_text(encoding="utf-8") if world is not None else None
        self.control.reset(seed=seed, world=text)
        self._doc = None
        if traffic is not None:
            self.control.set_traffic(traffic)
        if clock is True:
            self.clock.set_virtual()
        elif clock:
            self.clock.set_virtual(clock)  # type: ignore[arg-type]

    def tenant(self, key: str = "commercial", *, flavor: str | None = None) -> Doc:
        """A tenant by cloud (``commercial``, ``gcc``, ``gcch``, ``dod``, ``china``), id, domain or name."""
        tenants = self.endpoints["tenants"]
        wanted = key.lower()
        for t in tenants:
            if wanted in (t["id"], t["defaultDomain"].lower(), t["displayName"].lower()):
                return t
        flavor = flavor or wanted  # "commercial" means the commercial-flavoured tenant, not the GCC one
        for t in tenants:
            if t["flavor"] == flavor and wanted in (t["cloud"], t["flavor"]):
                return t
        for t in tenants:
            if t["cloud"] == wanted:
                return t
        raise LookupError(
            f"no tenant {key!r} in the simulator; tenants: {[t['defaultDomain'] for t in tenants]}"
        )

    @staticmethod
    def app(tenant: Doc, permission: str = "User.ReadWrite.All") -> Doc:
        """The first app of ``tenant`` that holds ``permission``."""
        for a in tenant["apps"]:
            if permission in a["permissions"]:
                return a
        raise LookupError(f"no app of {tenant['defaultDomain']} holds {permission}")

    def new_tenant(
        self,
        cloud: str = "commercial",
        users: int = 10,
        *,
        flavor: str | None = None,
        licences: dict[str, str | int] | None = None,
        name: str | None = None,
        seed: int | None = None,
    ) -> Doc:
        """A fresh tenant of ``users`` seeded people in ``cloud``; ``licences`` in world-file syntax
        (``{"P1+ID_GOVERNANCE": "100%"}``), default the seeded mix."""
        body: dict[str, Any] = {"name": name or f"Kit {cloud} {next(_tenant_names)}"}
        for key, value in (("flavor", flavor), ("licences", licences), ("seed", seed)):
            if value is not None:
                body[key] = value
        tenant = self.control.create_tenant(cloud, users, **body)
        self._doc = None
        return tenant

    # -- clients --------------------------------------------------------------------------

    def _app(self, tenant: Doc, app: Doc | None) -> Doc:
        return app or self.app(tenant)

    def msal_app(self, tenant: Doc, app: Doc | None = None) -> msal.ConfidentialClientApplication:
        """An msal confidential client whose token cache runs on the simulator clock."""
        return clients.msal_app(self.endpoints, tenant, self._app(tenant, app), self.clock)

    def token(self, tenant: Doc, app: Doc | None = None) -> str:
        """A fresh app-only access token for the tenant's Graph."""
        scope = self.endpoints["clouds"][tenant["cloud"]]["scope"]
        return clients.acquire(self.msal_app(tenant, app), scope)

    def http(self, tenant: Doc, app: Doc | None = None, *, version: str = "v1.0") -> httpx.Client:
        """An httpx client on the tenant's Graph root (``/v1.0`` relative paths), tokens and retries
        on the simulator clock."""
        return clients.graph_httpx(
            self.endpoints, tenant, self._app(tenant, app), self.clock, version=version
        )

    def credential(self, tenant: Doc, app: Doc | None = None) -> Any:
        """An azure-identity ``ClientSecretCredential`` whose cache runs on the simulator clock."""
        return clients.credential(self.endpoints, tenant, self._app(tenant, app), self.clock)

    def graph_client(self, tenant: Doc, app: Doc | None = None) -> Any:
        """An msgraph-sdk ``GraphServiceClient`` with tokens and retries on the simulator clock."""
        return clients.graph_service_client(self.endpoints, tenant, self._app(tenant, app), self.clock)

    # -- time and traffic -----------------------------------------------------------------

    def sleep(self, seconds: float) -> None:
        """Wait on the simulator clock (no wall time when it is virtual)."""
        self.clock.sleep(seconds)

    def advance(self, by: float | timedelta | str) -> datetime:
        """Move the virtual clock; provisioning cycles that became due run first."""
        return self.clock.advance(by)

    def fault(self, method: str, path: str, status: int, *, count: int = 1, **extra: Any) -> dict[str, Any]:
        """Answer the next ``count`` requests matching ``method`` and ``path`` (``/users/*``) with ``status``."""
        return self.control.add_fault(
            {"method": method, "path": path, "status": status, "count": count, **extra}
        )

    def traffic(self, profile: str | dict[str, Any]) -> dict[str, Any]:
        """Switch throttling: ``off``, ``documented``, ``scaled`` or ``{"profile": "scaled", "factor": N}``."""
        return self.control.set_traffic(profile)

    def stats(self) -> dict[str, Any]:
        """Traffic counters: throttled, injected, Retry-After violations, ..."""
        return self.control.stats()

    # -- synchronization ------------------------------------------------------------------

    def sync_pair(
        self,
        source: Doc,
        target: Doc,
        *,
        group: str | None = "Cross-cloud sync users",
        sync_all: bool = False,
        deletion_threshold: int | None = None,
        start: bool = True,
    ) -> SyncPair:
        """Configure synchronization from ``source`` to ``target`` with the documented sequence
        (``syncengine.setup``, as ``ccsync setup`` does): policies on both sides, configuration, job,
        secrets, scope, start."""
        from syncengine.backend import Identity
        from syncengine.client import GraphClient
        from syncengine.http_backend import HttpGraph
        from syncengine.setup import PairSetup, configure_service, configure_source, configure_target

        doc = self.endpoints
        backend = HttpGraph.for_simulator(doc)
        try:

            def admin(t: Doc) -> GraphClient:
                return GraphClient(
                    backend, Identity(t["cloud"], t["id"], self.app(t, ADMIN_PERMISSION)["clientId"])
                )

            pair = PairSetup(source["id"], target["id"], source["cloud"], target["cloud"])
            src = admin(source)
            configure_target(admin(target), pair)
            configure_source(src, pair)
            cfg = configure_service(
                src,
                pair,
                name=f"Sync to {target['displayName']}",
                scope_group=group,
                sync_all=sync_all,
                deletion_threshold=deletion_threshold,
                start=start,
            )
        finally:
            backend.close()
        return SyncPair(source, target, cfg.service_principal_id, cfg.job_id)

    def run_provisioning(self) -> int:
        """Run every provisioning cycle that is due now; returns how many ran."""
        return self.control.run_provisioning()

    def provisioning_logs(
        self,
        tenant: Doc,
        *,
        service_principal_id: str | None = None,
        action: str | None = None,
        status: str | None = None,
        top: int = 999,
    ) -> list[Doc]:
        """The tenant's provisioning logs (newest first), read through Graph like any client would."""
        filters = []
        if service_principal_id:
            filters.append(f"servicePrincipal/id eq '{service_principal_id}'")
        if action:
            filters.append(f"provisioningAction eq '{action}'")
        if status:
            filters.append(f"provisioningStatusInfo/status eq '{status}'")
        query = {"$top": str(top), "$orderby": "activityDateTime desc"}
        if filters:
            query["$filter"] = " and ".join(filters)
        reader = self.app(tenant, "AuditLog.Read.All")
        with self.http(tenant, reader) as http:
            records: list[Doc] = []
            resp = http.get("/auditLogs/provisioning", params=query)
            while True:
                resp.raise_for_status()
                page = resp.json()
                records.extend(page.get("value", []))
                if not page.get("@odata.nextLink"):
                    return records
                resp = http.get(page["@odata.nextLink"])
