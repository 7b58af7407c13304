"""Flask adapter for one cloud's Graph root: parse HTTP, call the router, shape the response."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Flask, Response, request
from werkzeug.exceptions import HTTPException

from simulator.clouds import Cloud
from simulator.graph.body import MAX_BODY_BYTES
from simulator.graph.router import GraphRouter
from simulator.web.server import DROP_CONNECTION
from simulator.wire.errors import GraphError, error_response, method_not_allowed, unexpected_error
from simulator.wire.message import GraphRequest, GraphResponse, Headers

log = logging.getLogger(__name__)
_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
VERSIONS = ("v1.0", "beta")


def to_flask(resp: GraphResponse) -> Response:
    """Render a router answer: JSON, text (``/$count``) or empty (204)."""
    if resp.text is not None:
        payload: bytes | str = resp.text
    elif resp.body is None:
        payload = b""
    else:
        payload = json.dumps(resp.body, separators=(",", ":"), ensure_ascii=False)
    out = Response(payload, status=resp.status)
    out.headers.clear()
    for k, v in resp.headers.items():
        out.headers[k] = v
    if resp.body is None and resp.text is None:
        out.headers.pop("Content-Type", None)
    return out


def create_graph_app(cloud: Cloud, router: GraphRouter) -> Flask:
    """The Graph service root of ``cloud`` (``/v1.0/...`` and ``/beta/...``)."""
    app = Flask(f"ccsync-graph-{cloud.value}")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def fail(err: GraphError) -> Response:
        """An error the adapter decides before the router sees the request, on the simulator clock."""
        return to_flask(error_response(err, router.store.clock.now(), request.headers))

    @app.route("/", defaults={"version": "", "path": ""}, methods=_METHODS)
    @app.route("/<version>", defaults={"path": ""}, methods=_METHODS)
    @app.route("/<version>/<path:path>", methods=_METHODS)
    def graph(version: str, path: str) -> Response:
        if version not in VERSIONS:
            return fail(GraphError(400, "BadRequest", f"Invalid version: '{version}'. Use v1.0 or beta."))
        query: dict[str, Any] = {}
        for key, values in request.args.lists():
            if len(values) > 1:
                return fail(
                    GraphError(400, "BadRequest", f"Query option '{key}' was specified more than once.")
                )
            query[key] = values[0]
        req = GraphRequest(
            method=request.method,
            path="/" + path,
            query=query,
            headers=Headers(dict(request.headers)),
            body=request.get_data(cache=False) or None,
            version=version,
            base_url=request.host_url.rstrip("/"),
        )
        resp = router.handle(cloud, req)
        if resp.drop:  # chaos: the server closes the connection without answering
            request.environ[DROP_CONNECTION] = True
        return to_flask(resp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = exc.code or 400
        if code == 413:
            return fail(GraphError(413, "Request_EntityTooLarge", "The request body is too large."))
        if code == 405:
            return fail(method_not_allowed())
        return fail(GraphError(code, "BadRequest", exc.description or "Bad request."))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in Graph adapter")
        return fail(unexpected_error())

    return app
