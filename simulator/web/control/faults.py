"""Canned faults: the next N matching Graph requests get a chosen status, headers and error."""

from __future__ import annotations

from flask import Blueprint, Response

from simulator.web.control.messages import ControlError, json_body, json_response
from simulator.web.control.traffic import TrafficControl, change


def faults_blueprint(sim: TrafficControl) -> Blueprint:
    """``/_simulator/faults`` and ``/_simulator/faults/{id}``."""
    bp = Blueprint("faults", __name__, url_prefix="/_simulator/faults")

    @bp.post("")
    def add_fault() -> Response:
        return json_response(201, change(sim, sim.traffic.add_fault, json_body(required=True)))

    @bp.get("")
    def list_faults() -> Response:
        return json_response(200, {"value": sim.traffic.faults()})

    @bp.delete("")
    def clear_faults() -> Response:
        return json_response(200, {"removed": change(sim, sim.traffic.clear_faults)})

    @bp.delete("/<fault_id>")
    def delete_fault(fault_id: str) -> Response:
        if not change(sim, sim.traffic.remove_fault, fault_id):
            raise ControlError(404, "NotFound", f"No canned fault with id '{fault_id}'.")
        return json_response(200, {"removed": 1})

    return bp
