"""Graph errors: one exception type, and the one place that renders Graph's error answer."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from simulator.wire.message import GraphResponse


class GraphError(Exception):
    """A Graph failure to answer with ``status`` and ``{"error": {"code", "message", ...}}``."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        headers: dict[str, str] | None = None,
        details: list[dict[str, str]] | None = None,
        inner_code: str | None = None,
        drop: bool = False,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})
        self.details = details
        self.inner_code = inner_code
        #: the server closes the connection instead of answering (injected chaos); the answer is for
        #: callers that cannot drop one (``$batch`` items, the in-process backend)
        self.drop = drop


def _error_body(err: GraphError, request_id: str, client_request_id: str, now: datetime) -> dict[str, Any]:
    """Graph's error JSON for ``err`` (``innerError`` camel-cased, date without offset)."""
    inner: dict[str, Any] = {
        "date": now.strftime("%Y-%m-%dT%H:%M:%S"),
        "request-id": request_id,
        "client-request-id": client_request_id,
    }
    if err.inner_code:
        inner["code"] = err.inner_code
    body: dict[str, Any] = {"code": err.code, "message": err.message}
    if err.details:
        body["details"] = err.details
    body["innerError"] = inner
    return {"error": body}


def error_response(
    err: GraphError,
    now: datetime,
    request_headers: Mapping[str, str] | None = None,
    *,
    request_id: str | None = None,
) -> GraphResponse:
    """Graph's answer to ``err``: its status, its headers, the error body and the request ids.

    ``now`` is the simulator clock's time (``innerError.date``); ``request_headers`` (case-insensitive)
    give the client's ``client-request-id``, echoed in the body and the headers as Graph does;
    ``request_id`` is the id the caller already chose, else a new one.
    """
    rid = request_id or str(uuid.uuid4())
    client_rid = (request_headers.get("client-request-id") if request_headers is not None else None) or rid
    headers = {
        **err.headers,
        "Content-Type": "application/json",
        "request-id": rid,
        "client-request-id": client_rid,
    }
    resp = GraphResponse(err.status, _error_body(err, rid, client_rid, now), headers)
    resp.drop = err.drop
    return resp


# Constructors for the errors the simulator emits in many places; messages follow real Graph.


def bad_request(message: str, code: str = "Request_BadRequest") -> GraphError:
    return GraphError(400, code, message)


def unsupported_query(message: str) -> GraphError:
    return GraphError(400, "Request_UnsupportedQuery", message)


def not_found(resource_id: str) -> GraphError:
    return GraphError(
        404,
        "Request_ResourceNotFound",
        f"Resource '{resource_id}' does not exist or one of its queried reference-property objects are not present.",
    )


def forbidden() -> GraphError:
    return GraphError(
        403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."
    )


def unauthenticated(message: str) -> GraphError:
    return GraphError(
        401, "InvalidAuthenticationToken", message, headers={"WWW-Authenticate": 'Bearer realm=""'}
    )


def not_implemented(what: str = "") -> GraphError:
    msg = "This operation target is not yet supported."
    if what:
        msg += f" (ccsync does not implement {what}; see docs/fidelity.md)"
    return GraphError(501, "NotImplemented", msg)


def method_not_allowed() -> GraphError:
    return GraphError(
        405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target."
    )


def unexpected_error() -> GraphError:
    """A bug in the simulator, answered Graph-shaped (the traceback goes to the log)."""
    return GraphError(500, "generalException", "An unexpected error occurred in the simulator.")
