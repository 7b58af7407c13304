"""The documented cross-tenant synchronization setup (graph-protocol.md §6.7), done with msgraph-sdk."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from msgraph import GraphServiceClient
from msgraph.generated.application_templates.item.instantiate.instantiate_post_request_body import (
    InstantiatePostRequestBody,
)
from msgraph.generated.models.app_role_assignment import AppRoleAssignment
from msgraph.generated.models.cross_tenant_access_policy import CrossTenantAccessPolicy
from msgraph.generated.models.cross_tenant_access_policy_configuration_partner import (
    CrossTenantAccessPolicyConfigurationPartner,
)
from msgraph.generated.models.cross_tenant_identity_sync_policy_partner import (
    CrossTenantIdentitySyncPolicyPartner,
)
from msgraph.generated.models.cross_tenant_user_sync_inbound import CrossTenantUserSyncInbound
from msgraph.generated.models.inbound_outbound_policy_configuration import InboundOutboundPolicyConfiguration
from msgraph.generated.models.service_principal import ServicePrincipal
from msgraph.generated.models.synchronization_job import SynchronizationJob
from msgraph.generated.models.synchronization_secret import SynchronizationSecret
from msgraph.generated.models.synchronization_secret_key_string_value_pair import (
    SynchronizationSecretKeyStringValuePair,
)
from msgraph.generated.service_principals.item.synchronization.jobs.validate_credentials.validate_credentials_post_request_body import (
    ValidateCredentialsPostRequestBody,
)
from msgraph.generated.service_principals.item.synchronization.secrets.secrets_put_request_body import (
    SecretsPutRequestBody,
)

from tests.conftest import CLOUD_INSTANCE
from tests.simulator.provisioning.conftest import TEMPLATE


@dataclass
class Configured:
    sp_id: str
    job_id: str
    group_id: str
    rule_id: str


def _pair(key: SynchronizationSecret, value: str) -> SynchronizationSecretKeyStringValuePair:
    return SynchronizationSecretKeyStringValuePair(key=key, value=value)


async def configure_target(
    target: GraphServiceClient, source_tenant: dict[str, Any], target_tenant: dict[str, Any]
) -> None:
    policy = target.policies.cross_tenant_access_policy
    if (
        source_tenant["cloud"] != target_tenant["cloud"]
        and CLOUD_INSTANCE[source_tenant["cloud"]] != CLOUD_INSTANCE[target_tenant["cloud"]]
    ):
        await policy.patch(
            CrossTenantAccessPolicy(allowed_cloud_endpoints=[CLOUD_INSTANCE[source_tenant["cloud"]]])
        )
    await policy.partners.post(CrossTenantAccessPolicyConfigurationPartner(tenant_id=source_tenant["id"]))
    partner = policy.partners.by_cross_tenant_access_policy_configuration_partner_tenant_id(
        source_tenant["id"]
    )
    await partner.identity_synchronization.put(
        CrossTenantIdentitySyncPolicyPartner(
            user_sync_inbound=CrossTenantUserSyncInbound(is_sync_allowed=True)
        )
    )
    await partner.patch(
        CrossTenantAccessPolicyConfigurationPartner(
            automatic_user_consent_settings=InboundOutboundPolicyConfiguration(inbound_allowed=True)
        )
    )


async def configure_source(
    source: GraphServiceClient,
    source_tenant: dict[str, Any],
    target_tenant: dict[str, Any],
    *,
    cross_cloud: bool,
) -> Configured:
    policy = source.policies.cross_tenant_access_policy
    if cross_cloud:
        await policy.patch(
            CrossTenantAccessPolicy(allowed_cloud_endpoints=[CLOUD_INSTANCE[target_tenant["cloud"]]])
        )
    await policy.partners.post(CrossTenantAccessPolicyConfigurationPartner(tenant_id=target_tenant["id"]))
    await policy.partners.by_cross_tenant_access_policy_configuration_partner_tenant_id(
        target_tenant["id"]
    ).patch(
        CrossTenantAccessPolicyConfigurationPartner(
            automatic_user_consent_settings=InboundOutboundPolicyConfiguration(outbound_allowed=True)
        )
    )
    created = await source.application_templates.by_application_template_id(TEMPLATE).instantiate.post(
        InstantiatePostRequestBody(display_name=f"Sync to {target_tenant['displayName']}")
    )
    sp = created.service_principal
    if cross_cloud:  # the "across Microsoft clouds" choice (docs/fidelity.md)
        await source.service_principals.by_service_principal_id(sp.id).patch(
            ServicePrincipal(tags=[*(sp.tags or []), "CrossCloudSynchronization"])
        )
    sync = source.service_principals.by_service_principal_id(sp.id).synchronization
    credentials = [
        _pair(SynchronizationSecret.CompanyId, target_tenant["id"]),
        _pair(SynchronizationSecret.AuthenticationType, "SyncPolicy"),
    ]
    await sync.jobs.validate_credentials.post(
        ValidateCredentialsPostRequestBody(
            use_saved_credentials=False, template_id="Azure2Azure", credentials=credentials
        )
    )
    job = await sync.jobs.post(SynchronizationJob(template_id="Azure2Azure"))
    await sync.secrets.put(
        SecretsPutRequestBody(
            value=[
                *credentials,
                _pair(
                    SynchronizationSecret.SyncNotificationSettings,
                    json.dumps({"Enabled": False, "DeleteThresholdEnabled": False}),
                ),
                _pair(SynchronizationSecret.SyncAll, "false"),
            ]
        )
    )
    groups = await source.groups.get()
    group = next(g for g in groups.value if g.display_name == "Cross-cloud sync users")
    await source.service_principals.by_service_principal_id(sp.id).app_role_assigned_to.post(
        AppRoleAssignment(principal_id=group.id, resource_id=sp.id, app_role_id=sp.app_roles[0].id)
    )
    schema = await sync.jobs.by_synchronization_job_id(job.id).schema.get()
    rule = next(r for r in schema.synchronization_rules if r.name == "USER_INBOUND_USER")
    await sync.jobs.by_synchronization_job_id(job.id).start.post()
    return Configured(sp.id, job.id, group.id, rule.id)
