"""The licence warning an admin of a cross-tenant synchronization configuration sees.

Graph has no property for it (the portal shows it; nothing documents its text), so the simulator keeps it
off Graph: ``GET /_simulator/provisioning/configurations/{servicePrincipalId}/licence-warning``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response

from simulator.web.control.messages import json_response
from simulator.web.control.provisioning import Provisioning, find_service_principal

if TYPE_CHECKING:
    from simulator.directory.store import Store


def licence_warning_blueprint(store: Store, service: Provisioning) -> Blueprint:
    bp = Blueprint("licence_warning", __name__, url_prefix="/_simulator/provisioning")

    @bp.get("/configurations/<sp_id>/licence-warning")
    def licence_warning(sp_id: str) -> Response:
        sid = sp_id.lower()
        with store.lock:
            find_service_principal(store, sp_id)
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

    return bp
