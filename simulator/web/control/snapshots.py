"""Snapshots of the directory: the document itself (GET/PUT), and named ones kept in the data dir."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from flask import Blueprint, Response

from simulator.directory.store import SnapshotError
from simulator.runtime import snapshot_name
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.directory.store import Store


class Snapshots(Protocol):
    """What the snapshot routes need of the simulator."""

    store: Store

    def restore_snapshot(self, doc: Any) -> None: ...

    def save_snapshot(self, name: str) -> Path: ...

    def load_snapshot(self, name: str) -> None: ...


def snapshots_blueprint(sim: Snapshots) -> Blueprint:
    """``/_simulator/snapshot`` (GET, PUT), ``/_simulator/snapshot/save``, ``/_simulator/snapshot/load``."""
    bp = Blueprint("snapshots", __name__, url_prefix="/_simulator/snapshot")

    @bp.get("")
    def get_snapshot() -> Response:
        return Response(json.dumps(sim.store.snapshot(), sort_keys=True), content_type="application/json")

    @bp.put("")
    def put_snapshot() -> Response:
        doc = json_body()
        try:
            sim.restore_snapshot(doc)
        except SnapshotError as exc:
            raise ControlError(400, "BadRequest", str(exc)) from None
        return json_response(200, {"tenants": len(sim.store.tenants)})

    def name(body: dict[str, Any]) -> str:
        try:
            return snapshot_name(body.get("name"))
        except ValueError as exc:
            raise ControlError(400, "BadRequest", str(exc)) from None

    @bp.post("/save")
    def save_named() -> Response:
        named = name(json_body())
        path = sim.save_snapshot(named)
        return json_response(200, {"name": named, "path": str(path)})

    @bp.post("/load")
    def load_named() -> Response:
        named = name(json_body())
        try:
            sim.load_snapshot(named)
        except FileNotFoundError as exc:
            raise ControlError(404, "NotFound", str(exc)) from None
        except SnapshotError as exc:
            raise ControlError(400, "BadRequest", str(exc)) from None
        return json_response(200, {"name": named, "tenants": len(sim.store.tenants)})

    return bp
