"""Graph resources: each module registers its routes on a ``GraphRouter``."""

from __future__ import annotations

from simulator.graph.resources import batch
from simulator.graph.router import GraphRouter


def register_all(router: GraphRouter) -> None:
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
