"""The provisioning service's check of the target's cross-cloud synchronization switch (reference §1.5).

With B2B on but the target's switch (``simulator/directory/cross_cloud_sync.py``) off for the source's
cloud, the simulated service's test connection and cycles fail with ``AzureActiveDirectoryTokenExpired``,
as documented. The engine's own preflight cannot see the switch (Graph's property is unconfirmed).
"""

from __future__ import annotations

from simulator.clouds import CLOUDS, Cloud
from simulator.directory import cross_cloud_sync
from simulator.directory.tenant import Tenant
from syncengine import preflight


def check(
    target: Tenant | None, source_cloud: str, is_cross_cloud: bool
) -> preflight.PreflightFailure | None:
    """The service's check: a cross-cloud job whose target has the setting off fails as documented."""
    if target is None or not is_cross_cloud:
        return None
    if cross_cloud_sync.enabled(target, source_cloud):
        cross_cloud_sync.ensure_default(target, source_cloud)
        return None
    label = CLOUDS[Cloud(source_cloud)].label
    return preflight.PreflightFailure(
        preflight.TOKEN_EXPIRED,
        preflight.TOKEN_EXPIRED_MESSAGE,
        "target",
        f"In the target tenant, open Cross-tenant access settings > Microsoft cloud settings and tick "
        f"cross-cloud synchronization for {label} (simulator: PUT /_simulator/tenants/{target.id}/"
        f'cross-cloud-sync/{source_cloud} with {{"enabled": true}}).',
    )
