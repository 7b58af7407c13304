"""The Entra login endpoints of one authority (OpenID configuration, token, discovery, keys), HTTP-agnostic.

Each method takes what the HTTP layer parsed (the base URL the client used, the tenant path segment, the
form, the Authorization header) and returns a ``LoginResponse``; Entra's error body is made here only.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit

import jwt
from cryptography import x509

from simulator.clouds import (
    AUTHORITIES,
    AUTHORITY_ALIASES,
    AUTHORITY_HOSTS,
    CLOUDS,
    REGION_SUB_SCOPE,
    Authority,
    clouds_of,
)
from simulator.directory.store import Store
from simulator.directory.tenant import AppCredential, Tenant
from simulator.identity.keys import thumbprint_sha1, thumbprint_sha256
from simulator.identity.tokens import (
    NOT_BEFORE_SKEW,
    StsError,
    TokenService,
    missing_parameter,
    resolve_resource,
    resource_of_scope,
)

logger = logging.getLogger(__name__)

#: Tenant path segments that are not a tenant; the OpenID document then carries a ``{tenantid}`` placeholder.
MULTI_TENANT = ("common", "organizations", "consumers")
JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
_ASSERTION_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]

_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_DNS = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$", re.I)

_V2_CLAIMS = [
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host",
    "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash",
    "c_hash", "email",
]  # fmt: skip
_V1_CLAIMS = [
    "sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host",
    "aud", "exp", "iat", "auth_time", "acr", "amr", "nonce", "email", "given_name", "family_name", "nickname",
]  # fmt: skip

_DISCOVERY_CACHE = {"Cache-Control": "max-age=86400, private", "Access-Control-Allow-Origin": "*"}
_NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


@dataclass(frozen=True)
class LoginResponse:
    """What to answer: status, JSON body and extra headers."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClientAuth:
    """How the client proved its identity in one token request."""

    client_id: str
    secrets: tuple[str, ...] = ()
    assertion: str | None = None
    assertion_type: str | None = None

    def __repr__(self) -> str:  # never show secrets or assertions, not even in a traceback
        return f"ClientAuth(client_id={self.client_id!r}, secrets=<{len(self.secrets)}>, assertion={self.assertion is not None})"


class LoginService:
    """The login endpoints of one authority over the store's tenants (only tenants of its clouds)."""

    def __init__(
        self,
        authority: Authority,
        store: Store,
        tokens: TokenService,
        authority_urls: Mapping[Authority, str] | None = None,
    ) -> None:
        self.authority = authority
        self.store = store
        self.tokens = tokens
        self.login_host = AUTHORITY_HOSTS[authority]
        #: every authority's local base URL (the running simulator's), for documents that lead elsewhere
        self.authority_urls: Mapping[Authority, str] = authority_urls if authority_urls is not None else {}

    # -- GET /{tenant}[/v2.0]/.well-known/openid-configuration ---------------------------

    def openid_configuration(self, base_url: str, tenant_segment: str, *, v2: bool = True) -> LoginResponse:
        """The tenant's OpenID document, every endpoint on the local ``base_url``."""
        if tenant_segment.lower() in MULTI_TENANT:
            segment, tenant = tenant_segment.lower(), None
            info = CLOUDS[clouds_of(self.authority)[0]]
        elif (home := self._us_gov_home(tenant_segment)) is not None:
            # B2B with government clouds: the global authority answers for a US Government tenant with
            # that tenant's own document (cloud_instance_name microsoftonline.us, region USGov)
            return home.openid_configuration(
                self.authority_urls.get(Authority.USGOV) or f"https://{home.login_host}",
                tenant_segment,
                v2=v2,
            )
        else:
            try:
                tenant = self._tenant(tenant_segment, error="invalid_tenant")
            except StsError as err:
                return self.error(err)
            segment, info = tenant.id, CLOUDS[tenant.cloud]
        issuer_tenant = tenant.id if tenant else "{tenantid}"
        root = f"{base_url}/{segment}"
        oauth = f"{root}/oauth2/v2.0" if v2 else f"{root}/oauth2"
        doc: dict[str, Any] = {
            "token_endpoint": f"{oauth}/token",
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "private_key_jwt",
                "client_secret_basic",
            ],
            "jwks_uri": f"{root}/discovery/v2.0/keys" if v2 else f"{root}/discovery/keys",
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"]
            if v2
            else ["code", "id_token", "code id_token", "token id_token", "token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"] if v2 else ["openid"],
            # Issuers are identifiers, not endpoints: they keep the real host so tokens' iss can match.
            "issuer": f"https://{self.login_host}/{issuer_tenant}/v2.0"
            if v2
            else f"https://{info.sts_host}/{issuer_tenant}/",
            "request_uri_parameter_supported": False,
            "userinfo_endpoint": f"https://{info.graph_host}/oidc/userinfo"
            if v2
            else f"{root}/openid/userinfo",
            "authorization_endpoint": f"{oauth}/authorize",
            "device_authorization_endpoint": f"{oauth}/devicecode",
            "http_logout_supported": True,
            "frontchannel_logout_supported": True,
            "end_session_endpoint": f"{oauth}/logout",
            "claims_supported": _V2_CLAIMS if v2 else _V1_CLAIMS,
            "kerberos_endpoint": f"{root}/kerberos",
        }
        if not v2:
            doc["check_session_iframe"] = f"{oauth}/checksession"
            doc["microsoft_multi_refresh_token"] = True
        doc["tenant_region_scope"] = info.region_scope if tenant else None
        if tenant and tenant.flavor in REGION_SUB_SCOPE:
            doc["tenant_region_sub_scope"] = REGION_SUB_SCOPE[tenant.flavor]
        doc["cloud_instance_name"] = info.cloud_instance
        doc["cloud_graph_host_name"] = AUTHORITIES[self.authority].aad_graph_host
        doc["msgraph_host"] = info.graph_host
        doc["rbac_url"] = AUTHORITIES[self.authority].rbac_url
        return LoginResponse(200, doc, {**_DISCOVERY_CACHE, "x-ms-request-id": str(uuid.uuid4())})

    # -- GET /{tenant}/discovery[/v2.0]/keys ---------------------------------------------

    def keys(self, tenant_segment: str) -> LoginResponse:
        """The authority's signing keys (JWKS); a tenant segment must name a tenant of this authority."""
        if tenant_segment.lower() not in MULTI_TENANT:
            try:
                self._tenant(tenant_segment, error="invalid_tenant")
            except StsError as err:
                return self.error(err)
        jwks = self.tokens.keys.jwks(self.authority)
        return LoginResponse(200, jwks, {**_DISCOVERY_CACHE, "x-ms-request-id": str(uuid.uuid4())})

    # -- GET /common/discovery/instance ---------------------------------------------------

    def instance_discovery(self, base_url: str, query: Mapping[str, str]) -> LoginResponse:
        """Instance discovery: where the OpenID document of an authorization endpoint lives, and host aliases."""
        endpoint = query.get("authorization_endpoint")
        if not endpoint:
            return self.error(
                StsError(
                    400, "invalid_request", 90014, "The required field 'authorization_endpoint' is missing."
                )
            )
        parts = urlsplit(endpoint)
        local = urlsplit(base_url)
        known = {h.lower() for h in AUTHORITY_ALIASES[self.authority]} | _local_hosts(
            local.netloc, local.port
        )
        if parts.scheme != "https" or parts.netloc.lower() not in known:
            return self.error(StsError(400, "invalid_instance", 50049, "Unknown or invalid instance."))
        segment = parts.path.strip("/").split("/")[0] or "common"
        metadata = [
            {
                "preferred_network": AUTHORITY_HOSTS[a],
                "preferred_cache": AUTHORITIES[a].preferred_cache,
                "aliases": list(AUTHORITY_ALIASES[a]),
            }
            for a in Authority
        ]
        metadata.append(
            {"preferred_network": local.netloc, "preferred_cache": local.netloc, "aliases": [local.netloc]}
        )
        body = {
            "tenant_discovery_endpoint": f"{base_url}/{segment}/v2.0/.well-known/openid-configuration",
            "api-version": query.get("api-version", "1.1"),
            "metadata": metadata,
        }
        return LoginResponse(200, body, {**_DISCOVERY_CACHE, "x-ms-request-id": str(uuid.uuid4())})

    # -- POST /{tenant}/oauth2[/v2.0]/token ----------------------------------------------

    def token(
        self,
        base_url: str,
        tenant_segment: str,
        form: Mapping[str, str],
        authorization: str | None = None,
        *,
        v2: bool = True,
        client_request_id: str | None = None,
    ) -> LoginResponse:
        """The client-credentials grant: authenticate the app, check the scope, mint a Graph token."""
        try:
            return self._token(base_url, tenant_segment, form, authorization, v2)
        except StsError as err:
            logger.info("token request refused: AADSTS%s %s (tenant %s)", err.code, err.error, tenant_segment)
            return self.error(err, client_request_id)

    def _token(
        self, base_url: str, segment: str, form: Mapping[str, str], authorization: str | None, v2: bool
    ) -> LoginResponse:
        if segment.lower() in MULTI_TENANT:
            raise StsError(
                400,
                "invalid_request",
                9001023,
                "The grant type is not supported over the /common or /consumers endpoints. "
                "Please use the /organizations or tenant-specific endpoint.",
            )
        tenant = self._tenant(segment, error="invalid_request")
        grant = form.get("grant_type")
        if not grant:
            raise missing_parameter("grant_type")
        if grant != "client_credentials":
            raise StsError(
                400,
                "unsupported_grant_type",
                70003,
                f"The app requested an unsupported grant type '{grant}'.",
            )
        auth = _client_auth(form, authorization)
        if v2:
            resource = resource_of_scope(form.get("scope"))
        else:
            resource = form.get("resource") or ""
            if not resource.strip():
                raise missing_parameter("resource")
        app = _find_app(tenant, auth.client_id)
        if app is None:
            raise StsError(
                400,
                "unauthorized_client",
                700016,
                f"Application with identifier '{auth.client_id}' was not found in the directory "
                f"'{tenant.display_name}'. This can happen if the application has not been installed by the "
                "administrator of the tenant or consented to by any user in the tenant. You may have sent your "
                "authentication request to the wrong tenant.",
            )
        certificate = self._authenticate(app, auth, tenant, base_url)
        _check_service_principal(app, tenant)
        audience = resolve_resource(tenant, resource)
        issued = self.tokens.issue(tenant, app, certificate=certificate)
        logger.info("token issued: tenant %s app %s (%s)", tenant.id, app.client_id, tenant.cloud.value)
        headers = {**_NO_STORE, "x-ms-request-id": str(uuid.uuid4()), "x-ms-ests-server": "ccsync"}
        if v2:
            body: dict[str, Any] = {
                "token_type": "Bearer",
                "expires_in": issued.expires_in,
                "ext_expires_in": issued.expires_in,
                "access_token": issued.access_token,
            }
        else:
            # The v1 endpoint reports its numbers as strings.
            body = {
                "token_type": "Bearer",
                "expires_in": str(issued.expires_in),
                "ext_expires_in": str(issued.expires_in),
                "expires_on": str(issued.expires_on),
                "not_before": str(issued.not_before),
                "resource": audience,
                "access_token": issued.access_token,
            }
        return LoginResponse(200, body, headers)

    def _authenticate(self, app: AppCredential, auth: ClientAuth, tenant: Tenant, base_url: str) -> bool:
        """Check the client's proof; True when it was a certificate (``appidacr`` 2), False for a secret."""
        if auth.assertion is not None:
            if auth.assertion_type != JWT_BEARER:
                raise StsError(
                    400,
                    "invalid_request",
                    50027,
                    f"JWT token is invalid or malformed. client_assertion_type must be '{JWT_BEARER}'.",
                )
            self._verify_assertion(auth.assertion, app, tenant, base_url)
            return True
        if not auth.secrets:
            raise StsError(
                401,
                "invalid_client",
                7000218,
                "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
            )
        for secret in auth.secrets:
            if not any(hmac.compare_digest(secret.encode(), known.encode()) for known in app.secrets):
                raise StsError(
                    401,
                    "invalid_client",
                    7000215,
                    "Invalid client secret provided. Ensure the secret being sent in the request is the client "
                    f"secret value, not the client secret ID, for a secret added to app '{app.client_id}'.",
                )
        return False

    def _verify_assertion(self, assertion: str, app: AppCredential, tenant: Tenant, base_url: str) -> None:
        """Check a private_key_jwt assertion: signed by a registered certificate, for us, by the app, in time."""
        try:
            header = jwt.get_unverified_header(assertion)
        except jwt.PyJWTError:
            raise StsError(400, "invalid_request", 50027, "JWT token is invalid or malformed.") from None
        now = self.tokens.clock.now()
        certs = _registered_certificates(app)
        # Thumbprints are base64url; msal keeps the "=" padding, others drop it.
        x5t = str(header.get("x5t") or "").rstrip("=")
        x5t256 = str(header.get("x5t#S256") or "").rstrip("=")
        by_thumbprint = [c for c in certs if x5t == thumbprint_sha1(c) or x5t256 == thumbprint_sha256(c)]
        if (x5t or x5t256) and not by_thumbprint:
            raise StsError(
                401,
                "invalid_client",
                700027,
                "The certificate with identifier used to sign the client assertion is not registered on application. "
                f"[Reason - The key was not found., Please visit the Azure Portal, Graph Explorer or directly use MS "
                f"Graph to see configured keys for app Id '{app.client_id}'.]",
            )
        claims = None
        for cert in by_thumbprint or certs:
            if cert.not_valid_after_utc <= now or cert.not_valid_before_utc > now:
                continue
            try:
                claims = jwt.decode(
                    assertion,
                    cert.public_key(),  # type: ignore[arg-type]
                    algorithms=_ASSERTION_ALGORITHMS,
                    options={
                        "verify_aud": False,
                        "verify_exp": False,
                        "verify_nbf": False,
                        "verify_iat": False,
                    },
                )
                break
            except jwt.PyJWTError:
                continue
        if claims is None:
            raise StsError(401, "invalid_client", 700027, "Client assertion contains an invalid signature.")
        wanted = app.client_id.lower()
        if str(claims.get("iss", "")).lower() != wanted or str(claims.get("sub", "")).lower() != wanted:
            raise StsError(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            )
        auds = claims.get("aud")
        auds = auds if isinstance(auds, list) else [auds]
        if not any(isinstance(a, str) and self._assertion_audience_ok(a, tenant, base_url) for a in auds):
            raise StsError(
                401, "invalid_client", 700023, "Client assertion audience claim does not match Realm issuer."
            )
        exp, nbf = claims.get("exp"), claims.get("nbf", 0)
        stamp = now.timestamp()
        if (
            not isinstance(exp, int | float)
            or not isinstance(nbf, int | float)
            or stamp >= exp
            or nbf > stamp + NOT_BEFORE_SKEW
        ):
            raise StsError(
                401,
                "invalid_client",
                700024,
                f"Client assertion is not within its valid time range. Current time: {now:%Y-%m-%dT%H:%M:%S}Z, "
                f"expiry time of assertion {exp}.",
            )

    def _assertion_audience_ok(self, aud: str, tenant: Tenant, base_url: str) -> bool:
        """An assertion may name the token endpoint (local or real host) or just the authority's host."""
        parts = urlsplit(aud)
        local = urlsplit(base_url)
        hosts = {h.lower() for h in AUTHORITY_ALIASES[self.authority]} | _local_hosts(
            local.netloc, local.port
        )
        if parts.scheme != "https" or parts.netloc.lower() not in hosts:
            return False
        segment = parts.path.strip("/").split("/")[0]
        return not segment or segment.lower() in MULTI_TENANT or self.store.tenant(segment) is tenant

    # -- helpers -------------------------------------------------------------------------

    def _us_gov_home(self, segment: str) -> LoginService | None:
        """The US Government authority, when this is the global one and ``segment`` names a US Gov tenant."""
        if self.authority is not Authority.GLOBAL or not (_GUID.match(segment) or _DNS.match(segment)):
            return None
        tenant = self.store.tenant(segment)
        if tenant is None or CLOUDS[tenant.cloud].authority is not Authority.USGOV:
            return None
        return LoginService(Authority.USGOV, self.store, self.tokens, self.authority_urls)

    def _tenant(self, segment: str, *, error: str) -> Tenant:
        """The tenant a path segment names, if it signs in at this authority; StsError otherwise."""
        if not _GUID.match(segment) and not _DNS.match(segment):
            raise StsError(
                400,
                error,
                900023,
                f"Specified tenant identifier '{segment}' is neither a valid DNS name, nor a valid external domain.",
            )
        tenant = self.store.tenant(segment)
        # A tenant of another cloud is as unknown here as it is at the real authority.
        if tenant is None or CLOUDS[tenant.cloud].authority is not self.authority:
            raise StsError(
                400,
                error,
                90002,
                f"Tenant '{segment}' not found. Check to make sure you have the correct tenant ID and are signing "
                "into the correct cloud. Check with your subscription administrator, this may happen if there are "
                "no active subscriptions for the tenant.",
            )
        return tenant

    def error(self, err: StsError, client_request_id: str | None = None) -> LoginResponse:
        """Entra's error body for ``err`` (the only place it is made)."""
        now = self.tokens.clock.now()
        stamp = now.strftime("%Y-%m-%d %H:%M:%SZ")
        trace_id = str(uuid.uuid4())
        correlation_id = _guid_or_new(client_request_id)
        body = {
            "error": err.error,
            "error_description": f"AADSTS{err.code}: {err.message}\r\nTrace ID: {trace_id}\r\n"
            f"Correlation ID: {correlation_id}\r\nTimestamp: {stamp}",
            "error_codes": [err.code],
            "timestamp": stamp,
            "trace_id": trace_id,
            "correlation_id": correlation_id,
            "error_uri": f"https://{self.login_host}/error?code={err.code}",
        }
        return LoginResponse(err.status, body, {**_NO_STORE, "x-ms-request-id": trace_id})


def _client_auth(form: Mapping[str, str], authorization: str | None) -> ClientAuth:
    """The client id and proofs from the form (client_secret_post, private_key_jwt) and HTTP Basic."""
    client_id = (form.get("client_id") or "").strip()
    secrets: list[str] = []
    if authorization and authorization.strip().lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization.strip()[6:].strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        user, sep, password = decoded.partition(":")
        if not sep:
            raise StsError(
                401, "invalid_client", 7000215, "The Authorization header is not valid HTTP Basic."
            )
        # RFC 6749 2.3.1: both halves are form-urlencoded before base64.
        basic_id = unquote_plus(user)
        if client_id and basic_id.lower() != client_id.lower():
            raise StsError(
                401,
                "invalid_client",
                700021,
                "The client id in the Authorization header doesn't match the 'client_id' parameter.",
            )
        client_id = client_id or basic_id
        secrets.append(unquote_plus(password))
    if form.get("client_secret"):
        secrets.append(form["client_secret"])
    if not client_id:
        raise missing_parameter("client_id")
    assertion = form.get("client_assertion") or None
    return ClientAuth(client_id, tuple(secrets), assertion, form.get("client_assertion_type"))


def _check_service_principal(app: AppCredential, tenant: Tenant) -> None:
    """Entra issues no new token to an app whose service principal is disabled (AADSTS7000112).

    Tokens issued before stay valid until they expire (Graph checks the signature, not the directory).
    """
    sp = tenant.service_principals.get(app.sp_id) if app.sp_id else None
    if sp is None:  # apps registered by the world builder without a service principal sign in as before
        return
    if sp.get("accountEnabled") is False:
        raise StsError(
            400,
            "unauthorized_client",
            7000112,
            f"Application '{app.client_id}'({sp.get('displayName') or app.display_name}) is disabled.",
        )


def _registered_certificates(app: AppCredential) -> list[x509.Certificate]:
    certs = []
    for pem in app.certificates:
        try:
            certs.append(x509.load_pem_x509_certificate(pem.encode()))
        except ValueError:
            logger.warning("app %s has a certificate that is not PEM; it is ignored", app.client_id)
    return certs


def _find_app(tenant: Tenant, client_id: str) -> AppCredential | None:
    app = tenant.apps.get(client_id)
    if app is None:
        wanted = client_id.lower()
        app = next((a for cid, a in tenant.apps.items() if cid.lower() == wanted), None)
    return app


def _local_hosts(netloc: str, port: int | None) -> set[str]:
    """The local host:port the client used, and the same port on the other loopback names."""
    hosts = {netloc.lower()}
    if port:
        hosts |= {f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"}
    return hosts


def _guid_or_new(value: str | None) -> str:
    # Entra echoes the client's client-request-id as the correlation id when it is a GUID.
    if value:
        try:
            return str(uuid.UUID(value))
        except ValueError:
            pass
    return str(uuid.uuid4())
