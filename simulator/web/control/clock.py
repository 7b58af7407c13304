"""The simulator clock: read it, switch it between real and virtual time, advance it (running cycles)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from flask import Blueprint, Response

from simulator.clock import ClockRangeError, iso, parse_duration
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.clock import Clock


class Timekeeper(Protocol):
    """What the clock routes need of the simulator."""

    clock: Clock

    def advance_clock(self, delta: timedelta) -> int: ...


def clock_blueprint(sim: Timekeeper) -> Blueprint:
    """``/_simulator/clock`` and ``/_simulator/clock/advance``."""
    bp = Blueprint("clock", __name__, url_prefix="/_simulator/clock")

    def now() -> dict[str, object]:
        return {"now": iso(sim.clock.now()), "virtual": sim.clock.is_virtual}

    @bp.get("")
    def get_clock() -> Response:
        return json_response(200, now())

    @bp.post("")
    def set_clock() -> Response:
        body = json_body()
        mode = body.get("mode")
        if mode == "virtual":
            start = body.get("now")
            try:
                when = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
            except (AttributeError, ValueError):
                raise ControlError(
                    400, "BadRequest", "'now' must be an ISO-8601 date-time such as 2026-01-01T00:00:00Z."
                ) from None
            if when is not None and when.tzinfo is None:
                raise ControlError(400, "BadRequest", "'now' needs a time zone, e.g. a trailing Z.")
            try:
                sim.clock.set_virtual(when)
            except ClockRangeError as exc:
                raise ControlError(400, "BadRequest", f"'now': {exc}.") from None
        elif mode == "real":
            sim.clock.set_real()
        else:
            raise ControlError(400, "BadRequest", "'mode' must be 'virtual' or 'real'.")
        return json_response(200, now())

    @bp.post("/advance")
    def advance_clock() -> Response:
        body = json_body()
        try:
            delta = parse_duration(body.get("by", ""))
        except (ValueError, TypeError) as exc:
            raise ControlError(400, "BadRequest", f"'by' {exc}") from None
        try:
            ran = sim.advance_clock(delta)  # each cycle due on the way runs at its time, before the answer
        except ClockRangeError as exc:
            raise ControlError(400, "BadRequest", f"'by': {exc}.") from None
        except ValueError as exc:
            raise ControlError(409, "Conflict", str(exc)) from None
        return json_response(200, {"now": iso(sim.clock.now()), "virtual": True, "cyclesRun": ran})

    return bp
