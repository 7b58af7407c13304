"""Control-plane route that seeds a tenant's purchased licences (``subscribedSkus``).

Graph has no API to buy licences, so tests and scenarios set the units here; users then get them
through Graph's ``assignLicense`` as on a real tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response

from simulator.directory import skus
from simulator.web.control_error import ControlError, error_response, json_body, json_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def register_licence_routes(app: Flask, sim: Simulator) -> None:
    @app.put("/_simulator/tenants/<tenant_id>/subscribedSkus/<sku_name>")
    def put_subscribed_sku(tenant_id: str, sku_name: str) -> Response:
        try:
            sku = skus.sku(sku_name)
        except KeyError:
            known = ", ".join(["P1", "P2", "GOVERNANCE", "SUITE", *skus.CATALOGUE])
            return error_response(
                400, "BadRequest", f"Unknown licence '{sku_name}'; use one of {known} or a skuId."
            )
        try:
            body: dict[str, Any] | None = json_body()
        except ControlError:
            body = None
        units = body.get("units") if isinstance(body, dict) else None
        if not isinstance(units, int) or isinstance(units, bool) or not 0 <= units <= 10_000_000:
            return error_response(
                400, "BadRequest", 'The body must be {"units": N} with N from 0 to 10000000.'
            )
        with sim.store.lock:
            tenant = sim.store.tenant(tenant_id)
            if tenant is None:
                return error_response(404, "NotFound", f"No tenant '{tenant_id}'.")
            if units:
                tenant.subscribed_skus[sku.sku_id] = units
            else:
                tenant.subscribed_skus.pop(sku.sku_id, None)
            sim.store.commit()
        return json_response(
            200, {"tenant": tenant.id, "skuId": sku.sku_id, "skuPartNumber": sku.part_number, "units": units}
        )
