"""The target's "cross-cloud synchronization" setting (reference §1.5), a switch of its own.

In the portal the target ticks it per source cloud on the Microsoft cloud settings tab, next to (and
distinct from) B2B's ``allowedCloudEndpoints``; ticking it creates a service principal in the target holding
``User.ReadWrite.CrossCloud``, ``User.Invite.All``, ``Organization.Read.All`` and ``Policy.Read.All``.
Graph's property behind the checkbox is unconfirmed, so the simulator keeps the setting in the tenant's
internal state and offers it only on the control plane (``PUT /_simulator/tenants/{t}/cross-cloud-sync/
{cloud}``) and in world files (``cross_cloud_sync``). With B2B on but this off, the simulated service's test
connection and cycles fail with ``AzureActiveDirectoryTokenExpired``, as documented.

Default: **on** for every source cloud, so the msgraph-sdk example, ``make demo`` and the test kit, which
configure everything Graph can reach, keep working (nothing in Graph could turn it on). Turn it off to test
the failure.

The switch is tenant state: world files set it (``simulator/world/build.py``), the control plane shows and
sets it, and the provisioning service reads it (``simulator/provisioning/cross_cloud_sync.py``).
"""

from __future__ import annotations

from typing import Any

from simulator.clouds import CLOUDS, Cloud
from simulator.directory.apps import ensure_first_party_sp
from simulator.directory.tenant import Tenant

#: the application permissions the target-side service principal holds (reference §1.2, step 2)
PERMISSIONS = ("User.ReadWrite.CrossCloud", "User.Invite.All", "Organization.Read.All", "Policy.Read.All")
#: the app of the target-side service principal: the docs do not name it; the provisioning service's own
#: first-party identity is assumed (docs/fidelity.md)
TARGET_APP_ID = "00000014-0000-0000-c000-000000000000"
DEFAULT_ENABLED = True


def _instance(source_cloud: str) -> str:
    return CLOUDS[Cloud(source_cloud)].cloud_instance


def enabled(tenant: Tenant, source_cloud: str) -> bool:
    """Whether ``tenant`` has cross-cloud synchronization on for sources in ``source_cloud``."""
    entry = tenant.cross_cloud_sync.get(_instance(source_cloud))
    return DEFAULT_ENABLED if entry is None else bool(entry.get("enabled"))


def set_enabled(tenant: Tenant, source_cloud: str, on: bool) -> dict[str, Any]:
    """Turn the setting on or off; on creates (or reuses) the target-side service principal."""
    key = _instance(source_cloud)
    entry: dict[str, Any] = dict(tenant.cross_cloud_sync.get(key) or {})
    entry["enabled"] = on
    if on:
        sp = ensure_first_party_sp(tenant, TARGET_APP_ID)
        entry["servicePrincipalId"] = sp["id"]
        entry["permissions"] = list(PERMISSIONS)
    else:
        entry["permissions"] = []
    tenant.cross_cloud_sync[key] = entry
    return describe(tenant, source_cloud)


def ensure_default(tenant: Tenant, source_cloud: str) -> None:
    """Record a default-on setting the first time it is relied on: its service principal, made on first use."""
    if enabled(tenant, source_cloud) and not tenant.cross_cloud_sync.get(_instance(source_cloud)):
        set_enabled(tenant, source_cloud, True)


def describe(tenant: Tenant, source_cloud: str) -> dict[str, Any]:
    """The setting as the control plane shows it (a default-on setting shows its service principal once made)."""
    entry = tenant.cross_cloud_sync.get(_instance(source_cloud)) or {}
    on = enabled(tenant, source_cloud)
    return {
        "tenantId": tenant.id,
        "sourceCloud": source_cloud,
        "enabled": on,
        "default": not entry,
        "servicePrincipalId": entry.get("servicePrincipalId"),
        "permissions": list(entry.get("permissions") or (PERMISSIONS if on else ())),
    }
