"""Graph access tokens: what is minted, which scopes are accepted, and how Graph validates them."""

from __future__ import annotations

import os
import stat
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import jwt
import pytest

from simulator.clock import Clock
from simulator.clouds import CLOUDS, Authority, Cloud
from simulator.directory.tenant import AppCredential, Tenant
from simulator.identity import tokens as tokens_module
from simulator.identity.keys import SigningKeys
from simulator.identity.tokens import (
    StsError,
    TokenService,
    resolve_resource,
    resource_of_scope,
    validate_graph_token,
)
from simulator.wire.errors import GraphError

if TYPE_CHECKING:
    from conftest import LoginWorld


def make_tenant(
    cloud: Cloud, flavor: str | None = None, roles: list[str] | None = None
) -> tuple[Tenant, AppCredential]:
    tenant = Tenant(
        str(uuid.uuid4()),
        cloud,
        flavor or cloud.value,
        f"T {cloud}",
        f"t{uuid.uuid4().hex[:8]}.example",
        datetime.now(UTC),
    )
    app = AppCredential(
        str(uuid.uuid4()),
        "sync app",
        ["s"],
        ["User.ReadWrite.All"] if roles is None else roles,
        str(uuid.uuid4()),
        str(uuid.uuid4()),
    )
    tenant.apps[app.client_id] = app
    return tenant, app


@pytest.fixture
def clock() -> Clock:
    """A virtual clock of the test's own, so moving it never disturbs other tests."""
    return Clock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def service(login_world: LoginWorld, clock: Clock) -> TokenService:
    # Signing keys are shared (RSA generation is the slow part); the clock is not.
    return TokenService(login_world.keys, clock)


def bearer(token: str) -> str:
    return f"Bearer {token}"


def refusal(service: TokenService, header: str | None, cloud: Cloud) -> GraphError:
    with pytest.raises(GraphError) as info:
        service.validate(header, cloud)
    assert info.value.status == 401 and info.value.code == "InvalidAuthenticationToken"
    return info.value


# -- minting --------------------------------------------------------------------------------


def test_minted_token_is_a_v1_app_token_signed_by_the_clouds_authority(
    service: TokenService, clock: Clock
) -> None:
    tenant, app = make_tenant(Cloud.GCCH)
    issued = service.issue(tenant, app, certificate=False)
    header = jwt.get_unverified_header(issued.access_token)
    key = service.keys.for_authority(Authority.USGOV)
    assert header["alg"] == "RS256" and header["kid"] == key.kid and header["x5t"] == key.kid
    claims = jwt.decode(
        issued.access_token, key.public_key, algorithms=["RS256"], audience="https://graph.microsoft.us"
    )
    now = int(clock.timestamp())
    assert claims["iss"] == f"https://login.microsoftonline.us/{tenant.id}/"
    assert (claims["iat"], claims["nbf"], claims["exp"]) == (now, now, now + 3599)
    assert claims["tid"] == tenant.id and claims["appid"] == app.client_id and claims["appidacr"] == "1"
    assert claims["oid"] == claims["sub"] == app.sp_id
    assert claims["roles"] == ["User.ReadWrite.All"]
    assert claims["idtyp"] == "app" and claims["ver"] == "1.0" and claims["uti"]
    assert issued.expires_in == 3599 and issued.resource == "https://graph.microsoft.us"


def test_certificate_sign_in_sets_appidacr_2_and_roles_are_omitted_when_none(service: TokenService) -> None:
    tenant, app = make_tenant(Cloud.CHINA, roles=[])
    claims = jwt.decode(
        service.issue(tenant, app, certificate=True).access_token, options={"verify_signature": False}
    )
    assert claims["appidacr"] == "2" and "roles" not in claims
    assert claims["iss"] == f"https://sts.chinacloudapi.cn/{tenant.id}/"


# -- validation ---------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", list(Cloud))
def test_token_validates_at_its_own_clouds_graph(service: TokenService, cloud: Cloud) -> None:
    tenant, app = make_tenant(cloud)
    caller = service.validate(bearer(service.issue(tenant, app, certificate=False).access_token), cloud)
    assert caller.tenant_id == tenant.id and caller.app_id == app.client_id and caller.sp_id == app.sp_id
    assert caller.roles == frozenset({"User.ReadWrite.All"})


@pytest.mark.parametrize(
    ("minted", "sent_to", "message"),
    [
        (Cloud.GCCH, Cloud.COMMERCIAL, "Access token validation failure. Invalid signature."),
        (Cloud.COMMERCIAL, Cloud.CHINA, "Access token validation failure. Invalid signature."),
        # Same authority, same keys and issuer: only the audience tells GCC High and DoD apart.
        (Cloud.GCCH, Cloud.DOD, "Access token validation failure. Invalid audience."),
        (Cloud.DOD, Cloud.GCCH, "Access token validation failure. Invalid audience."),
    ],
)
def test_token_of_another_cloud_is_refused(
    service: TokenService, minted: Cloud, sent_to: Cloud, message: str
) -> None:
    tenant, app = make_tenant(minted)
    token = service.issue(tenant, app, certificate=False).access_token
    assert refusal(service, bearer(token), sent_to).message == message
    # A fresh key set has no memo: the refusal does not depend on the mint-time shortcut.
    assert refusal(TokenService(service.keys, service.clock), bearer(token), sent_to).message == message


def _forge(service: TokenService, **changes: object) -> str:
    """A token signed with the commercial authority's real key but with some claims changed."""
    tenant, app = make_tenant(Cloud.COMMERCIAL)
    claims = jwt.decode(
        service.issue(tenant, app, certificate=False).access_token, options={"verify_signature": False}
    )
    claims.update(changes)
    key = service.keys.for_authority(Authority.GLOBAL)
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid, "x5t": key.kid})


def test_wrong_audience_and_wrong_issuer_are_refused(service: TokenService) -> None:
    assert refusal(
        service, bearer(_forge(service, aud="https://management.azure.com")), Cloud.COMMERCIAL
    ).message == ("Access token validation failure. Invalid audience.")
    assert refusal(
        service, bearer(_forge(service, iss="https://login.microsoftonline.us/x/")), Cloud.COMMERCIAL
    ).message == ("Access token validation failure. Invalid issuer.")


def test_expired_token_is_refused_even_after_it_was_validated(service: TokenService, clock: Clock) -> None:
    tenant, app = make_tenant(Cloud.COMMERCIAL)
    header = bearer(service.issue(tenant, app, certificate=False).access_token)
    service.validate(header, Cloud.COMMERCIAL)
    clock.advance(timedelta(seconds=3598))
    service.validate(header, Cloud.COMMERCIAL)
    clock.advance(timedelta(hours=2))
    assert (
        refusal(service, header, Cloud.COMMERCIAL).message
        == "Lifetime validation failed, the token is expired."
    )


def test_session_clock_set_virtual_and_advanced_expires_tokens(login_world: LoginWorld) -> None:
    clock = Clock()
    service = TokenService(login_world.keys, clock)
    tenant, app = make_tenant(Cloud.DOD)
    header = bearer(service.issue(tenant, app, certificate=False).access_token)
    clock.set_virtual()
    clock.advance(timedelta(hours=2))
    assert refusal(service, header, Cloud.DOD).message == "Lifetime validation failed, the token is expired."


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (None, "Access token is empty."),
        ("", "Access token is empty."),
        ("Bearer ", "Access token is empty."),
        ("Basic dXNlcjpwYXNz", "Access token is empty."),
        ("Bearer not-a-jwt", "Access token validation failure. Invalid token."),
        ("Bearer a.b.c", "Access token validation failure. Invalid token."),
    ],
)
def test_missing_or_malformed_token_is_refused(
    service: TokenService, header: str | None, message: str
) -> None:
    error = refusal(service, header, Cloud.COMMERCIAL)
    assert error.message == message and error.headers["WWW-Authenticate"].startswith("Bearer")


def test_tampered_or_foreign_signature_is_refused(service: TokenService) -> None:
    tenant, app = make_tenant(Cloud.COMMERCIAL)
    token = service.issue(tenant, app, certificate=False).access_token
    head, payload, signature = token.split(".")
    tampered = f"{head}.{payload}.{signature[:-4]}{'AAAA' if signature[-4:] != 'AAAA' else 'BBBB'}"
    assert refusal(service, bearer(tampered), Cloud.COMMERCIAL).message.endswith("Invalid signature.")
    stranger = SigningKeys().for_authority(Authority.GLOBAL)
    claims = jwt.decode(token, options={"verify_signature": False})
    foreign = jwt.encode(claims, stranger.private_key, algorithm="RS256", headers={"kid": stranger.kid})
    assert refusal(service, bearer(foreign), Cloud.COMMERCIAL).message.endswith("Invalid signature.")
    unsigned = jwt.encode(claims, None, algorithm="none")
    assert refusal(service, bearer(unsigned), Cloud.COMMERCIAL).message.endswith("Invalid signature.")


def test_validation_verifies_each_token_string_once(
    service: TokenService, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant, app = make_tenant(Cloud.GCCH)
    header = bearer(_forge_free_token(service, tenant, app))
    validate_graph_token(header, Cloud.GCCH, service.keys, clock)

    def no_more_decoding(*args: object, **kwargs: object) -> None:
        raise AssertionError("token decoded again")

    monkeypatch.setattr(tokens_module.jwt, "decode", no_more_decoding)
    for _ in range(1000):
        assert validate_graph_token(header, Cloud.GCCH, service.keys, clock).app_id == app.client_id


def _forge_free_token(service: TokenService, tenant: Tenant, app: AppCredential) -> str:
    """A genuine token that is not in the memo yet (as if minted by another process)."""
    token = service.issue(tenant, app, certificate=False).access_token
    service.keys.verified.pop((tenant.cloud, token), None)
    return token


# -- scope rules ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        "https://graph.microsoft.us/.default",
        "https://graph.microsoft.us//.default",
        "00000003-0000-0000-c000-000000000000/.default",
        "https://localhost/.default",
        "https://127.0.0.1/.default",
        "https://[::1]/.default",
        "http://localhost/.default",
        "https://localhost:8443/.default",
    ],
)
def test_accepted_scopes_resolve_to_the_tenants_own_graph(scope: str) -> None:
    tenant, _ = make_tenant(Cloud.GCCH)
    assert resolve_resource(tenant, resource_of_scope(scope)) == "https://graph.microsoft.us"


@pytest.mark.parametrize(
    ("scope", "code", "error"),
    [
        (None, 900144, "invalid_request"),
        ("  ", 900144, "invalid_request"),
        ("User.Read", 1002012, "invalid_scope"),
        ("https://graph.microsoft.us/User.Read", 1002012, "invalid_scope"),
        ("https://graph.microsoft.us/.default User.Read", 70011, "invalid_scope"),
        ("/.default", 70011, "invalid_scope"),
        ('weird"scope/.default', 70011, "invalid_scope"),
        ("https://graph.microsoft.com/.default", 500011, "invalid_resource"),
        ("https://dod-graph.microsoft.us/.default", 500011, "invalid_resource"),
        ("https://management.azure.com/.default", 500011, "invalid_resource"),
        ("https://localhost/evil/.default", 500011, "invalid_resource"),
    ],
)
def test_refused_scopes_get_the_entra_code(scope: str | None, code: int, error: str) -> None:
    tenant, _ = make_tenant(Cloud.GCCH)
    with pytest.raises(StsError) as info:
        resolve_resource(tenant, resource_of_scope(scope))
    assert (info.value.code, info.value.error, info.value.status) == (code, error, 400)


# -- signing keys ---------------------------------------------------------------------------


def test_signing_keys_persist_privately_and_differ_per_authority(tmp_path: Path) -> None:
    first = SigningKeys(tmp_path)
    kids = {a: first.for_authority(a).kid for a in Authority}
    assert len(set(kids.values())) == 3
    again = SigningKeys(tmp_path)
    assert {a: again.for_authority(a).kid for a in Authority} == kids
    for a in Authority:
        mode = stat.S_IMODE(os.stat(tmp_path / "keys" / f"{a.value}.pem").st_mode)
        assert mode == 0o600
    jwk = again.jwks(Authority.CHINA)["keys"][0]
    assert jwk["kty"] == "RSA" and jwk["use"] == "sig" and jwk["kid"] == jwk["x5t"] == kids[Authority.CHINA]
    assert jwk["e"] == "AQAB"


def test_every_cloud_has_graph_audience_and_issuer(service: TokenService) -> None:
    for cloud, info in CLOUDS.items():
        tenant, app = make_tenant(cloud)
        claims = jwt.decode(
            service.issue(tenant, app, certificate=False).access_token, options={"verify_signature": False}
        )
        assert claims["aud"] == f"https://{info.graph_host}"
        assert claims["tenant_region_scope"] == info.region_scope
