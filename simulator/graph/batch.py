"""Graph JSON batching (``POST /$batch``): parse the batch document, run its items through the router.

Batch-level faults (not an object, no ``requests`` array, 0 or more than 20 items, a malformed item,
duplicate ids, a ``dependsOn`` that does not point to an earlier item) fail the whole batch with 400.
Faults of one item (unsupported method, a URL outside this version root, a body without
``Content-Type``, a nested ``$batch``) become that item's 400; the batch itself answers 200.

Fidelity notes (docs/fidelity.md):

* Items run one after another in array order and answer in array order; real Graph may run
  independent items in parallel and answer them in any order.
* ``depends_on`` (snake case, what msgraph-core 1.5 sends) is accepted and, by default, ignored for
  sequencing, as real Graph reportedly does (reference §3.10); ``honour_snake_depends_on=True`` treats
  it like ``dependsOn``.
* Each item is answered by ``GraphRouter.handle`` with the outer caller, so permissions, throttling
  (an inner 429 keeps its own ``Retry-After``) and the store lock apply per item.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from simulator.graph.router import Context, GraphRouter
from simulator.wire.errors import GraphError, bad_request, error_response
from simulator.wire.message import GraphRequest, GraphResponse, Headers

MAX_BATCH_REQUESTS = 20
METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE"})
#: Default for sequencing on msgraph-core's ``depends_on``: real Graph reportedly ignores it.
HONOUR_SNAKE_DEPENDS_ON = False

#: Headers of a whole HTTP exchange that real Graph does not repeat inside batch items.
_TRANSPORT_HEADERS = frozenset(
    {"request-id", "client-request-id", "x-ms-ags-diagnostic", "strict-transport-security", "date"}
)


_URLSAFE = str.maketrans("-_", "+/")


@dataclass(frozen=True)
class BatchItem:
    """One entry of ``requests[]`` after batch-level validation; item-level checks come at run time."""

    id: str
    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    #: The raw JSON value of ``body`` (None when absent or null).
    body: Any
    #: Ids (as written) of earlier items this one waits for.
    depends_on: tuple[str, ...]


def _batch_error(message: str) -> GraphError:
    return bad_request(message, code="BadRequest")


def parse_batch(payload: Any, *, honour_snake_depends_on: bool = HONOUR_SNAKE_DEPENDS_ON) -> list[BatchItem]:
    """The items of a batch document; GraphError 400 for any fault that fails the whole batch."""
    if not isinstance(payload, dict):
        raise _batch_error("Invalid batch payload format: the body must be a JSON object.")
    requests = payload.get("requests")
    if not isinstance(requests, list):
        raise _batch_error("Invalid batch payload format: 'requests' must be an array.")
    if not requests:
        raise _batch_error("The batch request must contain at least one request.")
    if len(requests) > MAX_BATCH_REQUESTS:
        raise _batch_error(f"The batch request limit of {MAX_BATCH_REQUESTS} was exceeded.")
    items: list[BatchItem] = []
    seen: set[str] = set()
    for index, raw in enumerate(requests):
        item = _parse_item(index, raw, honour_snake_depends_on)
        key = item.id.lower()
        if key in seen:
            raise _batch_error(f"Request Id '{item.id}' is duplicated; request ids must be unique.")
        for dep in item.depends_on:
            if dep.lower() not in seen:
                raise _batch_error(
                    f"Invalid dependency for request Id '{item.id}': '{dep}' must be the id of an earlier request."
                )
        seen.add(key)
        items.append(item)
    return items


def _parse_item(index: int, raw: Any, honour_snake_depends_on: bool) -> BatchItem:
    if not isinstance(raw, dict):
        raise _batch_error(f"Invalid batch payload format: request {index} is not a JSON object.")
    rid = raw.get("id")
    if not isinstance(rid, str) or not rid.strip():
        raise _batch_error(f"Invalid batch payload format: request {index} has no 'id' string.")
    for name in ("method", "url"):
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise _batch_error(f"Invalid batch payload format: request '{rid}' has no '{name}' string.")
    headers = raw.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(v, str | int | float) and not isinstance(v, bool) for v in headers.values()
    ):
        raise _batch_error(
            f"Invalid batch payload format: 'headers' of request '{rid}' must be an object of strings."
        )
    deps = _id_list(rid, "dependsOn", raw.get("dependsOn"))
    snake = _id_list(rid, "depends_on", raw.get("depends_on"))
    if honour_snake_depends_on:
        deps += tuple(d for d in snake if d.lower() not in {x.lower() for x in deps})
    return BatchItem(
        id=rid,
        method=raw["method"].strip().upper(),
        url=raw["url"].strip(),
        headers=tuple((str(k), str(v)) for k, v in headers.items()),
        body=raw.get("body"),
        depends_on=deps,
    )


def _id_list(rid: str, key: str, value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _batch_error(
            f"Invalid batch payload format: '{key}' of request '{rid}' must be an array of ids."
        )
    return tuple(value)


def inner_request(item: BatchItem, outer: GraphRequest) -> GraphRequest:
    """The GraphRequest one item stands for; GraphError 400 for faults of this item alone."""
    if item.method not in METHODS:
        raise bad_request(f"Method '{item.method}' is not supported in a batch request.", code="BadRequest")
    path, query = _split_url(item.url, outer.version)
    if path.rstrip("/").lower() == "/$batch":
        raise bad_request("A batch request cannot contain another $batch request.", code="BadRequest")
    headers = Headers(list(item.headers))
    body: bytes | None = None
    if item.body is not None:
        ctype = headers.get("content-type")
        if not ctype:
            raise bad_request(
                "Content-Type header must be specified in 'headers' when the request has a 'body'.",
                code="BadRequest",
            )
        body = _body_bytes(item.body)
    return GraphRequest(
        method=item.method,
        path=path,
        query=query,
        headers=headers,
        body=body,
        version=outer.version,
        base_url=outer.base_url,
        arrived=outer.arrived,
    )


def _split_url(url: str, version: str) -> tuple[str, dict[str, str]]:
    """Path under the version root and decoded query of an item's relative or absolute ``url``."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        # msgraph-core sends absolute URLs; any host is taken, the version must be the outer one
        segments = parts.path.split("/", 2)
        if parts.scheme.lower() not in ("http", "https") or len(segments) < 2 or segments[1] != version:
            raise bad_request(
                f"The url '{url}' is not under the /{version} root of this batch request.", code="BadRequest"
            )
        path = "/" + (segments[2] if len(segments) > 2 else "")
    else:
        path = "/" + parts.path.lstrip("/")
    query: dict[str, str] = {}
    for key, value in parse_qsl(parts.query, keep_blank_values=True):
        if key in query:
            raise bad_request(f"Query option '{key}' was specified more than once.", code="BadRequest")
        query[key] = value
    return unquote(path), query


def _body_bytes(body: Any) -> bytes:
    """A JSON object/array/scalar is sent as JSON; a string is base64 (the documented way for other types)."""
    if isinstance(body, str):
        try:
            # standard or URL-safe alphabet
            return base64.b64decode(body.translate(_URLSAFE), validate=True)
        except (binascii.Error, ValueError):
            raise bad_request(
                "The request body must be a JSON object or a base64-encoded value.", code="BadRequest"
            ) from None
    return json.dumps(body).encode()


def run_batch(router: GraphRouter, ctx: Context, items: list[BatchItem]) -> list[dict[str, Any]]:
    """Answer every item in array order; dependents of a failed item get 424."""
    statuses: dict[str, int] = {}
    out: list[dict[str, Any]] = []
    for item in items:
        failed = [d for d in item.depends_on if statuses.get(d.lower(), 0) >= 400]
        if failed:
            resp = _item_error(
                ctx,
                item,
                GraphError(
                    424,
                    "FailedDependency",
                    f"The request could not be run because request '{failed[0]}' it depends on failed.",
                ),
            )
        else:
            try:
                req = inner_request(item, ctx.request)
            except GraphError as err:
                resp = _item_error(ctx, item, err)
            else:
                resp = router.handle(ctx.cloud, req, caller=ctx.caller)
        statuses[item.id.lower()] = resp.status
        out.append(_render(item.id, resp))
    return out


def _item_error(ctx: Context, item: BatchItem, err: GraphError) -> GraphResponse:
    """An item-level failure decided by the batch itself, Graph-shaped like the router's."""
    return error_response(err, ctx.now, Headers(list(item.headers)))


def _render(item_id: str, resp: GraphResponse) -> dict[str, Any]:
    has_body = resp.text is not None or resp.body is not None
    headers = {
        k: str(v)
        for k, v in resp.headers.items()
        if k.lower() not in _TRANSPORT_HEADERS and (has_body or k.lower() != "content-type")
    }
    entry: dict[str, Any] = {"id": item_id, "status": resp.status, "headers": headers}
    if resp.text is not None:
        entry["body"] = resp.text
    elif resp.body is not None:
        entry["body"] = resp.body
    return entry
