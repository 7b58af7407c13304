"""Cross-tenant access policy state of a tenant: base policy, default configuration, partners."""

from __future__ import annotations

from typing import Any

from simulator.clouds import CLOUDS
from simulator.directory.tenant import Tenant

#: The three documented ``allowedCloudEndpoints`` values: the clouds' instance names.
CLOUD_ENDPOINTS = tuple(dict.fromkeys(info.cloud_instance for info in CLOUDS.values()))


def _b2b_setting(access: str) -> dict[str, Any]:
    return {
        "usersAndGroups": {"accessType": access, "targets": [{"target": "AllUsers", "targetType": "user"}]},
        "applications": {
            "accessType": access,
            "targets": [{"target": "AllApplications", "targetType": "application"}],
        },
    }


def init_policies(tenant: Tenant) -> None:
    """The service defaults a new tenant starts with (nothing allowed across clouds, no partners)."""
    tenant.cross_tenant_policy = {
        "id": "crossTenantAccessPolicy",
        "displayName": "CrossTenantAccessPolicy",
        "definition": [],
        "allowedCloudEndpoints": [],
        "deletedDateTime": None,
    }
    tenant.cross_tenant_default = {
        "isServiceDefault": True,
        "inboundTrust": {
            "isMfaAccepted": False,
            "isCompliantDeviceAccepted": False,
            "isHybridAzureADJoinedDeviceAccepted": False,
        },
        "b2bCollaborationOutbound": _b2b_setting("allowed"),
        "b2bCollaborationInbound": _b2b_setting("allowed"),
        "b2bDirectConnectOutbound": _b2b_setting("blocked"),
        "b2bDirectConnectInbound": _b2b_setting("blocked"),
        "tenantRestrictions": None,
        "automaticUserConsentSettings": {"inboundAllowed": False, "outboundAllowed": False},
        "invitationRedemptionIdentityProviderConfiguration": None,
    }
    tenant.partners = {}
    tenant.identity_sync = {}


def new_partner(tenant_id: str) -> dict[str, Any]:
    """A freshly created partner configuration: every setting null (inherits the default)."""
    return {
        "tenantId": tenant_id,
        "isServiceProvider": None,
        "isInMultiTenantOrganization": False,
        "inboundTrust": None,
        "b2bCollaborationOutbound": None,
        "b2bCollaborationInbound": None,
        "b2bDirectConnectOutbound": None,
        "b2bDirectConnectInbound": None,
        "tenantRestrictions": None,
        "automaticUserConsentSettings": {"inboundAllowed": None, "outboundAllowed": None},
        "crossCloudMeetingConfiguration": {"inboundAllowed": None, "outboundAllowed": None},
        "protectedContentSharing": {"inboundAllowed": None, "outboundAllowed": None},
    }
