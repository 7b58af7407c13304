"""Control-plane route for the licence warning an admin of a cross-tenant synchronization configuration sees.

Graph has no property for it (the portal shows it; nothing documents its text), so the simulator keeps it
off Graph: ``GET /_simulator/provisioning/configurations/{servicePrincipalId}/licence-warning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response

from simulator.web.control_error import json_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def register_licence_warning_routes(app: Flask, sim: Simulator) -> None:
    @app.get("/_simulator/provisioning/configurations/<sp_id>/licence-warning")
    def licence_warning(sp_id: str) -> Response:
        sid = sp_id.lower()
        with sim.store.lock:
            known = any(t.service_principals.get(sid) is not None for t in sim.store.tenants.values())
        if not known:
            return json_response(
                404,
                {"error": {"code": "NotFound", "message": f"No service principal '{sp_id}' in any tenant."}},
            )
        service = sim.provisioning
        with service.lock:
            jobs = [j for j in service.jobs.values() if j.sp_id == sid]
            validated = service.validation_warnings.get(sid)
        warning = next((j.licence_warning for j in jobs if j.licence_warning), None) or validated
        return json_response(
            200,
            {
                "servicePrincipalId": sid,
                "licenceWarning": warning,
                "jobs": [{"id": j.id, "licenceWarning": j.licence_warning} for j in jobs],
                "lastValidation": validated,
            },
        )
