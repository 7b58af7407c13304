"""A tenant's purchased licences (``subscribedSkus``).

Graph has no API to buy licences, so tests and scenarios set the units here; users then get them
through Graph's ``assignLicense`` as on a real tenant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response

from simulator.directory import skus
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.directory.store import Store

UNITS = '{"units": N} with N from 0 to 10000000'


def licences_blueprint(store: Store) -> Blueprint:
    bp = Blueprint("licences", __name__, url_prefix="/_simulator/tenants")

    @bp.put("/<tenant_id>/subscribedSkus/<sku_name>")
    def put_subscribed_sku(tenant_id: str, sku_name: str) -> Response:
        try:
            sku = skus.sku(sku_name)
        except KeyError:
            known = ", ".join(["P1", "P2", "GOVERNANCE", "SUITE", *skus.CATALOGUE])
            raise ControlError(
                400, "BadRequest", f"Unknown licence '{sku_name}'; use one of {known} or a skuId."
            ) from None
        units = json_body(shape=UNITS).get("units")
        if not isinstance(units, int) or isinstance(units, bool) or not 0 <= units <= 10_000_000:
            raise ControlError(400, "BadRequest", f"The body must be {UNITS}.")
        with store.lock:
            tenant = store.tenant(tenant_id)
            if tenant is None:
                raise ControlError(404, "NotFound", f"No tenant '{tenant_id}'.")
            if units:
                tenant.subscribed_skus[sku.sku_id] = units
            else:
                tenant.subscribed_skus.pop(sku.sku_id, None)
        return json_response(
            200, {"tenant": tenant.id, "skuId": sku.sku_id, "skuPartNumber": sku.part_number, "units": units}
        )

    return bp
