"""Configure cross-cloud synchronization Contoso (commercial) → Contoso Government (GCC High) on a
running simulator with msgraph-sdk, move the simulator clock, and read the provisioning logs.

    ccsync up &                     # the default world
    python examples/cross_cloud_with_msgraph_sdk.py .ccsync/endpoints.json
"""

import asyncio
import json
import ssl
import sys

import httpx
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.application_templates.item.instantiate.instantiate_post_request_body import (
    InstantiatePostRequestBody,
)
from msgraph.generated.audit_logs.provisioning.provisioning_request_builder import ProvisioningRequestBuilder
from msgraph.generated.models.app_role_assignment import AppRoleAssignment
from msgraph.generated.models.cross_tenant_access_policy import CrossTenantAccessPolicy
from msgraph.generated.models.cross_tenant_access_policy_configuration_partner import (
    CrossTenantAccessPolicyConfigurationPartner as Partner,
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
    SynchronizationSecretKeyStringValuePair as Secret,
)
from msgraph.generated.service_principals.item.synchronization.secrets.secrets_put_request_body import (
    SecretsPutRequestBody,
)
from msgraph_core import GraphClientFactory

doc = json.load(open(sys.argv[1] if len(sys.argv) > 1 else ".ccsync/endpoints.json"))


def client(flavor: str) -> tuple[GraphServiceClient, dict]:
    tenant = next(t for t in doc["tenants"] if t["flavor"] == flavor)
    app = next(a for a in tenant["apps"] if "Policy.ReadWrite.CrossTenantAccess" in a["permissions"])
    cloud = doc["clouds"][tenant["cloud"]]
    credential = ClientSecretCredential(
        tenant["id"], app["clientId"], app["clientSecret"], authority=cloud["login"],
        disable_instance_discovery=True, connection_verify=doc["ca_bundle"],
    )  # fmt: skip
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=ssl.create_default_context(cafile=doc["ca_bundle"]))
    )
    adapter = GraphRequestAdapter(
        AzureIdentityAuthenticationProvider(credential, scopes=[cloud["scope"]]), client=http
    )
    adapter.base_url = f"{cloud['graph']}/v1.0"
    return GraphServiceClient(request_adapter=adapter), tenant


async def main() -> None:
    # a virtual clock: cycles run when it is advanced, not on their own
    httpx.post(f"{doc['control']}/_simulator/clock", json={"mode": "virtual"})
    source, src = client("commercial")
    target, tgt = client("gcch")
    # target: allow sync from the commercial cloud and from this tenant, with automatic redemption
    await target.policies.cross_tenant_access_policy.patch(
        CrossTenantAccessPolicy(allowed_cloud_endpoints=["microsoftonline.com"])
    )
    await target.policies.cross_tenant_access_policy.partners.post(Partner(tenant_id=src["id"]))
    partner = target.policies.cross_tenant_access_policy.partners.by_cross_tenant_access_policy_configuration_partner_tenant_id(
        src["id"]
    )
    await partner.identity_synchronization.put(
        CrossTenantIdentitySyncPolicyPartner(
            user_sync_inbound=CrossTenantUserSyncInbound(is_sync_allowed=True)
        )
    )
    await partner.patch(
        Partner(automatic_user_consent_settings=InboundOutboundPolicyConfiguration(inbound_allowed=True))
    )
    # source: allow the US Government cloud and the target tenant, with automatic redemption
    await source.policies.cross_tenant_access_policy.patch(
        CrossTenantAccessPolicy(allowed_cloud_endpoints=["microsoftonline.us"])
    )
    await source.policies.cross_tenant_access_policy.partners.post(Partner(tenant_id=tgt["id"]))
    await source.policies.cross_tenant_access_policy.partners.by_cross_tenant_access_policy_configuration_partner_tenant_id(
        tgt["id"]
    ).patch(
        Partner(automatic_user_consent_settings=InboundOutboundPolicyConfiguration(outbound_allowed=True))
    )
    # source: the configuration ("across Microsoft clouds"), its job, credentials, scope, start
    created = await source.application_templates.by_application_template_id(
        "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
    ).instantiate.post(InstantiatePostRequestBody(display_name="Contoso to Contoso Government"))
    sp = created.service_principal
    await source.service_principals.by_service_principal_id(sp.id).patch(
        ServicePrincipal(tags=[*sp.tags, "CrossCloudSynchronization"])
    )
    sync = source.service_principals.by_service_principal_id(sp.id).synchronization
    job = await sync.jobs.post(SynchronizationJob(template_id="Azure2Azure"))
    await sync.secrets.put(SecretsPutRequestBody(value=[
        Secret(key=SynchronizationSecret.CompanyId, value=tgt["id"]),
        Secret(key=SynchronizationSecret.AuthenticationType, value="SyncPolicy"),
        Secret(key=SynchronizationSecret.SyncAll, value="false"),
    ]))  # fmt: skip
    group = next(g for g in (await source.groups.get()).value if g.display_name == "Cross-cloud sync users")
    await source.service_principals.by_service_principal_id(sp.id).app_role_assigned_to.post(
        AppRoleAssignment(principal_id=group.id, resource_id=sp.id, app_role_id=sp.app_roles[0].id)
    )
    await sync.jobs.by_synchronization_job_id(job.id).start.post()
    # forward on the simulator's (virtual) clock: the first cycle runs
    print(httpx.post(f"{doc['control']}/_simulator/clock/advance", json={"by": "PT1M"}).json())
    # the provisioning logs of this configuration, with the documented filter
    query = ProvisioningRequestBuilder.ProvisioningRequestBuilderGetQueryParameters(
        filter=f"contains(tolower(servicePrincipal/id), '{sp.id}') and provisioningAction eq 'create'",
        top=500,
        orderby=["activityDateTime desc"],
    )
    logs = await source.audit_logs.provisioning.get(
        request_configuration=RequestConfiguration(query_parameters=query)
    )
    for record in logs.value[:10]:
        print(
            record.provisioning_action.value,
            record.provisioning_status_info.status.value,
            record.source_identity.display_name,
        )
    print(f"{len(logs.value)} provisioning log records")


asyncio.run(main())
