"""The simulated provisioning service: run due cycles, list jobs, a configuration's cross-cloud state.

The two cross-cloud switches have no confirmed Graph representation (reference §1.5) (docs/fidelity.md):

* the source configuration's "across Microsoft clouds" choice: the simulated service infers it from the
  target tenant named by the configuration's CompanyId secret (``GET .../cross-cloud`` shows it); a
  ``CrossCloudSynchronization`` tag on the service principal is allowed (tags are free-form) and ignored;
* the target's "cross-cloud synchronization" checkbox for a source cloud: its own switch, in
  :mod:`.cross_cloud_sync` (distinct from B2B's ``allowedCloudEndpoints``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from flask import Blueprint, Response

from simulator.web.control.messages import ControlError, json_response

if TYPE_CHECKING:
    import threading

    from simulator.directory.store import Store
    from simulator.directory.tenant import Tenant


class Provisioning(Protocol):
    """What the provisioning routes need of the simulated provisioning service."""

    lock: threading.RLock
    jobs: dict[str, Any]
    #: the last validateCredentials licence warning per service principal
    validation_warnings: dict[str, str | None]

    def run_due(self) -> int: ...

    def job_json(self, job: Any) -> dict[str, Any]: ...

    def is_cross_cloud(self, tenant: Tenant, sp_id: str) -> bool: ...


def find_service_principal(store: Store, sp_id: str) -> tuple[Tenant, dict[str, Any]]:
    """The tenant holding the service principal and the service principal (caller holds the store lock),
    or a 404."""
    for tenant in store.tenants.values():
        sp = tenant.service_principals.get(sp_id.lower())
        if sp is not None:
            return tenant, sp
    raise ControlError(404, "NotFound", f"No service principal '{sp_id}' in any tenant.")


def provisioning_blueprint(store: Store, service: Provisioning) -> Blueprint:
    """``/_simulator/provisioning/run``, ``.../jobs``, ``.../configurations/{sp}/cross-cloud``."""
    bp = Blueprint("provisioning", __name__, url_prefix="/_simulator/provisioning")

    @bp.post("/run")
    def run_provisioning() -> Response:
        return json_response(200, {"cyclesRun": service.run_due()})

    @bp.get("/jobs")
    def provisioning_jobs() -> Response:
        with service.lock:
            jobs = [
                {"tenantId": j.tenant_id, "servicePrincipalId": j.sp_id, **service.job_json(j)}
                for j in service.jobs.values()
            ]
        return json_response(200, {"value": jobs})

    @bp.get("/configurations/<sp_id>/cross-cloud")
    def configuration_cross_cloud(sp_id: str) -> Response:
        with store.lock:
            tenant, sp = find_service_principal(store, sp_id)
            crossing = service.is_cross_cloud(tenant, sp["id"])
        # inferred from the CompanyId secret's tenant: nothing to switch (no PUT)
        return json_response(200, {"servicePrincipalId": sp["id"], "crossCloud": crossing})

    return bp
