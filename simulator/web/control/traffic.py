"""Traffic: the throttling profile, its counters, and chaos (random errors, latency, dropped connections)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from flask import Blueprint, Response

from simulator.traffic import TrafficConfigError
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.traffic import TrafficController

T = TypeVar("T")


class TrafficControl(Protocol):
    """What the traffic and fault routes need of the simulator."""

    traffic: TrafficController

    def set_traffic(self, profile: str | dict[str, Any] | None) -> None: ...

    def traffic_changed(self) -> None: ...


def change(sim: TrafficControl, apply: Callable[..., T], *args: Any) -> T:
    """Apply one change to the traffic controller: a bad setting is a 400; the router follows the change."""
    try:
        result = apply(*args)
    except TrafficConfigError as exc:
        raise ControlError(400, "BadRequest", str(exc)) from None
    sim.traffic_changed()
    return result


def traffic_blueprint(sim: TrafficControl) -> Blueprint:
    """``/_simulator/traffic``, ``/_simulator/traffic/stats[/reset]``, ``/_simulator/chaos``."""
    bp = Blueprint("traffic", __name__, url_prefix="/_simulator")

    @bp.get("/traffic")
    def get_traffic() -> Response:
        return json_response(200, sim.traffic.describe())

    @bp.put("/traffic")
    def put_traffic() -> Response:
        change(sim, sim.set_traffic, json_body(required=True))
        return json_response(200, sim.traffic.describe())

    @bp.get("/traffic/stats")
    def get_stats() -> Response:
        return json_response(200, sim.traffic.stats())

    @bp.post("/traffic/stats/reset")
    def reset_stats() -> Response:
        sim.traffic.reset_stats()
        return json_response(200, sim.traffic.stats())

    @bp.get("/chaos")
    def get_chaos() -> Response:
        return json_response(200, sim.traffic.chaos())

    @bp.put("/chaos")
    def put_chaos() -> Response:
        return json_response(200, change(sim, sim.traffic.set_chaos, json_body(required=True)))

    return bp
