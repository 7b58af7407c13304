"""Flask adapter for one login authority: parse HTTP, call identity.login, shape the JSON response."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Mapping

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from simulator.clouds import Authority
from simulator.directory.store import Store
from simulator.identity.login import LoginResponse, LoginService
from simulator.identity.tokens import StsError, TokenService

log = logging.getLogger(__name__)

#: A token request is a small form; anything bigger is not a client of ours.
MAX_FORM_BYTES = 256 * 1024


def create_login_app(
    authority: Authority,
    store: Store,
    tokens: TokenService,
    authority_urls: Mapping[Authority, str] | None = None,
) -> Flask:
    """The login endpoints of ``authority`` (``login.microsoftonline.com`` etc.) over ``store``'s tenants;
    ``authority_urls`` (every authority's local base URL) lets one authority's document lead to another's."""
    app = Flask(f"ccsync-login-{authority.value}")
    app.config["MAX_CONTENT_LENGTH"] = MAX_FORM_BYTES
    login = LoginService(authority, store, tokens, authority_urls)

    def base_url() -> str:
        # The scheme and host:port the client used, so every URL we hand out leads back here.
        return f"{request.scheme}://{request.host}"

    @app.get("/<tenant>/v2.0/.well-known/openid-configuration")
    def openid_v2(tenant: str) -> Response:
        return shape(login.openid_configuration(base_url(), tenant, v2=True))

    @app.get("/<tenant>/.well-known/openid-configuration")
    def openid_v1(tenant: str) -> Response:
        return shape(login.openid_configuration(base_url(), tenant, v2=False))

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token_v2(tenant: str) -> Response:
        return shape(token(tenant, v2=True))

    @app.post("/<tenant>/oauth2/token")
    def token_v1(tenant: str) -> Response:
        return shape(token(tenant, v2=False))

    def token(tenant: str, *, v2: bool) -> LoginResponse:
        form = {key: request.form.get(key, "") for key in request.form}
        return login.token(
            base_url(),
            tenant,
            form,
            request.headers.get("Authorization"),
            v2=v2,
            client_request_id=request.headers.get("client-request-id"),
        )

    @app.get("/<tenant>/oauth2/v2.0/token")
    @app.get("/<tenant>/oauth2/token")
    def token_get(tenant: str) -> Response:
        message = f"The endpoint only accepts POST requests. Received a {request.method} request."
        return shape(login.error(StsError(400, "invalid_request", 900561, message)))

    @app.get("/common/discovery/instance")
    def instance_discovery() -> Response:
        return shape(login.instance_discovery(base_url(), request.args.to_dict()))

    @app.get("/<tenant>/discovery/v2.0/keys")
    @app.get("/<tenant>/discovery/keys")
    def keys(tenant: str) -> Response:
        return shape(login.keys(tenant))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 400
        if code == 404:
            body = {"error": "not_found", "error_description": f"No login endpoint at {request.path}."}
        elif code == 405:
            body = {"error": "invalid_request", "error_description": f"{request.method} is not allowed here."}
        else:
            body = {"error": "invalid_request", "error_description": exc.description or "Bad request."}
        return shape(LoginResponse(code, body, {"x-ms-request-id": str(uuid.uuid4())}))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        trace_id = str(uuid.uuid4())
        # The traceback goes to the log only; the client gets an id to look it up by.
        log.exception(
            "unhandled error in login endpoint %s %s (trace %s)", request.method, request.path, trace_id
        )
        body = {
            "error": "server_error",
            "error_description": f"The login simulator failed unexpectedly.\r\nTrace ID: {trace_id}",
            "trace_id": trace_id,
        }
        return shape(LoginResponse(500, body, {"x-ms-request-id": trace_id}))

    return app


def shape(resp: LoginResponse) -> Response:
    """Render a login answer as JSON with its headers."""
    out = Response(
        json.dumps(resp.body, separators=(",", ":")),
        status=resp.status,
        content_type="application/json; charset=utf-8",
    )
    for key, value in resp.headers.items():
        out.headers[key] = value
    return out
