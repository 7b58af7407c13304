"""The state of one scenario run, which its setup steps, its steps and its expectations share.

``RunState`` holds what a run has built (tenants, named users and groups, the configuration's ids, what
to clean up) and the small helpers every part reads it through (``client``, the two roles,
``skip_step``). ``ScenarioRun`` (``run.py``) extends it with the steps and ``ConfigurationSetup``
(``setup_steps.py``) with the setup; ``Expectations`` (``expect.py``) reads it. Each of them imports
this module, none of them another's.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from scenarios.backends import Backend, TenantHandle
from scenarios.loader import Scenario
from syncengine.client import GraphClient


def new_run_id() -> str:
    """A short prefix for every object a run creates (``ccs3f9a``)."""
    return "ccs" + secrets.token_hex(3)


@dataclass
class UserRecord:
    name: str
    tenant: str
    id: str
    upn: str
    deleted: bool = False


@dataclass
class Sync:
    sp_id: str = ""
    job_id: str = ""
    rule_id: str = ""
    app_id: str = ""

    @property
    def base(self) -> str:
        return f"/servicePrincipals/{self.sp_id}/synchronization"

    @property
    def job(self) -> str:
        return f"{self.base}/jobs/{self.job_id}"


@dataclass
class RunState:
    """The state of one scenario run: tenants, named users and groups, the configuration."""

    scenario: Scenario
    backend: Backend
    run_id: str = field(default_factory=new_run_id)
    tenants: dict[str, TenantHandle] = field(default_factory=dict)
    users: dict[str, UserRecord] = field(default_factory=dict)
    groups: dict[str, tuple[str, str]] = field(default_factory=dict)
    sync: Sync = field(default_factory=Sync)
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (tenant role, kind, id)
    skipped: list[str] = field(default_factory=list)
    last_result: Any = None
    #: users changed since the last wait (on real tenants only these are provisioned on demand)
    dirty: set[str] = field(default_factory=set)

    def client(self, role: str) -> GraphClient:
        return self.backend.client(self.tenants[role])

    @property
    def source_role(self) -> str:
        return (self.scenario.data.get("setup") or {}).get("source", "source")

    @property
    def target_role(self) -> str:
        return (self.scenario.data.get("setup") or {}).get("target", "target")

    def skip_step(self, where: str, why: str) -> None:
        self.skipped.append(f"{where}: {why}")
