"""Real clients for a simulator tenant: an msal app, a token, an httpx client, azure-identity, msgraph-sdk.

Each trusts the simulator's CA explicitly (never through ``REQUESTS_CA_BUNDLE``), talks to the cloud's
local login authority and Graph root, and, given a :class:`SimulatorClock`, keeps its token cache and
its retries on the simulator clock.
"""

from __future__ import annotations

import ssl
from collections.abc import Generator
from typing import Any

import httpx
import msal
import requests

from simulator.testing.clock import SimulatorClock, SimulatorClockTokenCache, SimulatorClockTransport

Doc = dict[str, Any]


def ssl_context(doc: Doc) -> ssl.SSLContext:
    """A TLS context that trusts the simulator's CA (httpx's non-deprecated ``verify=`` form)."""
    return ssl.create_default_context(cafile=doc["ca_bundle"])


def ca_session(doc: Doc) -> requests.Session:
    """A requests session trusting the simulator's CA; ``trust_env`` off so ``REQUESTS_CA_BUNDLE``
    (which requests lets override ``session.verify``) cannot replace it."""
    session = requests.Session()
    session.trust_env = False
    session.verify = doc["ca_bundle"]
    return session


def msal_app(
    doc: Doc, tenant: Doc, app: Doc, clock: SimulatorClock | None = None
) -> msal.ConfidentialClientApplication:
    """An msal confidential client for ``app`` of ``tenant``; with ``clock``, its cache runs on it."""
    cloud = doc["clouds"][tenant["cloud"]]
    kwargs: dict[str, Any] = {}
    if clock is not None:
        kwargs["token_cache"] = SimulatorClockTokenCache(clock)
    return msal.ConfidentialClientApplication(
        app["clientId"],
        client_credential=app["clientSecret"],
        authority=f"{cloud['login']}/{tenant['id']}",
        instance_discovery=False,
        http_client=ca_session(doc),
        **kwargs,
    )


class TokenError(RuntimeError):
    """The login endpoint refused to issue a token; the message is Entra's (no secret in it)."""


def acquire(cca: msal.ConfidentialClientApplication, scope: str) -> str:
    """An app-only access token (from msal's cache while it is valid)."""
    result = cca.acquire_token_for_client(scopes=[scope])
    if "access_token" not in result:
        raise TokenError(f"{result.get('error')}: {result.get('error_description')}")
    return result["access_token"]


class MsalAuth(httpx.Auth):
    """httpx authentication that asks msal for a token on every request (msal's cache decides reuse)."""

    def __init__(self, cca: msal.ConfidentialClientApplication, scope: str) -> None:
        self._cca, self._scope = cca, scope

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {acquire(self._cca, self._scope)}"
        yield request


def graph_httpx(
    doc: Doc,
    tenant: Doc,
    app: Doc,
    clock: SimulatorClock | None = None,
    *,
    version: str = "v1.0",
    transport: httpx.BaseTransport | None = None,
) -> httpx.Client:
    """An ``httpx.Client`` on the tenant's Graph root (``base_url`` ends in ``/v1.0``), authenticated.

    With ``clock``: tokens expire by the simulator clock, and 429/503/504 are retried after
    ``Retry-After`` slept on it (pass ``transport`` to choose another).
    """
    cloud = doc["clouds"][tenant["cloud"]]
    ctx = ssl_context(doc)
    if transport is None and clock is not None:
        transport = SimulatorClockTransport(clock, verify=ctx)
    return httpx.Client(
        base_url=f"{cloud['graph']}/{version}",
        verify=ctx,
        transport=transport,
        auth=MsalAuth(msal_app(doc, tenant, app, clock), cloud["scope"]),
        timeout=60,
        trust_env=False,
    )


def credential(doc: Doc, tenant: Doc, app: Doc, clock: SimulatorClock | None = None) -> Any:
    """An azure-identity ``ClientSecretCredential`` for the simulator; with ``clock``, its cache runs on it.

    azure-identity keeps its tokens in an msal cache; ``_cache`` / ``_cae_cache`` are the keywords it
    reads to take a caller's cache (the CAE one is used by msgraph-sdk, which asks for CAE tokens).
    """
    from azure.identity import ClientSecretCredential

    cloud = doc["clouds"][tenant["cloud"]]
    caches: dict[str, Any] = {}
    if clock is not None:
        caches = {"_cache": SimulatorClockTokenCache(clock), "_cae_cache": SimulatorClockTokenCache(clock)}
    return ClientSecretCredential(
        tenant["id"],
        app["clientId"],
        app["clientSecret"],
        authority=cloud["login"],
        disable_instance_discovery=True,
        connection_verify=doc["ca_bundle"],
        **caches,
    )


def graph_service_client(doc: Doc, tenant: Doc, app: Doc, clock: SimulatorClock | None = None) -> Any:
    """An msgraph-sdk ``GraphServiceClient`` on the tenant's Graph root.

    With ``clock``: the credential's cache runs on it, and the SDK's retry middleware is replaced by
    :class:`simulator.testing.sdk_retry.SimulatorClockRetryHandler`, which sleeps on it.
    """
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter, GraphServiceClient
    from msgraph_core import GraphClientFactory

    cloud = doc["clouds"][tenant["cloud"]]
    base = httpx.AsyncClient(verify=ssl_context(doc), timeout=60, trust_env=False)
    if clock is None:
        http = GraphClientFactory.create_with_default_middleware(client=base)
    else:
        from simulator.testing.sdk_retry import middleware_on

        http = GraphClientFactory.create_with_custom_middleware(middleware_on(clock), client=base)
    provider = AzureIdentityAuthenticationProvider(
        credential(doc, tenant, app, clock), scopes=[cloud["scope"]]
    )
    adapter = GraphRequestAdapter(provider, client=http)
    adapter.base_url = f"{cloud['graph']}/v1.0"
    return GraphServiceClient(request_adapter=adapter)
