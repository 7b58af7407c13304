"""From the synchronization API's configuration (secrets, schema, job settings, the configuration's
service principal) to the engine's ``JobConfig``: the one place the two vocabularies meet."""

from __future__ import annotations

import json
from typing import Any

from simulator.clouds import CLOUDS, is_same_cloud
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.provisioning.schema import parse_schema
from simulator.wire.errors import GraphError, bad_request
from syncengine import preflight
from syncengine.backend import Identity
from syncengine.model import AnchorConfig, AnchorKind, JobConfig, LicencePolicy, SafetyConfig, ScopeConfig

SYNC_FABRIC = "00000014-0000-0000-c000-000000000000"
#: A tag the msgraph-sdk example (and possibly a portal) puts on a configuration created "across Microsoft
#: clouds". Tags are free-form strings in Graph, so adding it is valid, but the simulated service does not
#: read it: it infers cross-cloud from the target tenant named by the CompanyId secret (cross_cloud_pair).
CROSS_CLOUD_TAG = "CrossCloudSynchronization"


def cross_cloud_pair(source: Tenant, target: Tenant) -> bool:
    """Whether source → target crosses Microsoft clouds (the service's "across Microsoft clouds", inferred
    from the tenants); Graph's 400 ``UnsupportedCloudPair`` for a pair the service does not support."""
    failure = preflight.check_pair(source.cloud.value, target.cloud.value)
    if failure is not None:
        raise GraphError(400, failure.code, preflight.validate_credentials_message(failure))
    return not is_same_cloud(source.cloud, target.cloud)


DEFAULT_DELETE_THRESHOLD = 500
#: A ccsync job setting (``synchronizationJobSettings``): ``warn`` (default) or ``enforce``.
LICENCE_POLICY_SETTING = "LicensePolicy"


def build_job_config(
    store: Store,
    tenant: Tenant,
    sp: dict[str, Any],
    creds: dict[str, str],
    *,
    schema: dict[str, Any],
    name: str,
    settings: list[dict[str, str]],
) -> JobConfig:
    """The engine job a configuration describes; Graph's 400s for a configuration that cannot run."""
    target_id = (creds.get("CompanyId") or "").lower()
    if not target_id:
        raise bad_request("The CompanyId credential (the target tenant id) is required.")
    if creds.get("AuthenticationType", "SyncPolicy") != "SyncPolicy":
        raise bad_request("Cross-tenant synchronization authenticates with AuthenticationType 'SyncPolicy'.")
    target = store.tenants.get(target_id)
    if target is None:
        authority = CLOUDS[tenant.cloud].login_host
        failure = preflight.PreflightFailure(
            "ExternalTenantNotFound",
            f"This tenant was not found by the authentication authority of the current cloud: {target_id}. "
            f"The authentication authority is https://{authority}/{target_id}.",
            "pair",
            "Check the target tenant id.",
        )
        raise GraphError(400, failure.code, preflight.validate_credentials_message(failure))
    mappings, groups, delete_action = parse_schema(schema)
    try:
        notification = json.loads(creds.get("SyncNotificationSettings") or "{}")
    except ValueError:
        notification = {}
    threshold = None
    if isinstance(notification, dict) and notification.get("DeleteThresholdEnabled"):
        threshold = int(notification.get("DeleteThresholdValue") or DEFAULT_DELETE_THRESHOLD)
    policy_value = next((x["value"] for x in settings if x.get("name") == LICENCE_POLICY_SETTING), "warn")
    return JobConfig(
        name=name,
        source=Identity(tenant.cloud.value, tenant.id, SYNC_FABRIC),
        target=Identity(target.cloud.value, target.id, SYNC_FABRIC),
        mappings=mappings,
        scope=ScopeConfig(
            sync_all=str(creds.get("SyncAll", "false")).lower() == "true", filter_groups=groups
        ),
        safety=SafetyConfig(
            delete_action=delete_action,
            deletion_threshold=threshold,
            licence_policy=LicencePolicy.ENFORCE if policy_value.lower() == "enforce" else LicencePolicy.WARN,
        ),
        anchor=AnchorConfig(AnchorKind.ALTERNATIVE_SECURITY_ID),
        service_principal_id=sp["id"],
        cross_cloud=cross_cloud_pair(tenant, target),
    )
