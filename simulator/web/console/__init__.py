"""The simulator's web console under ``{control}/console/``: the admin blades of cross-tenant sync.

Server-rendered (Flask + Jinja2), readable without JavaScript, nothing fetched from the network.
Served by the control app, behind the same locality guard; its actions are HTML form posts with a
CSRF token (:mod:`simulator.web.locality`) that call the same code as the Graph and control-plane APIs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Protocol

from flask import Flask

if TYPE_CHECKING:
    from simulator.clock import Clock
    from simulator.clouds import Cloud
    from simulator.directory.store import Store
    from simulator.provisioning.service import ProvisioningService
    from simulator.traffic import TrafficController


class ConsoleSimulator(Protocol):
    """What the console reads and acts through: the admin blades look at the whole simulated service."""

    store: Store
    clock: Clock
    traffic: TrafficController
    provisioning: ProvisioningService
    graph_urls: dict[Cloud, str]

    def advance_clock(self, delta: timedelta) -> int: ...


def register_console(app: Flask, sim: ConsoleSimulator) -> None:
    """Add the console's pages and actions to the control app."""
    from simulator.web.console.views import console_blueprint

    app.register_blueprint(console_blueprint(sim, app.extensions["ccsync.csrf"]))
