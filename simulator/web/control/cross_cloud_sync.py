"""The target's "cross-cloud synchronization" setting (reference §1.5).

``GET|PUT /_simulator/tenants/{tenant}/cross-cloud-sync/{source cloud}`` with ``{"enabled": true|false}``:
a simulator-only switch (Graph's property is unconfirmed), distinct from B2B's ``allowedCloudEndpoints``;
on by default (see simulator/directory/cross_cloud_sync.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, request

from simulator.clouds import CLOUDS, Cloud
from simulator.directory import cross_cloud_sync
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.directory.store import Store

ENABLED = '{"enabled": true|false}'


def cross_cloud_sync_blueprint(store: Store) -> Blueprint:
    bp = Blueprint("cross_cloud_sync", __name__, url_prefix="/_simulator/tenants")

    @bp.route("/<tenant_id>/cross-cloud-sync/<source_cloud>", methods=["GET", "PUT"])
    def target_cross_cloud_sync(tenant_id: str, source_cloud: str) -> Response:
        if source_cloud not in {c.value for c in Cloud}:
            raise ControlError(
                400,
                "BadRequest",
                f"Unknown cloud '{source_cloud}'; use one of {', '.join(c.value for c in Cloud)}.",
            )
        with store.lock:
            tenant = store.tenant(tenant_id)
            if tenant is None:
                raise ControlError(404, "NotFound", f"No tenant '{tenant_id}'.")
            if CLOUDS[tenant.cloud].cloud_instance == CLOUDS[Cloud(source_cloud)].cloud_instance:
                raise ControlError(
                    400,
                    "BadRequest",
                    f"'{source_cloud}' is the tenant's own cloud; cross-cloud synchronization is from another cloud.",
                )
            if request.method == "PUT":
                on = json_body(shape=ENABLED).get("enabled")
                if not isinstance(on, bool):
                    raise ControlError(400, "BadRequest", f"The body must be {ENABLED}.")
                shown = cross_cloud_sync.set_enabled(tenant, source_cloud, on)
            else:
                shown = cross_cloud_sync.describe(tenant, source_cloud)
        return json_response(200, shown)

    return bp
