"""Helpers for engine tests: a configured tenant pair on a running simulator, and a job for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from simulator.simulated_graph import SimulatedGraph
from syncengine import mapping
from syncengine.backend import GraphBackend, Identity
from syncengine.client import GraphClient
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, SafetyConfig, ScopeConfig
from syncengine.setup import PairSetup, assign, configure_source, configure_target, create_sync_app
from syncengine.state import EngineState
from tests.conftest import app_of


def identity(tenant: dict[str, Any], app: dict[str, Any] | None = None) -> Identity:
    """Who the engine calls Graph as: ``app`` of ``tenant`` (by default its User.ReadWrite.All app)."""
    return Identity(tenant["cloud"], tenant["id"], (app or app_of(tenant))["clientId"])


@dataclass
class Pair:
    """A source and a target tenant, configured for synchronization, with a sync app and its scope group."""

    sim: Any
    source: dict[str, Any]
    target: dict[str, Any]
    sp_id: str
    group_id: str
    backend: GraphBackend

    def clients(self, backend: GraphBackend | None = None) -> tuple[GraphClient, GraphClient]:
        b = backend or self.backend
        return GraphClient(b, identity(self.source), clock=self.sim.clock), GraphClient(
            b, identity(self.target), clock=self.sim.clock
        )

    def job(self, **over: Any) -> JobConfig:
        base = dict(
            name=f"{self.source['displayName']} to {self.target['displayName']}",
            source=identity(self.source),
            target=identity(self.target),
            mappings=mapping.DEFAULT_MAPPINGS,
            scope=ScopeConfig(),
            safety=SafetyConfig(),
            anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
            service_principal_id=self.sp_id,
            cross_cloud=self.source["cloud"] != self.target["cloud"],
        )
        base.update(over)
        return JobConfig(**base)

    def members(
        self, select: str = "id,displayName,userPrincipalName,department,accountEnabled"
    ) -> list[dict[str, Any]]:
        """The scope group's members, read in the source tenant."""
        src, _ = self.clients()
        return src.list_all(f"/groups/{self.group_id}/members", {"$select": select})

    def state(self, tmp: Path, job: JobConfig) -> EngineState:
        return EngineState(tmp / "engine.db", job.name)


def make_pair(sim: Any, source: dict[str, Any], target: dict[str, Any], *, members: int = 25) -> Pair:
    """Configure ``source`` → ``target`` the documented way and assign a group of ``members`` source users."""
    backend = SimulatedGraph(sim.router)
    src = GraphClient(backend, identity(source), clock=sim.clock)
    tgt = GraphClient(backend, identity(target), clock=sim.clock)
    setup = PairSetup(source["id"], target["id"], source["cloud"], target["cloud"])
    configure_target(tgt, setup)
    configure_source(src, setup)
    sp_id = create_sync_app(src, f"ccsync to {target['displayName']}")
    group = src.post(
        "/groups",
        {
            "displayName": f"Sync to {target['displayName']}",
            "mailEnabled": False,
            "mailNickname": f"sync{target['id'][:8]}",
            "securityEnabled": True,
        },
    )
    users = [
        u
        for u in src.list_all("/users", {"$select": "id,userType,userPrincipalName", "$top": "999"})
        if u.get("userType") == "Member" and "#EXT#" not in u["userPrincipalName"]
    ]
    for u in users[:members]:
        src.post(
            f"/groups/{group['id']}/members/$ref",
            {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{u['id']}"},
        )
    assign(src, sp_id, group["id"])
    return Pair(sim, source, target, sp_id, group["id"], backend)
