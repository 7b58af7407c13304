"""Control-plane routes for the simulated provisioning service and its cross-cloud settings.

The two cross-cloud switches have no confirmed Graph representation (reference §1.5) (docs/fidelity.md):

* the source configuration's "across Microsoft clouds" choice: the simulated service infers it from the
  target tenant named by the configuration's CompanyId secret (``GET .../cross-cloud`` shows it); a
  ``CrossCloudSynchronization`` tag on the service principal is allowed (tags are free-form) and ignored;
* the target's "cross-cloud synchronization" checkbox for a source cloud: its own switch, in
  ``control_cross_cloud_sync.py`` (distinct from B2B's ``allowedCloudEndpoints``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response, request

from simulator.json_input import JsonInputError, load_json
from simulator.web.control_error import error_response, json_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def _error(status: int, message: str) -> Response:
    return error_response(status, "BadRequest" if status == 400 else "NotFound", message)


def _enabled() -> bool | None:
    try:
        body = load_json(request.get_data() or b"{}")
    except JsonInputError:
        return None
    value = body.get("enabled") if isinstance(body, dict) else None
    return value if isinstance(value, bool) else None


def register_provisioning_routes(app: Flask, sim: Simulator) -> None:
    @app.route("/_simulator/provisioning/configurations/<sp_id>/cross-cloud", methods=["GET"])
    def configuration_cross_cloud(sp_id: str) -> Response:
        with sim.store.lock:
            found = next(
                (
                    (t, sp)
                    for t in sim.store.tenants.values()
                    if (sp := t.service_principals.get(sp_id.lower())) is not None
                ),
                None,
            )
            if found is None:
                return _error(404, f"No service principal '{sp_id}' in any tenant.")
            tenant, sp = found
            crossing = sim.provisioning.is_cross_cloud(tenant, sp["id"])
        # inferred from the CompanyId secret's tenant: nothing to switch (no PUT)
        return json_response(200, {"servicePrincipalId": sp["id"], "crossCloud": crossing})
