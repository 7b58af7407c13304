"""What every control-plane route shares: its JSON answers, its one body reader, and the error it raises.

It lives below :mod:`.app` (which turns ``ControlError`` into the response) so that the blueprints the
app registers can use it without importing the app back.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, request

from simulator.json_input import JsonInputError, load_json


class ControlError(Exception):
    """A control-plane request failed: ``status`` and ``code`` and ``message`` go into the response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def json_response(status: int, body: Any) -> Response:
    """A control-plane answer."""
    return Response(json.dumps(body, indent=1), status=status, content_type="application/json")


def error_response(status: int, code: str, message: str) -> Response:
    """A control-plane error answer, shaped like the ``ControlError`` handler's."""
    return json_response(status, {"error": {"code": code, "message": message}})


def json_body(*, required: bool = False, shape: str | None = None) -> dict[str, Any]:
    """The request's JSON object, read with the simulator's input limits (depth, size, lone surrogates).

    An empty body is ``{}``, or a 400 when ``required``; anything else that is not a JSON object is a 400.
    ``shape`` (e.g. ``'{"units": N}'``) names the one body the route takes: every refusal then says
    ``The body must be {shape}.``
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        if required:
            raise ControlError(
                400, "BadRequest", _must(shape, "The body must be a JSON object (it is empty).")
            )
        return {}
    try:
        doc = load_json(raw)
    except JsonInputError as exc:
        raise ControlError(
            400, "BadRequest", _must(shape, f"The body is not acceptable JSON: {exc}")
        ) from None
    if not isinstance(doc, dict):
        raise ControlError(400, "BadRequest", _must(shape, "The body must be a JSON object."))
    return doc


def _must(shape: str | None, otherwise: str) -> str:
    return f"The body must be {shape}." if shape else otherwise
