"""``ccsync demo``-like activity on the default world, through the provisioning service's Graph API.

For the console's screenshots, its browser tests and its benchmark: Contoso (commercial) gets two
cross-cloud configurations (to Contoso Government in GCC High and to Contoso China), configured the
documented way over HTTPS with msal; their first cycles run; then a new hire, a department change, a
disabled account, a leaver and a user who lost every licence happen in the source, and the next
cycle runs. Optionally the China target stops allowing inbound sync, so that job goes to quarantine.
Everything runs on a virtual clock, so the outcome is the same every time.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from ccsync.demo import change_the_source
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.http_backend import HttpGraph
from syncengine.setup import POLICY, PairSetup, configure_service, configure_source, configure_target

if TYPE_CHECKING:
    from simulator.runtime import Simulator

SCOPE_GROUP = "Cross-cloud sync users"


@dataclass
class DemoActivity:
    """What :func:`demo_activity` set up: the source tenant and its configurations by target cloud."""

    source: dict[str, Any]
    targets: dict[str, dict[str, Any]]
    service_principals: dict[str, str]
    unlicensed: list[str]


def admin(tenant: dict[str, Any]) -> Identity:
    """The tenant's seeded admin app (User.ReadWrite.All), as the engine addresses it."""
    app = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
    return Identity(tenant["cloud"], tenant["id"], app["clientId"])


def clients(sim: Simulator, *tenants: dict[str, Any]) -> tuple[HttpGraph, list[GraphClient]]:
    """Fresh HTTPS clients (new tokens: a virtual clock may have jumped past the old ones' hour)."""
    backend = HttpGraph.for_simulator(sim.endpoints())
    return backend, [GraphClient(backend, admin(t)) for t in tenants]


def demo_activity(sim: Simulator, *, quarantine: bool = True, start: datetime | None = None) -> DemoActivity:
    """Configure, run, change the source, run again (see the module docstring); the clock ends virtual.

    ``start``: the virtual time to begin at (fixed dates make screenshots repeatable).
    """
    if start is not None or not sim.clock.is_virtual:
        sim.clock.set_virtual(start)
    doc = sim.endpoints()
    source = next(t for t in doc["tenants"] if t["flavor"] == "commercial")
    targets = {cloud: next(t for t in doc["tenants"] if t["cloud"] == cloud) for cloud in ("gcch", "china")}
    sps: dict[str, str] = {}
    backend, (src,) = clients(sim, source)
    try:
        for cloud, target in targets.items():
            tb, (tgt,) = clients(sim, target)
            pair = PairSetup(source["id"], target["id"], "commercial", cloud)
            configure_target(tgt, pair)
            configure_source(src, pair)
            tb.close()
            cfg = configure_service(
                src, pair, name=f"Sync to {target['displayName']}", scope_group=SCOPE_GROUP
            )
            sps[cloud] = cfg.service_principal_id
        sim.advance_clock(timedelta(minutes=1))  # the first cycles run
    finally:
        backend.close()

    backend, (src,) = clients(sim, source)
    try:
        group = src.get("/groups", {"$filter": f"displayName eq '{SCOPE_GROUP}'"})["value"][0]
        members = src.list_all(f"/groups/{group['id']}/members", {"$select": "id,displayName,department"})
        nick = f"new.hire.{uuid.UUID(int=sim.config.seed).hex[:4]}"
        changes = change_the_source(src, group, members, source["defaultDomain"], nick)
        lost = [changes.unlicensed["id"]] if changes.unlicensed else []
    finally:
        backend.close()
    if quarantine:
        tb, (tgt,) = clients(sim, targets["china"])
        tgt.patch(
            f"{POLICY}/partners/{source['id']}/identitySynchronization",
            {"userSyncInbound": {"isSyncAllowed": False}},
        )
        tb.close()
    sim.advance_clock(timedelta(minutes=40))  # the incremental cycles run
    return DemoActivity(source, targets, sps, lost)
