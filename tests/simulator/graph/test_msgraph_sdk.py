"""Real azure-identity + msgraph-sdk against every Graph root of the simulator."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx
import pytest
from azure.identity import ClientSecretCredential
from kiota_abstractions.base_request_configuration import RequestConfiguration
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph.generated.models.password_profile import PasswordProfile
from msgraph.generated.models.user import User
from msgraph.generated.users.users_request_builder import UsersRequestBuilder
from msgraph_core import GraphClientFactory

from tests.conftest import app_of, reader_of, tenant_of

CLOUDS = [("commercial", "commercial"), ("commercial", "gcc"), ("gcch", None), ("dod", None), ("china", None)]


def graph_client(doc: dict[str, Any], tenant: dict[str, Any], app: dict[str, Any]) -> GraphServiceClient:
    """A GraphServiceClient exactly as a user would build it for a national cloud, pointed at the simulator."""
    cloud = doc["clouds"][tenant["cloud"]]
    credential = ClientSecretCredential(
        tenant["id"],
        app["clientId"],
        app["clientSecret"],
        authority=cloud["login"],
        disable_instance_discovery=True,
        connection_verify=doc["ca_bundle"],
    )
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=doc["ca_bundle"], timeout=30)
    )
    adapter = GraphRequestAdapter(
        AzureIdentityAuthenticationProvider(credential, scopes=[cloud["scope"]]), client=http
    )
    adapter.base_url = f"{cloud['graph']}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


@pytest.mark.parametrize(("cloud", "flavor"), CLOUDS)
def test_sdk_lists_filters_counts_and_edits_users(
    endpoints: dict[str, Any], cloud: str, flavor: str | None
) -> None:
    tenant = tenant_of(endpoints, cloud, flavor)
    client = graph_client(endpoints, tenant, app_of(tenant))

    async def scenario() -> None:
        # several pages: follow @odata.nextLink with the SDK's own with_url
        cfg = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                top=50, select=["id", "displayName", "userPrincipalName"]
            )
        )
        page = await client.users.get(request_configuration=cfg)
        ids = [u.id for u in page.value]
        pages = 1
        while page.odata_next_link:
            page = await client.users.with_url(page.odata_next_link).get()
            ids.extend(u.id for u in page.value)
            pages += 1
        assert pages >= 4
        assert len(ids) == len(set(ids))

        # $count with ConsistencyLevel
        count_cfg = RequestConfiguration()
        count_cfg.headers.add("ConsistencyLevel", "eventual")
        total = await client.users.count.get(request_configuration=count_cfg)
        assert total == len(ids)

        # startswith filter
        first = (await client.users.by_user_id(ids[0]).get()).display_name
        prefix = first[:2]
        f_cfg = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter=f"startswith(displayName,'{prefix}')", top=999
            )
        )
        matches = await client.users.get(request_configuration=f_cfg)
        assert matches.value and all(u.display_name.lower().startswith(prefix.lower()) for u in matches.value)

        # create, get, update, delete
        upn = f"sdk.{uuid.uuid4().hex[:8]}@{tenant['defaultDomain']}"
        created = await client.users.post(
            User(
                account_enabled=True,
                display_name="Sdk Person",
                mail_nickname=upn.split("@")[0].replace(".", ""),
                user_principal_name=upn,
                password_profile=PasswordProfile(
                    password="Xy!12345678", force_change_password_next_sign_in=False
                ),
            )
        )
        assert created.id and created.user_principal_name == upn
        await client.users.by_user_id(created.id).patch(User(job_title="Tester"))
        got = await client.users.by_user_id(upn).get(
            request_configuration=RequestConfiguration(
                query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                    select=["jobTitle", "userPrincipalName"]
                )
            )
        )
        assert got.job_title == "Tester"
        await client.users.by_user_id(created.id).delete()
        with pytest.raises(ODataError) as missing:
            await client.users.by_user_id(created.id).get()
        assert missing.value.response_status_code == 404
        assert missing.value.error.code == "Request_ResourceNotFound"

    asyncio.run(scenario())


@pytest.mark.parametrize(("cloud", "flavor"), CLOUDS)
def test_sdk_sees_403_for_an_app_without_write_permission(
    endpoints: dict[str, Any], cloud: str, flavor: str | None
) -> None:
    tenant = tenant_of(endpoints, cloud, flavor)
    client = graph_client(endpoints, tenant, reader_of(tenant))

    async def scenario() -> None:
        users = await client.users.get()
        assert users.value
        with pytest.raises(ODataError) as denied:
            await client.users.by_user_id(users.value[0].id).patch(User(job_title="nope"))
        assert denied.value.response_status_code == 403
        assert denied.value.error.code == "Authorization_RequestDenied"

    asyncio.run(scenario())


def test_gcch_token_is_refused_by_commercial_graph(endpoints: dict[str, Any]) -> None:
    gcch = tenant_of(endpoints, "gcch")
    commercial_root = endpoints["clouds"]["commercial"]["graph"]
    # a client configured for GCC High but pointed at the commercial Graph root
    client = graph_client(endpoints, gcch, app_of(gcch))
    client.request_adapter.base_url = f"{commercial_root}/v1.0"

    async def scenario() -> None:
        with pytest.raises(ODataError) as refused:
            await client.users.get()
        assert refused.value.response_status_code == 401
        assert refused.value.error.code == "InvalidAuthenticationToken"

    asyncio.run(scenario())
