"""A Graph request and response as plain values, independent of HTTP servers and clients."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class Headers(dict[str, str]):
    """Case-insensitive header map (keys stored lower-case)."""

    def __init__(self, items: Any = None) -> None:
        super().__init__()
        if items:
            for k, v in dict(items).items() if not isinstance(items, list) else items:
                self[k] = v

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(key.lower(), value)

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(key.lower())

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and super().__contains__(key.lower())

    def get(self, key: str, default: Any = None) -> Any:  # type: ignore[override]
        return super().get(key.lower(), default)


@dataclass
class GraphRequest:
    """One Graph call: ``path`` is under the version root (``/users/{id}``), query values decoded."""

    method: str
    path: str
    query: dict[str, str] = field(default_factory=dict)
    headers: Headers = field(default_factory=Headers)
    body: bytes | None = None
    version: str = "v1.0"
    #: Absolute root the client used, e.g. ``https://127.0.0.1:8443``; links are built from it.
    base_url: str = ""
    #: ``time.monotonic()`` when the client's HTTP request arrived; ``$batch`` items share their batch's,
    #: so a sibling throttled in the same batch does not make them early retries.
    arrived: float | None = None


@dataclass
class GraphResponse:
    """Status, headers and a JSON-able body (or text for ``/$count``) of one Graph answer."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    #: ``text/plain`` body instead of JSON (``/$count``).
    text: str | None = None
    #: Close the connection without sending anything (chaos); ``status`` and ``body`` are a 503 for
    #: callers that cannot drop a connection (``$batch`` items, the in-process backend).
    drop: bool = False


#: Headers real Graph sends with every answer, success or error, whichever part of it decided.
SERVICE_HEADERS: dict[str, str] = {
    "x-ms-ags-diagnostic": (
        '{"ServerInfo":{"DataCenter":"ccsync","Slice":"E","Ring":"1","ScaleUnit":"000","RoleInstance":"local"}}'
    ),
    "Cache-Control": "no-cache",
    "OData-Version": "4.0",
    "Strict-Transport-Security": "max-age=31536000",
}
