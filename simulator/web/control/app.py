"""The control app: every control-plane blueprint and the console, on one plain-HTTP loopback port.

Never reachable through a tenant's Graph root. Each write request is one transaction: whatever the route
changed is committed (made durable, with a data dir) before the answer leaves, in
:meth:`ControlApp.dispatch_request`, so no route commits by itself.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from simulator.web.control.clock import clock_blueprint
from simulator.web.control.cross_cloud_sync import cross_cloud_sync_blueprint
from simulator.web.control.faults import faults_blueprint
from simulator.web.control.licence_warning import licence_warning_blueprint
from simulator.web.control.licences import licences_blueprint
from simulator.web.control.messages import ControlError, json_response
from simulator.web.control.provisioning import provisioning_blueprint
from simulator.web.control.snapshots import snapshots_blueprint
from simulator.web.control.traffic import traffic_blueprint
from simulator.web.control.world import world_blueprint

if TYPE_CHECKING:
    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
#: The methods that may change the simulator: each such request is committed as one transaction.
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MAX_BODY_BYTES = 512 * 1024 * 1024


class ControlApp(Flask):
    """A Flask app whose write requests each end in ``commit`` (the store's), answered or refused.

    A refused request commits too: a route may have changed something before it refused (a reset that
    fell back to the started world).
    """

    def __init__(self, name: str, commit: Callable[[], None]) -> None:
        super().__init__(name)
        self._commit = commit

    def dispatch_request(self) -> Any:
        if request.method not in WRITES:
            return super().dispatch_request()
        try:
            return super().dispatch_request()
        finally:
            self._commit()


def create_control_app(sim: Simulator) -> Flask:
    """The control plane over ``sim``: each blueprint gets only the part of the simulator it needs."""
    app = ControlApp("ccsync-control", sim.store.commit)
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.register_blueprint(world_blueprint(sim))
    app.register_blueprint(clock_blueprint(sim))
    app.register_blueprint(traffic_blueprint(sim))
    app.register_blueprint(faults_blueprint(sim))
    app.register_blueprint(provisioning_blueprint(sim.store, sim.provisioning))
    app.register_blueprint(licence_warning_blueprint(sim.store, sim.provisioning))
    app.register_blueprint(cross_cloud_sync_blueprint(sim.store))
    app.register_blueprint(licences_blueprint(sim.store))
    app.register_blueprint(snapshots_blueprint(sim))

    @app.errorhandler(ControlError)
    def control_error(exc: ControlError) -> Response:
        return json_response(exc.status, {"error": {"code": exc.code, "message": exc.message}})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return json_response(
            exc.code or 400, {"error": {"code": exc.name.replace(" ", ""), "message": exc.description}}
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in control plane")
        return json_response(
            500,
            {
                "error": {
                    "code": "InternalError",
                    "message": "Unexpected error in the simulator; see its log.",
                }
            },
        )

    from simulator.web.locality import CsrfTokens, LocalityGuard

    app.extensions["ccsync.csrf"] = csrf = CsrfTokens()
    from simulator.web.console import register_console

    register_console(app, sim)
    app.wsgi_app = LocalityGuard(app.wsgi_app, form_prefix="/console/", csrf=csrf)  # type: ignore[method-assign]
    return app
