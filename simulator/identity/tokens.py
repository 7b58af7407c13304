"""Graph access tokens: client-credential scope rules, minting v1 app tokens, and validating them for Graph."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jwt

from simulator.clock import Clock
from simulator.clouds import CLOUDS, Cloud
from simulator.directory.tenant import AppCredential, Tenant
from simulator.identity.keys import SigningKeys, b64url
from simulator.wire.errors import unauthenticated

#: Lifetime of an access token; msal refreshes tokens with less than 5 minutes left, so keep it long.
TOKEN_LIFETIME = 3599
#: Microsoft Graph's first-party application id, accepted as a resource in place of its URL.
GRAPH_APP_ID = "00000003-0000-0000-c000-000000000000"
#: Resources that stand for "the Graph of the tenant's own cloud": the Graph SDK derives the scope from
#: the request host (scheme kept, port dropped), which is a local address when it talks to the simulator.
LOCAL_RESOURCE_HOSTS = ("127.0.0.1", "localhost", "::1")
#: Tolerance for a token used slightly before its ``nbf`` (clients and simulator may disagree a little).
NOT_BEFORE_SKEW = 300
#: Verified tokens remembered per key set before the memo is emptied (keeps memory bounded).
VERIFIED_CACHE_MAX = 10_000

# RFC 6749 scope-token characters; anything else is garbage, not a scope.
_SCOPE_TOKEN = re.compile(r"^[\x21\x23-\x5b\x5d-\x7e]+$")
_DEFAULT_SUFFIX = "/.default"

EMPTY = "Access token is empty."
INVALID_TOKEN = "Access token validation failure. Invalid token."
INVALID_SIGNATURE = "Access token validation failure. Invalid signature."
INVALID_AUDIENCE = "Access token validation failure. Invalid audience."
INVALID_ISSUER = "Access token validation failure. Invalid issuer."
EXPIRED = "Lifetime validation failed, the token is expired."
NOT_YET_VALID = "Lifetime validation failed, the token is not yet valid."


class StsError(Exception):
    """A refusal by the token service; login.py renders it as Entra's error body (AADSTS code, error, status).

    ``message`` is the text after ``AADSTSnnnnn: `` and must never carry a secret or a token.
    """

    def __init__(self, status: int, error: str, code: int, message: str) -> None:
        super().__init__(f"AADSTS{code}: {message}")
        self.status = status
        self.error = error
        self.code = code
        self.message = message


def missing_parameter(name: str) -> StsError:
    return StsError(
        400, "invalid_request", 900144, f"The request body must contain the following parameter: '{name}'."
    )


@dataclass(frozen=True)
class Caller:
    """Who is calling Graph, as proven by a valid access token."""

    tenant_id: str
    app_id: str
    roles: frozenset[str]
    sp_id: str


@dataclass(frozen=True)
class IssuedToken:
    """A freshly minted access token and the numbers the token response reports about it."""

    access_token: str
    expires_in: int
    not_before: int
    expires_on: int
    #: the audience of the token (``https://{graph_host}``).
    resource: str


@dataclass(frozen=True)
class _Verified:
    """What a signature-, audience- and issuer-checked token proves; the lifetime is checked on every use."""

    caller: Caller
    not_before: float
    expires: float


def graph_audience(cloud: Cloud) -> str:
    """The ``aud`` of access tokens for ``cloud``'s Graph."""
    return f"https://{CLOUDS[cloud].graph_host}"


def token_issuer(cloud: Cloud, tenant_id: str) -> str:
    """The ``iss`` of v1 access tokens minted for a tenant of ``cloud``."""
    return f"https://{CLOUDS[cloud].sts_host}/{tenant_id}/"


def resource_of_scope(scope: str | None) -> str:
    """The resource named by a client-credentials ``scope``: exactly one ``{resource}/.default``."""
    if scope is None or not scope.strip():
        raise missing_parameter("scope")
    parts = scope.split()
    if any(not _SCOPE_TOKEN.match(p) for p in parts):
        raise _invalid_scope(scope, "")
    defaults = [p for p in parts if p.lower().endswith(_DEFAULT_SUFFIX)]
    if len(parts) > 1 and defaults:
        raise _invalid_scope(scope, " The .default scope can't be combined with other scopes.")
    if not defaults:
        raise StsError(
            400,
            "invalid_scope",
            1002012,
            f"The provided value for scope {scope} is not valid. Client credential flows must have a scope "
            "value with /.default suffixed to the resource identifier (application ID URI).",
        )
    resource = defaults[0][: -len(_DEFAULT_SUFFIX)]
    if not resource:
        raise _invalid_scope(scope, "")
    return resource


def _invalid_scope(scope: str, why: str) -> StsError:
    return StsError(
        400,
        "invalid_scope",
        70011,
        f"The provided value for the input parameter 'scope' is not valid. The scope {scope} is not valid.{why}",
    )


def resolve_resource(tenant: Tenant, resource: str) -> str:
    """The token audience for ``resource`` requested by an app of ``tenant`` (only its own cloud's Graph)."""
    audience = graph_audience(tenant.cloud)
    wanted = resource.strip().rstrip("/").lower()
    if wanted in (audience, GRAPH_APP_ID) or _is_local_resource(wanted):
        return audience
    raise StsError(
        400,
        "invalid_resource",
        500011,
        f"The resource principal named {resource} was not found in the tenant named {tenant.display_name}. "
        "This can happen if the application has not been installed by the administrator of the tenant or "
        "consented to by any user in the tenant. You might have sent your authentication request to the "
        "wrong tenant.",
    )


def _is_local_resource(resource: str) -> bool:
    try:
        parts = urlsplit(resource)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return False
    if parts.scheme not in ("https", "http") or parts.path or parts.query or parts.fragment or parts.username:
        return False
    # A port is tolerated: hand-written configurations often reuse the Graph base URL as the resource.
    return parts.hostname in LOCAL_RESOURCE_HOSTS


class TokenService:
    """Mints Graph access tokens for app identities, signed by their cloud's authority, on the simulator clock."""

    def __init__(self, keys: SigningKeys, clock: Clock, lifetime: int = TOKEN_LIFETIME) -> None:
        self.keys = keys
        self.clock = clock
        self.lifetime = lifetime

    def issue(self, tenant: Tenant, app: AppCredential, *, certificate: bool) -> IssuedToken:
        """A v1-style app-only token for ``tenant``'s Graph; ``certificate`` tells how the app authenticated."""
        cloud = tenant.cloud
        info = CLOUDS[cloud]
        key = self.keys.for_authority(info.authority)
        now = int(self.clock.timestamp())
        expires = now + self.lifetime
        issuer = token_issuer(cloud, tenant.id)
        claims: dict[str, Any] = {
            "aud": graph_audience(cloud),
            "iss": issuer,
            "iat": now,
            "nbf": now,
            "exp": expires,
            "app_displayname": app.display_name,
            "appid": app.client_id,
            "appidacr": "2" if certificate else "1",
            "idp": issuer,
            "idtyp": "app",
            "oid": app.sp_id,
            "sub": app.sp_id,
            "tenant_region_scope": info.region_scope,
            "tid": tenant.id,
            "uti": b64url(os.urandom(16))[:22],
            "ver": "1.0",
        }
        if app.roles:
            claims["roles"] = list(app.roles)
        token = jwt.encode(
            claims, key.private_key, algorithm="RS256", headers={"typ": "JWT", "x5t": key.kid, "kid": key.kid}
        )
        # Graph will see this token next: remember it as verified so the first call skips the RSA check.
        caller = Caller(tenant.id, app.client_id, frozenset(app.roles), app.sp_id)
        _remember(self.keys, (cloud, token), _Verified(caller, now, expires))
        return IssuedToken(token, self.lifetime, now, expires, graph_audience(cloud))

    def validate(self, authorization_header: str | None, cloud: Cloud) -> Caller:
        """``validate_graph_token`` with this service's keys and clock."""
        return validate_graph_token(authorization_header, cloud, self.keys, self.clock)


def validate_graph_token(
    authorization_header: str | None, cloud: Cloud, keys: SigningKeys, clock: Clock
) -> Caller:
    """The caller proven by a ``Bearer`` token sent to ``cloud``'s Graph; GraphError 401 when it proves nothing.

    Signature, audience and issuer are checked once per token string and remembered; the lifetime is
    checked on every call against the simulator clock.
    """
    raw = _bearer_token(authorization_header)
    if not raw:
        raise unauthenticated(EMPTY)
    cache_key = (cloud, raw)
    verified = keys.verified.get(cache_key)
    if verified is None:
        verified = _verify(raw, cloud, keys)
        _remember(keys, cache_key, verified)
    if isinstance(verified, str):
        raise unauthenticated(verified)
    now = clock.timestamp()
    if now >= verified.expires:
        raise unauthenticated(EXPIRED)
    if now + NOT_BEFORE_SKEW < verified.not_before:
        raise unauthenticated(NOT_YET_VALID)
    return verified.caller


def _bearer_token(header: str | None) -> str:
    if not header:
        return ""
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() != "bearer":
        return ""
    return value.strip()


def _remember(keys: SigningKeys, cache_key: tuple[Cloud, str], entry: _Verified | str) -> None:
    memo = keys.verified
    if len(memo) >= VERIFIED_CACHE_MAX:
        memo.clear()
    memo[cache_key] = entry


def _verify(raw: str, cloud: Cloud, keys: SigningKeys) -> _Verified | str:
    """The proven caller, or the Graph message saying why the token proves nothing (lifetime aside)."""
    info = CLOUDS[cloud]
    # Only the keys of this cloud's authority count: a token of another authority fails right here.
    key = keys.for_authority(info.authority)
    try:
        header = jwt.get_unverified_header(raw)
    except jwt.PyJWTError:
        return INVALID_TOKEN
    if header.get("alg") != "RS256":
        return INVALID_SIGNATURE
    try:
        claims = jwt.decode(
            raw,
            key.public_key,
            algorithms=["RS256"],
            options={
                "verify_aud": False,
                "verify_iss": False,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
            },
        )
    except jwt.InvalidSignatureError:
        return INVALID_SIGNATURE
    except jwt.PyJWTError:
        return INVALID_TOKEN
    audience = graph_audience(cloud)
    if claims.get("aud") not in (audience, audience + "/"):
        return INVALID_AUDIENCE
    tid = claims.get("tid")
    if not isinstance(tid, str) or claims.get("iss") != token_issuer(cloud, tid):
        return INVALID_ISSUER
    appid, oid, exp = claims.get("appid"), claims.get("oid"), claims.get("exp")
    nbf = claims.get("nbf", claims.get("iat", 0))
    roles = claims.get("roles", [])
    if (
        not isinstance(appid, str)
        or not isinstance(oid, str)
        or not isinstance(exp, int | float)
        or not isinstance(nbf, int | float)
        or not isinstance(roles, list)
        or not all(isinstance(r, str) for r in roles)
    ):
        return INVALID_TOKEN
    return _Verified(Caller(tid, appid, frozenset(roles), oid), float(nbf), float(exp))
