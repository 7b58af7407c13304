"""Client JSON read safely: bounded nesting, no lone surrogates, no NUL — checked before any model sees it.

Graph bodies (``simulator.graph.body``) and control-plane bodies (``simulator.web.control``) both
read through ``load_json``; each turns ``JsonInputError`` into its own 400. A string that cannot be
encoded as UTF-8 (an unpaired ``\\ud800`` escape) would otherwise be accepted into memory and then fail
every later write to SQLite and every later answer that contains it.
"""

from __future__ import annotations

import json
import re
from typing import Any

#: Deepest nesting of objects and arrays accepted in a body (OData's reader refuses deeper documents).
MAX_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonInputError(ValueError):
    """A body that is not acceptable JSON; the message says why, for a 400."""


def nesting_depth(raw: bytes) -> int:
    """The deepest ``[``/``{`` nesting in ``raw``, ignoring brackets inside strings (C-speed scan)."""
    skeleton = _STRING.sub(b"", raw).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for b in skeleton:
        if b in (91, 123):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
        else:
            depth -= 1
    return deepest


def load_json(raw: bytes | str) -> Any:
    """Parse ``raw`` as JSON and check every string; ``JsonInputError`` for anything refused."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    if nesting_depth(data) > MAX_DEPTH:
        raise JsonInputError(f"The JSON payload is nested more than {MAX_DEPTH} levels deep.")
    try:
        doc = json.loads(data)
    except RecursionError:  # pragma: no cover - the depth check runs first
        raise JsonInputError(f"The JSON payload is nested more than {MAX_DEPTH} levels deep.") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise JsonInputError(f"The payload is not valid JSON ({exc.__class__.__name__}).") from None
    check_strings(doc)
    return doc


def check_strings(doc: Any) -> None:
    """Refuse unpaired UTF-16 surrogates and NUL in any key or string value of ``doc``."""
    stack = [doc]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            _check_string(v)
        elif isinstance(v, dict):
            for k, item in v.items():
                _check_string(k)
                stack.append(item)
        elif isinstance(v, list):
            stack.extend(v)


def _check_string(s: str) -> None:
    if s.isascii():
        if "\x00" in s:
            raise JsonInputError("The JSON payload contains a NUL character (\\u0000), which is not allowed.")
        return
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonInputError(
            "The JSON payload contains an unpaired UTF-16 surrogate escape; strings must be valid Unicode."
        ) from None
    if "\x00" in s:
        raise JsonInputError("The JSON payload contains a NUL character (\\u0000), which is not allowed.")
