"""Real clients on the simulator clock: each trap shown with the plain client, then the kit's fix.

Every test here takes well under 2 s of wall time although it waits minutes or hours of simulator time
(figures in docs/testing.md); the assertions only require a fraction of the simulated wait, so a busy
machine cannot make them flaky.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
import pytest
from kiota_authentication_azure.azure_identity_authentication_provider import (
    AzureIdentityAuthenticationProvider,
)
from kiota_http.middleware.options import RetryHandlerOption
from msgraph import GraphRequestAdapter, GraphServiceClient
from msgraph.generated.models.o_data_errors.o_data_error import ODataError
from msgraph_core import GraphClientFactory

from simulator.testing import CCSync, SimulatorClockTransport, ssl_context
from simulator.testing.clients import acquire, credential, msal_app

pytestmark = pytest.mark.ccsync(clock="2026-01-01T00:00:00Z")


def _users_status(ccsync: CCSync, token: str) -> int:
    tenant = ccsync.tenant("gcch")
    root = ccsync.endpoints["clouds"]["gcch"]["graph"]
    resp = httpx.get(
        f"{root}/v1.0/users",
        params={"$top": "1"},
        headers={"Authorization": f"Bearer {token}"},
        verify=ssl_context(ccsync.endpoints),
    )
    assert tenant  # the tenant the token is for
    return resp.status_code


def test_plain_msal_hands_back_an_expired_token_after_a_clock_jump(ccsync: CCSync) -> None:
    doc, tenant = ccsync.endpoints, ccsync.tenant("gcch")
    plain = msal_app(doc, tenant, ccsync.app(tenant))  # msal's own cache: wall clock
    scope = doc["clouds"]["gcch"]["scope"]
    first = acquire(plain, scope)
    ccsync.advance("PT2H")

    again = acquire(plain, scope)

    assert again == first  # the trap: msal still believes the token is fresh
    assert _users_status(ccsync, again) == 401


def test_kit_msal_gets_a_new_token_when_the_simulator_clock_passes_expiry(ccsync: CCSync) -> None:
    tenant = ccsync.tenant("gcch")
    cca = ccsync.msal_app(tenant)
    scope = ccsync.endpoints["clouds"]["gcch"]["scope"]
    first = acquire(cca, scope)
    assert acquire(cca, scope) == first  # still cached while valid in simulator time
    ccsync.advance("PT2H")

    again = acquire(cca, scope)

    assert again != first
    assert _users_status(ccsync, again) == 200


def test_azure_identity_credential_follows_the_simulator_clock(ccsync: CCSync) -> None:
    tenant = ccsync.tenant("commercial")
    scope = ccsync.endpoints["clouds"]["commercial"]["scope"]
    plain = credential(ccsync.endpoints, tenant, ccsync.app(tenant))
    kit = ccsync.credential(tenant)
    stale, first = plain.get_token(scope).token, kit.get_token(scope).token
    ccsync.advance("PT3H")

    assert plain.get_token(scope).token == stale  # the trap, in azure-identity too
    assert kit.get_token(scope).token != first


def test_sdk_retry_handler_on_the_simulator_clock_honours_retry_after_in_no_wall_time(
    ccsync: CCSync,
) -> None:
    tenant = ccsync.tenant("gcch")
    client = ccsync.graph_client(tenant)
    took: dict[str, Any] = {}

    async def scenario() -> Any:
        await client.organization.get()  # warm up: the SDK imports its models on first use
        ccsync.fault("GET", "/organization", 429, count=3, retry_after=40)
        took.update(clock=ccsync.clock.now(), wall=time.monotonic())
        org = await client.organization.get()
        took["wall"] = time.monotonic() - took["wall"]
        return org

    org = asyncio.run(scenario())

    assert took["wall"] < 30  # 120 s waited in simulator time, not on the wall clock
    assert org.value[0].id == tenant["id"]
    assert (ccsync.clock.now() - took["clock"]).total_seconds() >= 120
    assert ccsync.stats()["totals"]["retry_after_violations"] == 0


def test_default_sdk_retry_handler_retries_too_early_on_a_virtual_clock(ccsync: CCSync) -> None:
    tenant = ccsync.tenant("gcch")
    doc, app = ccsync.endpoints, ccsync.app(tenant)
    cloud = doc["clouds"]["gcch"]
    # Kiota's own RetryHandler, limited to one retry of a one-second Retry-After to spend little wall time
    http = GraphClientFactory.create_with_default_middleware(
        client=httpx.AsyncClient(verify=ssl_context(doc)),
        options={RetryHandlerOption.get_key(): RetryHandlerOption(max_retries=1)},
    )
    adapter = GraphRequestAdapter(
        AzureIdentityAuthenticationProvider(credential(doc, tenant, app), scopes=[cloud["scope"]]),
        client=http,
    )
    adapter.base_url = f"{cloud['graph']}/v1.0"
    plain = GraphServiceClient(request_adapter=adapter)
    ccsync.fault("GET", "/organization", 429, count=1, retry_after=1)

    with pytest.raises(ODataError) as raised:
        asyncio.run(plain.organization.get())

    assert raised.value.response_status_code == 429  # the retry came too early in simulator time
    assert ccsync.stats()["totals"]["retry_after_violations"] >= 1


def test_httpx_transport_sleeps_retry_after_on_the_simulator_clock(ccsync: CCSync) -> None:
    tenant = ccsync.tenant("dod")
    ccsync.fault("GET", "/users", 429, count=2, retry_after=90)
    before, wall = ccsync.clock.now(), time.monotonic()

    with ccsync.http(tenant) as graph:
        resp = graph.get("/users", params={"$top": "1"})

    assert time.monotonic() - wall < 45  # 180 s waited in simulator time, not on the wall clock
    assert resp.status_code == 200
    assert (ccsync.clock.now() - before).total_seconds() >= 180
    assert ccsync.stats()["totals"]["retry_after_violations"] == 0


def test_transport_gives_back_the_last_429_after_its_retries(ccsync: CCSync) -> None:
    tenant = ccsync.tenant("dod")
    ccsync.fault("GET", "/users", 429, count=5, retry_after=10)
    transport = SimulatorClockTransport(ccsync.clock, verify=ssl_context(ccsync.endpoints), max_retries=2)
    token = ccsync.token(tenant)
    root = ccsync.endpoints["clouds"]["dod"]["graph"]

    with httpx.Client(transport=transport, headers={"Authorization": f"Bearer {token}"}) as http:
        resp = http.get(f"{root}/v1.0/users")

    assert resp.status_code == 429
    assert resp.json()["error"]["code"]


def test_kit_sleep_moves_a_virtual_clock_without_waiting(ccsync: CCSync) -> None:
    before, wall = ccsync.clock.now(), time.monotonic()

    ccsync.sleep(3600)

    assert time.monotonic() - wall < 60
    assert (ccsync.clock.now() - before).total_seconds() == 3600
