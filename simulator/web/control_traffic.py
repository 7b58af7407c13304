"""Control-plane routes for traffic: the throttling profile, chaos, canned faults and their counters."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Flask, Response

from simulator.traffic import TrafficConfigError
from simulator.web.control_error import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator


def register_traffic_routes(app: Flask, sim: Simulator) -> None:
    """``/_simulator/traffic``, ``/_simulator/traffic/stats``, ``/_simulator/chaos``, ``/_simulator/faults``."""

    def body() -> dict[str, Any]:
        return json_body(required=True)

    def install() -> None:
        # The router carries the hook only while there is something to do.
        sim.router.traffic = sim.traffic if sim.traffic.active else None

    def apply(change: Any, *args: Any) -> Any:
        try:
            result = change(*args)
        except TrafficConfigError as exc:
            raise ControlError(400, "BadRequest", str(exc)) from None
        install()
        return result

    @app.get("/_simulator/traffic")
    def get_traffic() -> Response:
        return json_response(200, sim.traffic.describe())

    @app.put("/_simulator/traffic")
    def put_traffic() -> Response:
        apply(sim.set_traffic, body())
        return json_response(200, sim.traffic.describe())

    @app.get("/_simulator/traffic/stats")
    def get_stats() -> Response:
        return json_response(200, sim.traffic.stats())

    @app.post("/_simulator/traffic/stats/reset")
    def reset_stats() -> Response:
        sim.traffic.reset_stats()
        return json_response(200, sim.traffic.stats())

    @app.get("/_simulator/chaos")
    def get_chaos() -> Response:
        return json_response(200, sim.traffic.chaos())

    @app.put("/_simulator/chaos")
    def put_chaos() -> Response:
        return json_response(200, apply(sim.traffic.set_chaos, body()))

    @app.post("/_simulator/faults")
    def add_fault() -> Response:
        return json_response(201, apply(sim.traffic.add_fault, body()))

    @app.get("/_simulator/faults")
    def list_faults() -> Response:
        return json_response(200, {"value": sim.traffic.faults()})

    @app.delete("/_simulator/faults")
    def clear_faults() -> Response:
        removed = sim.traffic.clear_faults()
        install()
        return json_response(200, {"removed": removed})

    @app.delete("/_simulator/faults/<fault_id>")
    def delete_fault(fault_id: str) -> Response:
        if not sim.traffic.remove_fault(fault_id):
            raise ControlError(404, "NotFound", f"No canned fault with id '{fault_id}'.")
        install()
        return json_response(200, {"removed": 1})
