"""The documented configuration sequence for a pair of tenants, done through Graph.

Each step is idempotent (an object that already exists is updated instead), so ``ccsync setup`` can
be re-run, and each returns a line for the caller to show (reference §1.4, graph-protocol.md §6.7).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from syncengine.client import GraphClient
from syncengine.errors import ConflictError, GraphApiError, NotFoundError

#: ``allowedCloudEndpoints`` value of each cloud.
CLOUD_INSTANCE = {
    "commercial": "microsoftonline.com",
    "gcch": "microsoftonline.us",
    "dod": "microsoftonline.us",
    "china": "partner.microsoftonline.cn",
}
DEFAULT_ACCESS_ROLE = "00000000-0000-0000-0000-000000000000"
POLICY = "/policies/crossTenantAccessPolicy"

Say = Callable[[str], None]


@dataclass(frozen=True)
class PairSetup:
    source_tenant: str
    target_tenant: str
    source_cloud: str
    target_cloud: str

    @property
    def cross_cloud(self) -> bool:
        return CLOUD_INSTANCE[self.source_cloud] != CLOUD_INSTANCE[self.target_cloud]


def _allow_cloud(client: GraphClient, instance: str, say: Say, who: str) -> None:
    current = client.get(POLICY).get("allowedCloudEndpoints") or []
    if instance in current:
        say(f"{who}: Microsoft cloud settings already allow {instance}")
        return
    client.patch(POLICY, {"allowedCloudEndpoints": [*current, instance]})
    say(f"{who}: Microsoft cloud settings now allow {instance} (allowedCloudEndpoints)")


def _partner(client: GraphClient, tenant_id: str, say: Say, who: str) -> None:
    try:
        client.post(f"{POLICY}/partners", {"tenantId": tenant_id})
        say(f"{who}: added organization {tenant_id} (partner configuration)")
    except ConflictError:
        say(f"{who}: organization {tenant_id} is already a partner")


def configure_target(target: GraphClient, pair: PairSetup, say: Say = lambda _: None) -> None:
    """Target tenant: cloud setting (cross-cloud), partner, inbound user sync, inbound auto-redemption."""
    if pair.cross_cloud:
        _allow_cloud(target, CLOUD_INSTANCE[pair.source_cloud], say, "target")
    _partner(target, pair.source_tenant, say, "target")
    sync = f"{POLICY}/partners/{pair.source_tenant}/identitySynchronization"
    try:
        target.put(sync, {"userSyncInbound": {"isSyncAllowed": True}})
    except ConflictError:
        target.patch(sync, {"userSyncInbound": {"isSyncAllowed": True}})
    say("target: allowed user synchronization into this tenant (identitySynchronization.userSyncInbound)")
    target.patch(
        f"{POLICY}/partners/{pair.source_tenant}", {"automaticUserConsentSettings": {"inboundAllowed": True}}
    )
    say("target: automatic redemption of invitations from the source (inboundAllowed)")


def configure_source(source: GraphClient, pair: PairSetup, say: Say = lambda _: None) -> None:
    """Source tenant: cloud setting (cross-cloud), partner, outbound auto-redemption."""
    if pair.cross_cloud:
        _allow_cloud(source, CLOUD_INSTANCE[pair.target_cloud], say, "source")
    _partner(source, pair.target_tenant, say, "source")
    source.patch(
        f"{POLICY}/partners/{pair.target_tenant}", {"automaticUserConsentSettings": {"outboundAllowed": True}}
    )
    say("source: automatic redemption of invitations to the target (outboundAllowed)")


def create_sync_app(source: GraphClient, display_name: str, say: Say = lambda _: None) -> str:
    """An application and service principal whose assignments define the scope; returns the SP id."""
    found = source.get("/servicePrincipals", {"$filter": f"displayName eq '{display_name}'"}).get("value", [])
    if found:
        say(f"source: configuration app '{display_name}' exists")
        return found[0]["id"]
    app = source.post("/applications", {"displayName": display_name})
    sp = source.post("/servicePrincipals", {"appId": app["appId"]})
    say(f"source: created configuration app '{display_name}' (service principal {sp['id']})")
    return sp["id"]


def assign(source: GraphClient, sp_id: str, principal_id: str) -> None:
    """Assign a user or group to the configuration (``appRoleAssignedTo``)."""
    try:
        source.post(
            f"/servicePrincipals/{sp_id}/appRoleAssignedTo",
            {"principalId": principal_id, "resourceId": sp_id, "appRoleId": DEFAULT_ACCESS_ROLE},
        )
    except GraphApiError as exc:
        if exc.status != 400 or "already exists" not in exc.message:
            raise


def unassign(source: GraphClient, sp_id: str, principal_id: str) -> None:
    for a in source.list_all(f"/servicePrincipals/{sp_id}/appRoleAssignedTo"):
        if a["principalId"] == principal_id:
            try:
                source.delete(f"/servicePrincipals/{sp_id}/appRoleAssignedTo/{a['id']}")
            except NotFoundError:
                pass
