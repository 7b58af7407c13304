"""A configured cross-tenant synchronization on a fresh simulator, through the Graph API over HTTPS."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from tests.conftest import CLOUD_INSTANCE, POLICY, GraphHttp, control_tenant, module_simulator

TEMPLATE = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"


@dataclass
class Setup:
    sim: Any
    source: dict[str, Any]
    target: dict[str, Any]
    src: GraphHttp
    tgt: GraphHttp
    sp_id: str
    job_id: str
    group_id: str
    role_id: str

    @property
    def sync(self) -> str:
        return f"/servicePrincipals/{self.sp_id}/synchronization"

    @property
    def job(self) -> str:
        return f"{self.sync}/jobs/{self.job_id}"

    def advance(self, by: str) -> dict[str, Any]:
        return httpx.post(f"{self.sim.control_url}/_simulator/clock/advance", json={"by": by}).json()

    def status(self) -> dict[str, Any]:
        return self.src("GET", self.job).json()

    def fresh(self) -> None:
        """New bearer tokens (after the virtual clock jumped past their hour)."""
        self.src = GraphHttp(self.sim.endpoints(), self.source)
        self.tgt = GraphHttp(self.sim.endpoints(), self.target)

    def members(self) -> list[dict[str, Any]]:
        return self.src(
            "GET", f"/groups/{self.group_id}/members?$select=id,userPrincipalName,accountEnabled,displayName"
        ).json()["value"]

    def b2b(self) -> dict[str, dict[str, Any]]:
        users = self.tgt(
            "GET",
            "/users?$top=999&$select=id,userPrincipalName,accountEnabled,department,userType&$filter=creationType eq 'Invitation'",
        ).json()["value"]
        return {u["userPrincipalName"].split("#EXT#")[0]: u for u in users}


def make_setup(
    sim: Any,
    source_cloud: str = "commercial",
    target_cloud: str = "gcch",
    *,
    users: int = 30,
    secrets: dict[str, str] | None = None,
    start: bool = True,
) -> Setup:
    source = control_tenant(sim, source_cloud, users, name=f"Source {source_cloud}")
    target = control_tenant(sim, target_cloud, 5, name=f"Target {target_cloud}")
    doc = sim.endpoints()
    src, tgt = GraphHttp(doc, source), GraphHttp(doc, target)
    cross = CLOUD_INSTANCE[source_cloud] != CLOUD_INSTANCE[target_cloud]
    if cross:
        assert (
            tgt("PATCH", POLICY, json={"allowedCloudEndpoints": [CLOUD_INSTANCE[source_cloud]]}).status_code
            == 204
        )
        assert (
            src("PATCH", POLICY, json={"allowedCloudEndpoints": [CLOUD_INSTANCE[target_cloud]]}).status_code
            == 204
        )
    assert tgt("POST", f"{POLICY}/partners", json={"tenantId": source["id"]}).status_code == 201
    assert (
        tgt(
            "PUT",
            f"{POLICY}/partners/{source['id']}/identitySynchronization",
            json={"userSyncInbound": {"isSyncAllowed": True}},
        ).status_code
        == 204
    )
    assert (
        tgt(
            "PATCH",
            f"{POLICY}/partners/{source['id']}",
            json={"automaticUserConsentSettings": {"inboundAllowed": True}},
        ).status_code
        == 204
    )
    assert src("POST", f"{POLICY}/partners", json={"tenantId": target["id"]}).status_code == 201
    assert (
        src(
            "PATCH",
            f"{POLICY}/partners/{target['id']}",
            json={"automaticUserConsentSettings": {"outboundAllowed": True}},
        ).status_code
        == 204
    )
    created = src(
        "POST",
        f"/applicationTemplates/{TEMPLATE}/instantiate",
        json={"displayName": f"Sync to {target_cloud}"},
    )
    assert created.status_code == 201, created.text
    sp = created.json()["servicePrincipal"]
    # the service infers a cross-cloud configuration from the CompanyId tenant: no tag needed
    sync = f"/servicePrincipals/{sp['id']}/synchronization"
    job = src("POST", f"{sync}/jobs", json={"templateId": "Azure2Azure"})
    assert job.status_code == 201, job.text
    values = {"AuthenticationType": "SyncPolicy", "CompanyId": target["id"], "SyncAll": "false",
              "SyncNotificationSettings": json.dumps({"Enabled": False, "DeleteThresholdEnabled": False}), **(secrets or {})}  # fmt: skip
    assert (
        src(
            "PUT", f"{sync}/secrets", json={"value": [{"key": k, "value": v} for k, v in values.items()]}
        ).status_code
        == 204
    )
    group = src("GET", "/groups?$filter=displayName eq 'Cross-cloud sync users'").json()["value"][0]
    role = sp["appRoles"][0]["id"]
    assert (
        src(
            "POST",
            f"/servicePrincipals/{sp['id']}/appRoleAssignedTo",
            json={"principalId": group["id"], "resourceId": sp["id"], "appRoleId": role},
        ).status_code
        == 201
    )
    setup = Setup(sim, source, target, src, tgt, sp["id"], job.json()["id"], group["id"], role)
    if start:
        assert src("POST", f"{setup.job}/start").status_code == 204
    return setup


@pytest.fixture
def sim(request: pytest.FixtureRequest) -> Iterator[Any]:
    """Unlike the shared module-wide ``sim``: a simulator per test, so each job's schedule runs on a clock
    no other job shares; the module's ``SIMULATOR``, else seed 13, empty, on a virtual clock."""
    with module_simulator(request, default={"seed": 13, "empty": True, "virtual_clock": True}) as s:
        yield s
