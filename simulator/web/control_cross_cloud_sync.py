"""Control-plane route for the target's "cross-cloud synchronization" setting (reference §1.5).

``GET|PUT /_simulator/tenants/{tenant}/cross-cloud-sync/{source cloud}`` with ``{"enabled": true|false}``:
a simulator-only switch (Graph's property is unconfirmed), distinct from B2B's ``allowedCloudEndpoints``;
on by default (see simulator/directory/cross_cloud_sync.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Flask, Response, request

from simulator.clouds import CLOUDS, Cloud
from simulator.directory import cross_cloud_sync
from simulator.web.control_error import json_response
from simulator.web.control_provisioning import _enabled, _error

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def register_cross_cloud_sync_routes(app: Flask, sim: Simulator) -> None:
    @app.route("/_simulator/tenants/<tenant_id>/cross-cloud-sync/<source_cloud>", methods=["GET", "PUT"])
    def target_cross_cloud_sync(tenant_id: str, source_cloud: str) -> Response:
        if source_cloud not in {c.value for c in Cloud}:
            return _error(
                400, f"Unknown cloud '{source_cloud}'; use one of {', '.join(c.value for c in Cloud)}."
            )
        with sim.store.lock:
            tenant = sim.store.tenant(tenant_id)
            if tenant is None:
                return _error(404, f"No tenant '{tenant_id}'.")
            if CLOUDS[tenant.cloud].cloud_instance == CLOUDS[Cloud(source_cloud)].cloud_instance:
                return _error(
                    400,
                    f"'{source_cloud}' is the tenant's own cloud; cross-cloud synchronization is from another cloud.",
                )
            if request.method == "PUT":
                on = _enabled()
                if on is None:
                    return _error(400, 'The body must be {"enabled": true|false}.')
                shown = cross_cloud_sync.set_enabled(tenant, source_cloud, on)
                sim.store.commit()
            else:
                shown = cross_cloud_sync.describe(tenant, source_cloud)
        return json_response(200, shown)
