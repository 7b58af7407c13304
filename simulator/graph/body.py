"""Parsing of Graph request bodies: JSON only, bounded, with Graph's errors for bad input."""

from __future__ import annotations

from typing import Any

from simulator.json_input import JsonInputError, load_json
from simulator.wire.errors import GraphError, bad_request
from simulator.wire.message import GraphRequest

MAX_BODY_BYTES = 4 * 1024 * 1024


def parse_json_body(req: GraphRequest) -> Any:
    """The request's JSON body; 400 for missing, malformed or non-JSON content, 413 if too large."""
    raw = req.body or b""
    if len(raw) > MAX_BODY_BYTES:
        raise GraphError(413, "Request_EntityTooLarge", "The request body is too large.")
    if not raw.strip():
        raise bad_request("Empty Payload. JSON content expected.", code="BadRequest")
    ctype = (req.headers.get("content-type") or "application/json").split(";", 1)[0].strip().lower()
    if ctype and ctype != "application/json" and not ctype.endswith("+json") and ctype != "text/plain":
        raise GraphError(415, "BadRequest", f"Content-Type '{ctype}' is not supported; use application/json.")
    try:
        return load_json(raw)
    except JsonInputError as exc:
        raise bad_request(
            "Unable to read JSON request payload. Please ensure Content-Type header is set and payload "
            f"is of valid JSON format. ({exc})",
            code="BadRequest",
        ) from None
