"""The WSGI adapter for one cloud's Graph root: parse HTTP, call the router, shape the response.

Two ways in, one answer. A regular request (a Graph verb on ``/v1.0/...`` or ``/beta/...``, an ASCII
query without repeated options, a body of known length within the limit) goes straight from the WSGI
environ to the router and back: on the request path Flask's contexts, URL map and response object cost
more than the router itself. Everything else (other verbs, odd paths, repeated query options, bodies
too large or chunked) goes to the Flask app, whose routing and error handlers decide exactly as before.
Both render the router's answer the same way; ``tests/simulator/web/test_graph_adapter.py`` holds the
two paths to the same bytes.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from flask import Flask, Response, request
from werkzeug.datastructures import EnvironHeaders
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES, remove_entity_headers
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Request
from werkzeug.wsgi import get_content_length, get_input_stream

from simulator.clouds import Cloud
from simulator.graph.body import MAX_BODY_BYTES
from simulator.graph.router import GraphRouter
from simulator.web.server import DROP_CONNECTION
from simulator.wire.errors import GraphError, error_response, method_not_allowed, unexpected_error
from simulator.wire.message import SERVICE_HEADERS, GraphRequest, GraphResponse, Headers

log = logging.getLogger(__name__)
_METHODS = ["GET", "POST", "PATCH", "PUT", "DELETE"]
VERSIONS = ("v1.0", "beta")

#: The paths the direct way takes: a known version, then a path that starts with a segment and has no
#: empty one (werkzeug's URL map merges ``//`` with a redirect; the Flask app keeps doing that).
_REGULAR_PATH = re.compile(r"/(v1\.0|beta)/(?!/)(?!.*//)(.+)", re.DOTALL)
#: A Location made of a scheme, an authority and a path of unreserved characters: converting it to a URI
#: changes only the authority, so the converted authority is remembered and the path appended.
_PLAIN_LOCATION = re.compile(r"(https?://[^/?#@\[\]]+)(/[A-Za-z0-9\-._~/]*)")
_STATUS_LINES: dict[int, str] = {}
#: Memos keyed by what the client sent (Host header, Location authority): bounded, emptied when full.
_MEMO_MAX = 256


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


def adapter_error(exc: Exception) -> GraphError:
    """The Graph error for an exception the adapter meets outside the router (werkzeug's or a bug)."""
    if isinstance(exc, HTTPException):
        code = exc.code or 400
        if code == 413:
            return GraphError(413, "Request_EntityTooLarge", "The request body is too large.")
        if code == 405:
            return method_not_allowed()
        return GraphError(code, "BadRequest", exc.description or "Bad request.")
    log.error("unhandled error in Graph adapter", exc_info=exc)
    return unexpected_error()


def adapter_answer(err: GraphError, router: GraphRouter, headers: Mapping[str, str]) -> GraphResponse:
    """The answer to an error the adapter decides itself: on the simulator clock, with Graph's headers."""
    resp = error_response(err, router.store.clock.now(), headers)
    resp.headers.update(SERVICE_HEADERS)
    return resp


def create_flask_app(cloud: Cloud, router: GraphRouter) -> Flask:
    """The Graph service root of ``cloud`` as a Flask app: every request, regular or not."""
    app = Flask(f"ccsync-graph-{cloud.value}")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES

    def fail(err: GraphError) -> Response:
        """An error the adapter decides before the router sees the request, on the simulator clock."""
        return to_flask(adapter_answer(err, router, request.headers))

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
        return fail(adapter_error(exc))

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        return fail(adapter_error(exc))

    return app


StartResponse = Callable[..., Any]


class GraphApp:
    """The Graph root of one cloud as a WSGI app: regular requests directly, the rest through ``flask``."""

    def __init__(self, cloud: Cloud, router: GraphRouter) -> None:
        self.cloud = cloud
        self.router = router
        self.flask = create_flask_app(cloud, router)
        self._host_urls: dict[tuple[Any, ...], str] = {}
        self._authorities: dict[str, str] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        req = self._regular_request(environ)
        if req is None:
            return self.flask(environ, start_response)
        try:
            req.body = get_input_stream(environ, max_content_length=MAX_BODY_BYTES).read() or None
            resp = self.router.handle(self.cloud, req)
            if resp.drop:  # chaos: the server closes the connection without answering
                environ[DROP_CONNECTION] = True
            status, headers, payload = self._render(resp)
        except Exception as exc:  # as the Flask app's error handlers answer
            failed = adapter_answer(adapter_error(exc), self.router, req.headers)
            status, headers, payload = self._render(failed)
        start_response(status, headers)
        return [payload]

    def _regular_request(self, environ: dict[str, Any]) -> GraphRequest | None:
        """The request as the router takes it (body not read yet), or None to leave it to Flask."""
        method = environ["REQUEST_METHOD"]
        if method not in _METHODS:
            return None
        # werkzeug's routing sees PATH_INFO as UTF-8 carried in latin-1 (PEP 3333)
        m = _REGULAR_PATH.fullmatch(environ.get("PATH_INFO", "").encode("latin1").decode("utf-8", "replace"))
        if m is None:
            return None
        query: dict[str, str] = {}
        qs = environ.get("QUERY_STRING", "")
        if qs:
            if not qs.isascii():
                return None
            for key, value in parse_qsl(qs, keep_blank_values=True, errors="werkzeug.url_quote"):
                if key in query:
                    return None  # repeated option: Flask answers the error
                query[key] = value
        length = get_content_length(environ)
        if (length is None and environ.get("wsgi.input_terminated")) or (length or 0) > MAX_BODY_BYTES:
            return None
        return GraphRequest(
            method=method,
            path="/" + m.group(2),
            query=query,
            headers=Headers(dict(EnvironHeaders(environ))),
            version=m.group(1),
            base_url=self._host_url(environ),
        )

    def _host_url(self, environ: dict[str, Any]) -> str:
        key = tuple(environ.get(k) for k in ("wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT"))
        url = self._host_urls.get(key)
        if url is None:
            if len(self._host_urls) >= _MEMO_MAX:
                self._host_urls.clear()
            url = self._host_urls[key] = Request(environ).host_url.rstrip("/")
        return url

    def _render(self, resp: GraphResponse) -> tuple[str, list[tuple[str, str]], bytes]:
        """What ``to_flask`` and werkzeug's response make of ``resp``: status line, headers, body."""
        if resp.text is not None:
            payload = resp.text.encode()
        elif resp.body is None:
            payload = b""
        else:
            payload = json.dumps(resp.body, separators=(",", ":"), ensure_ascii=False).encode()
        # as werkzeug's Headers: a name set twice (in any case) keeps its first place, with the last spelling
        headers: list[tuple[str, str]] = []
        where: dict[str, int] = {}
        for key, value in resp.headers.items():
            value = str(value)
            if "\n" in value or "\r" in value:
                raise ValueError("Header values must not contain newline characters.")
            lower = key.lower()
            if lower in where:
                headers[where[lower]] = (key, value)
            else:
                where[lower] = len(headers)
                headers.append((key, value))
        if "location" in where:
            headers[where["location"]] = ("Location", self._uri(headers[where["location"]][1]))
        if "content-location" in where:
            i = where["content-location"]
            headers[i] = ("Content-Location", iri_to_uri(headers[i][1]))
        if resp.body is None and resp.text is None and "content-type" in where:
            del headers[where["content-type"]]
        status = resp.status
        if status == 204 or 100 <= status < 200:
            headers = [h for h in headers if h[0].lower() != "content-length"]
        elif status == 304:
            remove_entity_headers(headers)
        elif not any(h[0].lower() == "content-length" for h in headers):
            headers.append(("Content-Length", str(len(payload))))
        if status in (204, 304) or 100 <= status < 200:
            payload = b""
        return _status_line(status), headers, payload

    def _uri(self, location: str) -> str:
        m = _PLAIN_LOCATION.fullmatch(location)
        if m is None:
            return iri_to_uri(location)
        authority = self._authorities.get(m.group(1))
        if authority is None:
            if len(self._authorities) >= _MEMO_MAX:
                self._authorities.clear()
            authority = self._authorities[m.group(1)] = iri_to_uri(m.group(1))
        return authority + m.group(2)


def _status_line(code: int) -> str:
    line = _STATUS_LINES.get(code)
    if line is None:
        line = _STATUS_LINES[code] = f"{code} {HTTP_STATUS_CODES.get(code, 'UNKNOWN').upper()}"
    return line


def create_graph_app(cloud: Cloud, router: GraphRouter) -> GraphApp:
    """The Graph service root of ``cloud`` (``/v1.0/...`` and ``/beta/...``)."""
    return GraphApp(cloud, router)
