"""Canned faults: the next N requests matching a method and path answer a given status (or are dropped)."""

from __future__ import annotations

import fnmatch
import itertools
import logging
from dataclasses import dataclass, field
from typing import Any

import regex

from simulator.traffic.chaos import ANY, METHODS
from simulator.traffic.errors import TrafficConfigError

_KEYS = (
    "method",
    "path",
    "path_regex",
    "count",
    "status",
    "body",
    "headers",
    "tenant",
    "app",
    "drop",
    "retry_after",
)
#: Retry-After (seconds) a canned 429 / 503 carries unless it sets its own.
DEFAULT_RETRY_AFTER = 1
MAX_COUNT = 1_000_000
#: A fault's path pattern gets at most this long to match one request path (seconds). Patterns run in
#: the ``regex`` engine, whose timeout bounds catastrophic backtracking (``^/users/(a+)+$``): a pattern
#: that runs out of time does not match, and the request goes on as if there were no fault.
MATCH_TIMEOUT = 0.05
MAX_PATTERN_LENGTH = 1024
log = logging.getLogger(__name__)


@dataclass
class CannedFault:
    """One canned fault; ``remaining`` counts down as matching requests fire it."""

    id: str
    method: str
    pattern: regex.Pattern[str]
    pattern_text: str
    pattern_kind: str
    count: int
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    tenant: str | None = None
    app: str | None = None
    drop: bool = False
    retry_after: int | None = None
    remaining: int = 0
    fired: int = 0

    def matches(self, method: str, path: str, tenant_id: str, app_id: str) -> bool:
        return (
            (self.method == ANY or self.method == method)
            and (self.tenant is None or self.tenant == tenant_id.lower())
            and (self.app is None or self.app == app_id.lower())
            and self._search(path)
        )

    def _search(self, path: str) -> bool:
        try:
            return self.pattern.search(path, timeout=MATCH_TIMEOUT) is not None
        except TimeoutError:
            log.warning(
                "canned fault %s: pattern %r timed out on a path; treated as no match",
                self.id,
                self.pattern_text,
            )
            return False

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "method": self.method,
            self.pattern_kind: self.pattern_text,
            "count": self.count,
            "remaining": self.remaining,
            "fired": self.fired,
        }
        if self.drop:
            out["drop"] = True
        else:
            out["status"] = self.status
            if self.body is not None:
                out["body"] = self.body
            if self.headers:
                out["headers"] = dict(self.headers)
            if self.retry_after is not None:
                out["retry_after"] = self.retry_after
        if self.tenant:
            out["tenant"] = self.tenant
        if self.app:
            out["app"] = self.app
        return out


def _pattern(doc: dict[str, Any]) -> tuple[regex.Pattern[str], str, str]:
    glob, pattern = doc.get("path"), doc.get("path_regex")
    if (glob is None) == (pattern is None):
        raise TrafficConfigError(
            "give exactly one of 'path' (a glob such as '/users*', matched case-insensitively against the "
            "whole path under the version root) or 'path_regex' (a Python regular expression, searched)."
        )
    if glob is not None:
        if not isinstance(glob, str) or not glob:
            raise TrafficConfigError("'path' must be a non-empty glob such as '/users*'.")
        if len(glob) > MAX_PATTERN_LENGTH:
            raise TrafficConfigError(f"'path' is longer than {MAX_PATTERN_LENGTH} characters.")
        return regex.compile(fnmatch.translate(glob), regex.IGNORECASE), glob, "path"
    if not isinstance(pattern, str) or not pattern:
        raise TrafficConfigError(
            "'path_regex' must be a non-empty regular expression such as '^/users/[^/]+$'."
        )
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise TrafficConfigError(f"'path_regex' is longer than {MAX_PATTERN_LENGTH} characters.")
    try:
        return regex.compile(pattern, regex.IGNORECASE), pattern, "path_regex"
    except (regex.error, OverflowError, RecursionError) as exc:
        raise TrafficConfigError(f"'path_regex' is not a valid regular expression: {exc}.") from None


def _int(doc: dict[str, Any], key: str, default: int | None, low: int, high: int) -> int | None:
    value = doc.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise TrafficConfigError(f"'{key}' must be an integer from {low} to {high} (got {value!r}).")
    return value


def parse_fault(doc: Any, fault_id: str) -> CannedFault:
    """Validate a ``POST /_simulator/faults`` body; raises TrafficConfigError naming the bad field."""
    if not isinstance(doc, dict):
        raise TrafficConfigError("a canned fault must be a JSON object.")
    unknown = sorted(set(doc) - set(_KEYS))
    if unknown:
        raise TrafficConfigError(f"unknown canned-fault field(s) {unknown}; allowed: {', '.join(_KEYS)}.")
    method = str(doc.get("method") or ANY).upper()
    if method not in (*METHODS, ANY):
        raise TrafficConfigError(
            f"'method' must be one of {', '.join(METHODS)} or '*' (got {doc['method']!r})."
        )
    pattern, text, kind = _pattern(doc)
    count = _int(doc, "count", 1, 1, MAX_COUNT)
    drop = doc.get("drop", False)
    if not isinstance(drop, bool):
        raise TrafficConfigError("'drop' must be true or false.")
    if drop and any(k in doc for k in ("status", "body", "headers", "retry_after")):
        raise TrafficConfigError("a dropped connection sends nothing: leave out 'status', 'body', 'headers'.")
    status = _int(doc, "status", None, 200, 599)
    if status is None and not drop:
        raise TrafficConfigError(
            "'status' is required (an HTTP status from 200 to 599), or set 'drop': true."
        )
    headers = doc.get("headers") or {}
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str | int) and not isinstance(v, bool)
        for k, v in headers.items()
    ):
        raise TrafficConfigError("'headers' must be an object of header names to string values.")
    if any("\n" in k or "\r" in k or "\n" in str(v) or "\r" in str(v) for k, v in headers.items()):
        raise TrafficConfigError("'headers' must not contain line breaks.")
    default_ra = DEFAULT_RETRY_AFTER if status in (429, 503) else None
    retry_after = _int(doc, "retry_after", default_ra, 0, 3600)
    tenant, app = doc.get("tenant"), doc.get("app")
    for key, value in (("tenant", tenant), ("app", app)):
        if value is not None and (not isinstance(value, str) or not value):
            raise TrafficConfigError(f"'{key}' must be an id string.")
    assert count is not None
    return CannedFault(
        id=fault_id,
        method=method,
        pattern=pattern,
        pattern_text=text,
        pattern_kind=kind,
        count=count,
        status=status or 0,
        body=doc.get("body"),
        headers={k: str(v) for k, v in headers.items()},
        tenant=tenant.lower() if tenant else None,
        app=app.lower() if app else None,
        drop=drop,
        retry_after=retry_after or None,
        remaining=count,
    )


class FaultBook:
    """The canned faults in the order they were added; the first live match fires. Callers lock."""

    def __init__(self) -> None:
        self.faults: list[CannedFault] = []
        self._ids = itertools.count(1)
        #: faults with ``remaining > 0`` (the hot path looks only at these)
        self.live = 0

    def add(self, doc: Any) -> CannedFault:
        fault = parse_fault(doc, f"fault-{next(self._ids)}")
        self.faults.append(fault)
        self.live += 1
        return fault

    def take(self, method: str, path: str, tenant_id: str, app_id: str) -> CannedFault | None:
        """The fault this request fires (counted down), or None."""
        for fault in self.faults:
            if fault.remaining > 0 and fault.matches(method, path, tenant_id, app_id):
                fault.remaining -= 1
                fault.fired += 1
                if fault.remaining == 0:
                    self.live -= 1
                return fault
        return None

    def remove(self, fault_id: str) -> bool:
        for i, fault in enumerate(self.faults):
            if fault.id == fault_id:
                if fault.remaining > 0:
                    self.live -= 1
                del self.faults[i]
                return True
        return False

    def clear(self) -> int:
        n = len(self.faults)
        self.faults.clear()
        self.live = 0
        return n
