"""The login authorities as real clients see them: msal, azure-identity and plain HTTP over TLS."""

from __future__ import annotations

import base64
import logging
import socket
import ssl
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import quote_plus

import httpx
import jwt
import msal
import pytest
import requests
from azure.identity import ClientSecretCredential

from simulator.clouds import CLOUDS, Authority, Cloud
from simulator.identity.ca import server_ssl_context
from simulator.web.server import serve

if TYPE_CHECKING:
    from conftest import ClientCertificate, LoginWorld, TenantFixture

KINDS = ["commercial", "gcc", "gcch", "dod", "china"]


def cca(world: LoginWorld, tenant: TenantFixture, http: requests.Session, *, app: int = 0, **kw: Any) -> Any:
    """A real msal confidential client for one of the tenant's apps."""
    kw.setdefault("client_credential", tenant.apps[app].secret)
    return msal.ConfidentialClientApplication(
        tenant.apps[app].client_id,
        authority=kw.pop("authority", world.authority_url(tenant)),
        instance_discovery=False,
        http_client=http,
        **kw,
    )


def claims_of(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})


def client(world: LoginWorld) -> httpx.Client:
    return httpx.Client(verify=ssl.create_default_context(cafile=str(world.tls.ca_bundle)), trust_env=False)


def token_url(world: LoginWorld, tenant: TenantFixture, *, v2: bool = True) -> str:
    return f"{world.authority_url(tenant)}/oauth2/{'v2.0/' if v2 else ''}token"


# -- success paths with real clients ------------------------------------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_msal_client_secret_gets_a_graph_token_for_the_tenants_own_cloud(
    login_world: LoginWorld, http: requests.Session, kind: str
) -> None:
    tenant = login_world.tenants[kind]
    result = cca(login_world, tenant, http).acquire_token_for_client([tenant.graph_scope])
    assert "access_token" in result, result
    assert result["token_type"] == "Bearer" and result["expires_in"] == 3599
    claims = claims_of(result["access_token"])
    info = CLOUDS[tenant.cloud]
    assert claims["aud"] == f"https://{info.graph_host}"
    assert claims["iss"] == f"https://{info.sts_host}/{tenant.id}/"
    assert claims["tid"] == tenant.id and claims["appid"] == tenant.app.client_id
    assert claims["appidacr"] == "1" and claims["roles"] == ["User.ReadWrite.All"]
    caller = login_world.tokens.validate(f"Bearer {result['access_token']}", tenant.cloud)
    assert caller.tenant_id == tenant.id and caller.sp_id == tenant.app.sp_id


@pytest.mark.parametrize("kind", KINDS)
def test_azure_identity_client_secret_credential_gets_a_token(login_world: LoginWorld, kind: str) -> None:
    tenant = login_world.tenants[kind]
    credential = ClientSecretCredential(
        tenant.id,
        tenant.apps[1].client_id,
        tenant.apps[1].secret,
        authority=login_world.login_url(tenant.authority),
        disable_instance_discovery=True,
        connection_verify=str(login_world.tls.ca_bundle),
    )
    token = credential.get_token(tenant.graph_scope)
    caller = login_world.tokens.validate(f"Bearer {token.token}", tenant.cloud)
    assert caller.app_id == tenant.apps[1].client_id
    assert token.expires_on > login_world.tokens.clock.timestamp() + 3000


def test_msal_accepts_a_verified_domain_as_the_tenant(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["gcch"]
    app = cca(login_world, tenant, http, authority=login_world.authority_url(tenant, by_domain=True))
    result = app.acquire_token_for_client([tenant.graph_scope])
    assert claims_of(result["access_token"])["tid"] == tenant.id


def test_msal_verify_parameter_works_when_requests_ca_bundle_is_unset(
    login_world: LoginWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    # requests prefers REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE over msal's verify= (graph-protocol.md 2.8).
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    tenant = login_world.tenants["commercial"]
    app = msal.ConfidentialClientApplication(
        tenant.apps[2].client_id,
        client_credential=tenant.apps[2].secret,
        authority=login_world.authority_url(tenant),
        instance_discovery=False,
        verify=str(login_world.tls.ca_bundle),
    )
    assert "access_token" in app.acquire_token_for_client([tenant.graph_scope])


def test_msal_certificate_with_sha1_thumbprint_signs_in(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["commercial"]
    cert = login_world.certificate
    credential = {"private_key": cert.private_key_pem, "thumbprint": cert.sha1_hex}
    result = cca(login_world, tenant, http, app=3, client_credential=credential).acquire_token_for_client(
        [tenant.graph_scope]
    )
    assert "access_token" in result, result
    assert claims_of(result["access_token"])["appidacr"] == "2"


def test_msal_certificate_with_public_certificate_signs_in_with_ps256(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["gcch"]
    cert = login_world.certificate
    credential = {"private_key": cert.private_key_pem, "public_certificate": cert.certificate_pem}
    result = cca(login_world, tenant, http, app=3, client_credential=credential).acquire_token_for_client(
        [tenant.graph_scope]
    )
    assert "access_token" in result, result
    assert (
        login_world.tokens.validate(f"Bearer {result['access_token']}", Cloud.GCCH).app_id
        == tenant.apps[3].client_id
    )


def test_local_alias_scopes_give_a_token_for_the_tenants_own_graph(login_world: LoginWorld) -> None:
    tenant = login_world.tenants["dod"]
    with client(login_world) as c:
        for scope in (
            "https://localhost/.default",
            "https://127.0.0.1/.default",
            "https://[::1]/.default",
            "00000003-0000-0000-c000-000000000000/.default",
            "https://dod-graph.microsoft.us//.default",
        ):
            form = {"grant_type": "client_credentials", "client_id": tenant.app.client_id}
            r = c.post(
                token_url(login_world, tenant),
                data={**form, "client_secret": tenant.app.secret, "scope": scope},
            )
            assert r.status_code == 200, (scope, r.text)
            assert claims_of(r.json()["access_token"])["aud"] == "https://dod-graph.microsoft.us"


def test_http_basic_client_authentication_is_accepted(login_world: LoginWorld) -> None:
    tenant = login_world.tenants["china"]
    app = tenant.apps[4]
    basic = base64.b64encode(f"{quote_plus(app.client_id)}:{quote_plus(app.secret)}".encode()).decode()
    with client(login_world) as c:
        r = c.post(
            token_url(login_world, tenant),
            data={"grant_type": "client_credentials", "scope": tenant.graph_scope},
            headers={"Authorization": f"Basic {basic}"},
        )
        wrong = base64.b64encode(f"{app.client_id}:nope".encode()).decode()
        bad = c.post(
            token_url(login_world, tenant),
            data={"grant_type": "client_credentials", "scope": tenant.graph_scope},
            headers={"Authorization": f"Basic {wrong}"},
        )
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store, no-cache" and r.headers["pragma"] == "no-cache"
    assert r.headers["x-ms-request-id"]
    assert r.json()["ext_expires_in"] == 3599
    assert bad.status_code == 401 and bad.json()["error_codes"] == [7000215]


def test_v1_token_endpoint_takes_a_resource(login_world: LoginWorld) -> None:
    tenant = login_world.tenants["gcc"]
    with client(login_world) as c:
        r = c.post(
            token_url(login_world, tenant, v2=False),
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.app.client_id,
                "client_secret": tenant.app.secret,
                "resource": "https://graph.microsoft.com/",
            },
        )
    body = r.json()
    assert r.status_code == 200, body
    assert body["resource"] == "https://graph.microsoft.com" and body["expires_in"] == "3599"
    assert (
        login_world.tokens.validate(f"Bearer {body['access_token']}", Cloud.COMMERCIAL).tenant_id == tenant.id
    )


# -- refusals -------------------------------------------------------------------------------


def test_bad_secret_is_invalid_client_7000215_without_echoing_the_secret(
    login_world: LoginWorld, http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tenant = login_world.tenants["commercial"]
    wrong = f"wrong-{uuid.uuid4().hex}"
    result = cca(login_world, tenant, http, app=5, client_credential=wrong).acquire_token_for_client(
        [tenant.graph_scope]
    )
    assert result["error"] == "invalid_client"
    assert 7000215 in result["error_codes"]
    description = result["error_description"]
    assert description.startswith("AADSTS7000215: ")
    assert (
        f"\r\nTrace ID: {result['trace_id']}\r\nCorrelation ID: {result['correlation_id']}\r\nTimestamp: "
        in description
    )
    assert result["error_uri"] == "https://login.microsoftonline.com/error?code=7000215"
    assert wrong not in str(result) and wrong not in caplog.text
    assert tenant.apps[5].secret not in caplog.text


def test_successful_sign_in_logs_neither_secret_nor_token(
    login_world: LoginWorld, http: requests.Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    tenant = login_world.tenants["gcc"]
    result = cca(login_world, tenant, http, app=5).acquire_token_for_client([tenant.graph_scope])
    assert "access_token" in result
    assert tenant.apps[5].secret not in caplog.text and result["access_token"] not in caplog.text


def test_error_correlation_id_echoes_client_request_id(login_world: LoginWorld) -> None:
    tenant = login_world.tenants["commercial"]
    request_id = str(uuid.uuid4())
    with client(login_world) as c:
        r = c.post(
            token_url(login_world, tenant),
            data={
                "grant_type": "client_credentials",
                "client_id": tenant.app.client_id,
                "scope": tenant.graph_scope,
            },
            headers={"client-request-id": request_id},
        )
    body = r.json()
    assert r.status_code == 401 and body["error_codes"] == [7000218]
    assert body["correlation_id"] == request_id
    assert set(body) == {
        "error",
        "error_description",
        "error_codes",
        "timestamp",
        "trace_id",
        "correlation_id",
        "error_uri",
    }


@pytest.mark.parametrize(
    ("kind", "authority"),
    [
        ("china", Authority.GLOBAL),  # the docs describe global discovery for US Government tenants only
        ("commercial", Authority.USGOV),
        ("dod", Authority.CHINA),
    ],
)
def test_msal_refuses_a_tenant_of_another_cloud_from_the_constructor(
    login_world: LoginWorld, http: requests.Session, kind: str, authority: Authority
) -> None:
    tenant = login_world.tenants[kind]
    with pytest.raises(ValueError):
        cca(login_world, tenant, http, authority=f"{login_world.login_url(authority)}/{tenant.id}")


def test_msal_refuses_an_unknown_tenant_from_the_constructor(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["commercial"]
    with pytest.raises(ValueError):
        cca(login_world, tenant, http, authority=f"{login_world.login_url(Authority.GLOBAL)}/{uuid.uuid4()}")
    r = http.get(
        f"{login_world.login_url(Authority.GLOBAL)}/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration"
    )
    body = r.json()
    assert r.status_code == 400 and body["error"] == "invalid_tenant" and body["error_codes"] == [90002]
    assert body["error_description"].startswith(
        "AADSTS90002: Tenant 'nosuch.onmicrosoft.com' not found. Check to make sure you have the correct tenant ID"
    )


def test_scope_of_another_clouds_graph_is_invalid_resource_500011(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["gcc"]
    result = cca(login_world, tenant, http, app=6).acquire_token_for_client(
        ["https://graph.microsoft.us/.default"]
    )
    assert result["error"] == "invalid_resource" and result["error_codes"] == [500011]


def test_scope_without_default_is_invalid_scope_1002012(
    login_world: LoginWorld, http: requests.Session
) -> None:
    tenant = login_world.tenants["dod"]
    result = cca(login_world, tenant, http, app=6).acquire_token_for_client(["User.Read"])
    assert result["error"] == "invalid_scope" and result["error_codes"] == [1002012]


def test_unknown_app_is_unauthorized_client_700016(login_world: LoginWorld, http: requests.Session) -> None:
    tenant = login_world.tenants["china"]
    app = msal.ConfidentialClientApplication(
        str(uuid.uuid4()),
        client_credential="whatever",
        authority=login_world.authority_url(tenant),
        instance_discovery=False,
        http_client=http,
    )
    result = app.acquire_token_for_client([tenant.graph_scope])
    assert result["error"] == "unauthorized_client" and result["error_codes"] == [700016]


def test_certificate_not_registered_is_refused_700027(
    login_world: LoginWorld, http: requests.Session, unregistered_certificate: ClientCertificate
) -> None:
    tenant = login_world.tenants["dod"]
    other = unregistered_certificate
    credential = {"private_key": other.private_key_pem, "thumbprint": other.sha1_hex}
    result = cca(login_world, tenant, http, app=7, client_credential=credential).acquire_token_for_client(
        [tenant.graph_scope]
    )
    assert result["error"] == "invalid_client" and result["error_codes"] == [700027]


@pytest.mark.parametrize(
    ("form", "status", "error", "code"),
    [
        ({"client_id": "x", "scope": "https://graph.microsoft.com/.default"}, 400, "invalid_request", 900144),
        ({"grant_type": "password", "client_id": "x"}, 400, "unsupported_grant_type", 70003),
        (
            {"grant_type": "client_credentials", "scope": "https://graph.microsoft.com/.default"},
            400,
            "invalid_request",
            900144,
        ),
        ({"grant_type": "client_credentials", "client_id": "x"}, 400, "invalid_request", 900144),
        (
            {"grant_type": "client_credentials", "client_id": "x", "scope": 'bad"scope'},
            400,
            "invalid_scope",
            70011,
        ),
    ],
)
def test_malformed_token_requests_get_entra_errors(
    login_world: LoginWorld, form: dict[str, str], status: int, error: str, code: int
) -> None:
    tenant = login_world.tenants["commercial"]
    with client(login_world) as c:
        r = c.post(token_url(login_world, tenant), data=form)
    body = r.json()
    assert (r.status_code, body["error"], body["error_codes"]) == (status, error, [code]), body


def test_token_endpoint_refuses_unknown_tenant_common_and_get(login_world: LoginWorld) -> None:
    base = login_world.login_url(Authority.GLOBAL)
    form = {
        "grant_type": "client_credentials",
        "client_id": "x",
        "client_secret": "y",
        "scope": "https://graph.microsoft.com/.default",
    }
    with client(login_world) as c:
        unknown = c.post(f"{base}/{uuid.uuid4()}/oauth2/v2.0/token", data=form)
        common = c.post(f"{base}/common/oauth2/v2.0/token", data=form)
        get = c.get(f"{base}/{login_world.tenants['commercial'].id}/oauth2/v2.0/token")
    assert (unknown.status_code, unknown.json()["error"], unknown.json()["error_codes"]) == (
        400,
        "invalid_request",
        [90002],
    )
    assert common.status_code == 400 and common.json()["error_codes"] == [9001023]
    assert get.status_code == 400 and get.json()["error_codes"] == [900561]


# -- discovery documents --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "sub_scope"),
    [("commercial", None), ("gcc", "GCC"), ("gcch", "DODCON"), ("dod", "DOD"), ("china", None)],
)
def test_openid_configuration_names_the_tenant_and_its_cloud(
    login_world: LoginWorld, http: requests.Session, kind: str, sub_scope: str | None
) -> None:
    tenant = login_world.tenants[kind]
    base = login_world.login_url(tenant.authority)
    r = http.get(f"{base}/{tenant.domain}/v2.0/.well-known/openid-configuration")
    doc = r.json()
    assert r.status_code == 200 and r.headers["cache-control"] == "max-age=86400, private"
    assert r.headers["content-type"] == "application/json; charset=utf-8"
    assert doc["token_endpoint"] == f"{base}/{tenant.id}/oauth2/v2.0/token"
    assert doc["authorization_endpoint"] == f"{base}/{tenant.id}/oauth2/v2.0/authorize"
    assert doc["jwks_uri"] == f"{base}/{tenant.id}/discovery/v2.0/keys"
    info = CLOUDS[tenant.cloud]
    assert doc["msgraph_host"] == info.graph_host and doc["cloud_instance_name"] == info.cloud_instance
    assert doc["tenant_region_scope"] == info.region_scope
    assert doc.get("tenant_region_sub_scope") == sub_scope
    assert doc["issuer"] == f"https://{info.login_host}/{tenant.id}/v2.0"


def test_openid_configuration_v1_and_common(login_world: LoginWorld, http: requests.Session) -> None:
    tenant = login_world.tenants["commercial"]
    base = login_world.login_url(Authority.GLOBAL)
    v1 = http.get(f"{base}/{tenant.id}/.well-known/openid-configuration").json()
    assert v1["token_endpoint"] == f"{base}/{tenant.id}/oauth2/token"
    assert v1["issuer"] == f"https://sts.windows.net/{tenant.id}/"
    common = http.get(f"{base}/common/v2.0/.well-known/openid-configuration").json()
    assert common["issuer"] == "https://login.microsoftonline.com/{tenantid}/v2.0"
    assert common["token_endpoint"] == f"{base}/common/oauth2/v2.0/token"


def test_instance_discovery_points_back_at_the_local_authority(
    login_world: LoginWorld, http: requests.Session
) -> None:
    base = login_world.login_url(Authority.USGOV)
    tenant = login_world.tenants["gcch"]
    for host in (base, "https://login.microsoftonline.us"):
        r = http.get(
            f"{base}/common/discovery/instance",
            params={
                "api-version": "1.1",
                "authorization_endpoint": f"{host}/{tenant.id}/oauth2/v2.0/authorize",
            },
        )
        body = r.json()
        assert r.status_code == 200, body
        assert (
            body["tenant_discovery_endpoint"] == f"{base}/{tenant.id}/v2.0/.well-known/openid-configuration"
        )
        aliases = {m["preferred_network"]: m["aliases"] for m in body["metadata"]}
        assert aliases["login.microsoftonline.us"] == ["login.microsoftonline.us", "login.usgovcloudapi.net"]
    bad = http.get(
        f"{base}/common/discovery/instance",
        params={
            "api-version": "1.0",
            "authorization_endpoint": "https://evil.example/t/oauth2/v2.0/authorize",
        },
    )
    assert bad.json()["error"] == "invalid_instance"


def test_jwks_verifies_the_tokens_of_its_authority(login_world: LoginWorld, http: requests.Session) -> None:
    tenant = login_world.tenants["china"]
    base = login_world.login_url(Authority.CHINA)
    token = cca(login_world, tenant, http, app=2).acquire_token_for_client([tenant.graph_scope])[
        "access_token"
    ]
    for path in (f"{tenant.id}/discovery/v2.0/keys", "common/discovery/v2.0/keys", "common/discovery/keys"):
        jwks = http.get(f"{base}/{path}").json()
        assert set(jwks["keys"][0]) >= {"kty", "use", "kid", "x5t", "n", "e"}
        key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
        claims = jwt.decode(
            token, key.key, algorithms=["RS256"], audience="https://microsoftgraph.chinacloudapi.cn"
        )
        assert claims["tid"] == tenant.id
    other = http.get(f"{login_world.login_url(Authority.GLOBAL)}/common/discovery/v2.0/keys").json()
    assert other["keys"][0]["kid"] != jwt.get_unverified_header(token)["kid"]


def test_unknown_path_is_a_json_404(login_world: LoginWorld, http: requests.Session) -> None:
    r = http.get(f"{login_world.login_url(Authority.GLOBAL)}/no/such/endpoint")
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/json")
    assert r.json()["error"] == "not_found"


# -- the server harness -----------------------------------------------------------------------


def _read_response(conn: ssl.SSLSocket, body: bytes) -> bytes:
    reply = b""
    while not reply.endswith(b"\r\n\r\n" + body):
        chunk = conn.recv(4096)
        assert chunk, reply
        reply += chunk
    return reply


def test_server_keeps_connections_alive_and_stop_closes_them(login_world: LoginWorld) -> None:
    from flask import Flask, request

    app = Flask("probe")
    app.add_url_rule("/", "probe", lambda: "ok", methods=["GET", "POST"])
    app.add_url_rule("/echo", "echo", lambda: request.get_data(), methods=["POST"])
    server = serve(app, ssl_context=server_ssl_context(login_world.tls))
    assert server.url == f"https://127.0.0.1:{server.port}"
    context = ssl.create_default_context(cafile=str(login_world.tls.ca_bundle))
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=5)
    # The certificate must verify for the real host names a client may pin, not only for 127.0.0.1.
    conn = context.wrap_socket(raw, server_hostname="login.microsoftonline.us")
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    first = _read_response(conn, b"ok")
    assert first.startswith(b"HTTP/1.1 200") and b"connection: close" not in first.lower()
    # A body the app never reads is skipped, so the next request on the connection still parses.
    conn.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
    assert _read_response(conn, b"ok").startswith(b"HTTP/1.1 200")
    conn.sendall(b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
    assert _read_response(conn, b"abc").startswith(b"HTTP/1.1 200")
    server.stop()
    assert conn.recv(4096) == b""  # the server closed the idle keep-alive connection
    conn.close()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", server.port), timeout=1)


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({}, None),
        ({"aud": "https://login.microsoftonline.com/"}, None),
        ({"aud": "https://elsewhere.example/token"}, 700023),
        ({"iss": "00000000-0000-0000-0000-000000000000"}, 700021),
        ({"exp": 1_000_000_000}, 700024),
    ],
)
def test_hand_made_client_assertions_are_checked(
    login_world: LoginWorld, change: dict[str, Any], code: int | None
) -> None:
    tenant = login_world.tenants["commercial"]
    app = tenant.apps[7]
    url = token_url(login_world, tenant)
    now = int(login_world.tokens.clock.timestamp())
    claims = {
        "aud": url,
        "iss": app.client_id,
        "sub": app.client_id,
        "exp": now + 600,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    thumbprint = base64.urlsafe_b64encode(bytes.fromhex(login_world.certificate.sha1_hex)).decode()
    assertion = jwt.encode(
        {**claims, **change},
        login_world.certificate.private_key_pem,
        algorithm="RS256",
        headers={"x5t": thumbprint},
    )
    form = {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "scope": tenant.graph_scope,
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": assertion,
    }
    with client(login_world) as c:
        r = c.post(url, data=form)
    if code is None:
        assert r.status_code == 200, r.text
    else:
        assert (r.status_code, r.json()["error"], r.json()["error_codes"]) == (401, "invalid_client", [code])


@pytest.mark.parametrize(("kind", "sub_scope"), [("gcch", "DODCON"), ("dod", "DOD")])
def test_global_authority_discovery_of_a_us_government_tenant_answers_with_its_cloud(
    login_world: LoginWorld, http: requests.Session, kind: str, sub_scope: str
) -> None:
    tenant = login_world.tenants[kind]
    usgov = login_world.login_url(Authority.USGOV)
    r = http.get(
        f"{login_world.login_url(Authority.GLOBAL)}/{tenant.id}/v2.0/.well-known/openid-configuration"
    )
    doc = r.json()
    assert r.status_code == 200, doc
    assert doc["cloud_instance_name"] == "microsoftonline.us"
    assert doc["tenant_region_scope"] == "USGov" and doc["tenant_region_sub_scope"] == sub_scope
    assert doc["issuer"] == f"https://login.microsoftonline.us/{tenant.id}/v2.0"
    assert doc["token_endpoint"] == f"{usgov}/{tenant.id}/oauth2/v2.0/token"  # leads to the US Gov authority
    # a China tenant stays unknown to the global authority (90002)
    china = login_world.tenants["china"]
    r = http.get(
        f"{login_world.login_url(Authority.GLOBAL)}/{china.id}/v2.0/.well-known/openid-configuration"
    )
    assert r.status_code == 400 and r.json()["error_codes"] == [90002]
