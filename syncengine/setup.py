"""The documented configuration sequence for a pair of tenants, done through Graph.

Each step is idempotent (an object that already exists is updated instead), so ``ccsync setup`` can
be re-run, and each returns a line for the caller to show (reference §1.4, graph-protocol.md §6.7).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

from syncengine.client import GraphClient
from syncengine.clouds import CLOUDS, is_same_cloud
from syncengine.errors import ConflictError, GraphApiError, TokenError
from syncengine.preflight import PreflightFailure, check_pair

DEFAULT_ACCESS_ROLE = "00000000-0000-0000-0000-000000000000"
POLICY = "/policies/crossTenantAccessPolicy"

Say = Callable[[str], None]


@dataclass(frozen=True)
class PairSetup:
    """A pair of tenants to configure: their ids and the names of their clouds (``Cloud`` values)."""

    source_tenant: str
    target_tenant: str
    source_cloud: str
    target_cloud: str

    @property
    def cross_cloud(self) -> bool:
        """Whether the pair crosses Microsoft clouds (GCC High and DoD are both Azure Government)."""
        return not is_same_cloud(self.source_cloud, self.target_cloud)


#: Application permissions each side's app needs for ``ccsync setup`` (any one of each group).
SETUP_PERMISSIONS: dict[str, tuple[tuple[str, ...], ...]] = {
    "target": (("Policy.ReadWrite.CrossTenantAccess",),),
    "source": (
        ("Policy.ReadWrite.CrossTenantAccess",),
        ("Application.ReadWrite.All", "Application.ReadWrite.OwnedBy", "Directory.ReadWrite.All"),
        ("Synchronization.ReadWrite.All", "Application.ReadWrite.OwnedBy"),
    ),
}
#: Needed in the source only when a group is assigned to the configuration.
ASSIGN_PERMISSION = "AppRoleAssignment.ReadWrite.All"


def check_setup(
    source: GraphClient,
    target: GraphClient,
    pair: PairSetup,
    *,
    scope_group: str | None = None,
    sync_all: bool = False,
) -> list[PreflightFailure]:
    """Everything ``ccsync setup`` can check before its first write: the cloud pair, both tenants
    reachable with their apps, the apps' permissions, the scope group. Empty when setup may start.

    Reads only, so a refused setup leaves both tenants exactly as they were.
    """
    refused = check_pair(pair.source_cloud, pair.target_cloud)
    if refused is not None:
        return [refused]
    failures: list[PreflightFailure] = []
    for side, client in (("target", target), ("source", source)):
        try:
            client.get(POLICY)
        except (GraphApiError, TokenError) as exc:
            failures.append(
                PreflightFailure(
                    "TenantUnreachable",
                    f"The {side} tenant {client.identity.tenant_id} cannot be read with app "
                    f"{client.identity.client_id}: {exc}",
                    side,  # type: ignore[arg-type]
                    "Check the tenant id, the app's client id and secret, and that the app is consented in "
                    "that tenant.",
                )
            )
            continue
        roles = _roles(client)
        if roles is None:
            continue  # an in-process backend: no token to read
        needed = list(SETUP_PERMISSIONS[side])
        if side == "source" and scope_group and not sync_all:
            needed.append((ASSIGN_PERMISSION,))
        missing = [group[0] for group in needed if not roles & set(group)]
        if missing:
            failures.append(
                PreflightFailure(
                    "MissingPermissions",
                    f"The {side} app {client.identity.client_id} lacks the application permission(s) "
                    f"{', '.join(missing)}.",
                    side,  # type: ignore[arg-type]
                    "Grant them (admin consent) in that tenant, or use an app that has them.",
                )
            )
    if scope_group and not sync_all and not failures:
        literal = scope_group.replace("'", "''")
        found = source.get("/groups", {"$filter": f"displayName eq '{literal}'"}).get("value", [])
        if not found:
            failures.append(
                PreflightFailure(
                    "ScopeGroupNotFound",
                    f"No group named '{scope_group}' in the source tenant.",
                    "source",
                    "Create the group, name another with --group, or use --sync-all.",
                )
            )
    return failures


def _roles(client: GraphClient) -> set[str] | None:
    """The application permissions in the client's access token, or None without a token endpoint."""
    token = getattr(client.backend, "token", None)
    if token is None:
        return None
    import jwt

    claims = jwt.decode(token(client.identity), options={"verify_signature": False})
    return set(claims.get("roles") or [])


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
        _allow_cloud(target, CLOUDS[pair.source_cloud].cloud_instance, say, "target")
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
        _allow_cloud(source, CLOUDS[pair.target_cloud].cloud_instance, say, "source")
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


# -- the provisioning service's configuration (application template, job, secrets, start) ----------

TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"


@dataclass(frozen=True)
class ServiceConfiguration:
    """A configured cross-tenant synchronization in the source tenant."""

    service_principal_id: str
    job_id: str
    rule_id: str


def configure_service(
    source: GraphClient,
    pair: PairSetup,
    *,
    name: str,
    scope_group: str | None,
    sync_all: bool = False,
    deletion_threshold: int | None = None,
    start: bool = True,
    say: Say = lambda _: None,
) -> ServiceConfiguration:
    """The source side of the documented sequence: configuration, test connection, job, secrets, scope, start."""
    created = source.post(f"/applicationTemplates/{TEMPLATE_ID}/instantiate", {"displayName": name})
    sp = created["servicePrincipal"]
    say(f"source: created configuration '{name}' (service principal {sp['id']})")
    if pair.cross_cloud:  # the service takes the crossing from the target tenant the CompanyId names
        say("source: the configuration crosses Microsoft clouds (target tenant in another cloud)")
    sync = f"/servicePrincipals/{sp['id']}/synchronization"
    credentials = [
        {"key": "CompanyId", "value": pair.target_tenant},
        {"key": "AuthenticationType", "value": "SyncPolicy"},
    ]
    source.post(
        f"{sync}/jobs/validateCredentials",
        {"useSavedCredentials": False, "templateId": "Azure2Azure", "credentials": credentials},
    )
    say("source: test connection passed (validateCredentials)")
    job = source.post(f"{sync}/jobs", {"templateId": "Azure2Azure"})
    say(f"source: created job {job['id']}")
    notification = {"Enabled": False, "DeleteThresholdEnabled": deletion_threshold is not None}
    if deletion_threshold is not None:
        notification["DeleteThresholdValue"] = deletion_threshold
    source.put(
        f"{sync}/secrets",
        {
            "value": [
                *credentials,
                {"key": "SyncNotificationSettings", "value": json.dumps(notification)},
                {"key": "SyncAll", "value": "true" if sync_all else "false"},
            ]
        },
    )
    say("source: saved the credentials and settings (secrets)")
    if scope_group and not sync_all:
        literal = scope_group.replace("'", "''")
        found = source.get("/groups", {"$filter": f"displayName eq '{literal}'"}).get("value", [])
        if not found:
            raise ValueError(f"no group named '{scope_group}' in the source tenant")
        role = sp["appRoles"][0]["id"] if sp.get("appRoles") else DEFAULT_ACCESS_ROLE
        source.post(
            f"/servicePrincipals/{sp['id']}/appRoleAssignedTo",
            {"principalId": found[0]["id"], "resourceId": sp["id"], "appRoleId": role},
        )
        say(f"source: assigned group '{scope_group}' to the configuration")
    schema = source.get(f"{sync}/jobs/{job['id']}/schema")
    rule = next(r["id"] for r in schema["synchronizationRules"] if r["name"] == "USER_INBOUND_USER")
    if start:
        source.post(f"{sync}/jobs/{job['id']}/start", {})
        say("source: started provisioning (the first cycle runs now, then every 40 minutes)")
    return ServiceConfiguration(sp["id"], job["id"], rule)
