"""Graph resources: each module registers its routes on a ``GraphRouter``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.graph.resources import batch
from simulator.graph.router import GraphRouter
from simulator.provisioning import routes as synchronization

if TYPE_CHECKING:
    from simulator.provisioning.api import SynchronizationApi


def register_all(router: GraphRouter, provisioning: SynchronizationApi | None = None) -> None:
    """Every Graph route; the synchronization API's too when the provisioning service that serves them
    is given (``simulator/provisioning/routes.py``)."""
    from simulator.graph.resources import (
        apps,
        audit,
        directory,
        groups,
        invitations,
        organization,
        policies,
        users,
    )

    for module in (users, groups, directory, organization, invitations, apps, policies, audit):
        module.register(router)
    batch.register(router)
    if provisioning is not None:
        synchronization.register(router, provisioning)
