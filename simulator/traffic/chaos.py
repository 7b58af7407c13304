"""Chaos: random errors by method and status, latency, dropped connections, from one seeded random.

Draw order per request (so a seed replays the same run): latency (uniform/normal only), then the drop
coin, then the error coin, each drawn only when configured for the request's method.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from simulator.traffic.errors import TrafficConfigError
from simulator.wire.errors import GraphError

METHODS = ("GET", "POST", "PATCH", "PUT", "DELETE")
ANY = "*"
#: Retry-After (seconds) on injected 429 / 503 unless the chaos settings say otherwise (Dev Proxy: 5).
DEFAULT_RETRY_AFTER = 5
_KEYS = ("seed", "errors", "latency", "drop", "retry_after")
#: Graph error codes for injected statuses (others: the status phrase without spaces).
_CODES = {
    429: "TooManyRequests",
    500: "generalException",
    503: "serviceNotAvailable",
    507: "quotaLimitReached",
}


def error_code(status: int) -> str:
    """The Graph error code an injected ``status`` carries."""
    if status in _CODES:
        return _CODES[status]
    try:
        return HTTPStatus(status).phrase.replace(" ", "").replace("-", "")
    except ValueError:
        return "UnknownError"


def injected_error(status: int, message: str, retry_after: int | None) -> GraphError:
    """A Graph-shaped error for an injected fault; 429/503 carry Retry-After when given one."""
    headers = {"Retry-After": str(retry_after)} if retry_after and status in (429, 503) else {}
    return GraphError(status, error_code(status), message, headers=headers)


@dataclass(frozen=True)
class Latency:
    """A latency distribution in milliseconds: fixed, uniform(min, max) or normal(mean, stddev)."""

    kind: str
    a: float
    b: float = 0.0

    def draw(self, rng: random.Random) -> float:
        if self.kind == "fixed":
            return self.a
        if self.kind == "uniform":
            return rng.uniform(self.a, self.b)
        return max(0.0, rng.gauss(self.a, self.b))

    def to_dict(self) -> dict[str, float]:
        if self.kind == "fixed":
            return {"fixed_ms": self.a}
        if self.kind == "uniform":
            return {"min_ms": self.a, "max_ms": self.b}
        return {"mean_ms": self.a, "stddev_ms": self.b}


@dataclass(frozen=True)
class ChaosSettings:
    """What ``PUT /_simulator/chaos`` set; the empty settings mean no chaos."""

    seed: int | None = None
    #: method (or ``*``) -> ((status, probability), ...) in ascending status order
    errors: dict[str, tuple[tuple[int, float], ...]] = field(default_factory=dict)
    latency: dict[str, Latency] = field(default_factory=dict)
    drop: dict[str, float] = field(default_factory=dict)
    retry_after: int = DEFAULT_RETRY_AFTER

    @property
    def enabled(self) -> bool:
        return bool(self.errors or self.latency or self.drop)

    def to_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "errors": {m: {str(s): p for s, p in rates} for m, rates in self.errors.items()},
            "latency": {m: lat.to_dict() for m, lat in self.latency.items()},
            "drop": dict(self.drop),
            "retry_after": self.retry_after,
        }


def _method(key: Any, what: str) -> str:
    m = str(key).upper()
    if m not in (*METHODS, ANY):
        raise TrafficConfigError(f"{what}: unknown method {key!r}; use one of {', '.join(METHODS)} or '*'.")
    return m


def _number(value: Any, what: str, *, low: float = 0.0, high: float = math.inf) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise TrafficConfigError(f"{what} must be a number (got {value!r}).")
    if not low <= value <= high:
        bound = f"from {low:g} to {high:g}" if high != math.inf else f"at least {low:g}"
        raise TrafficConfigError(f"{what} must be {bound} (got {value!r}).")
    return float(value)


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise TrafficConfigError(f"{what} must be an object keyed by HTTP method (or '*').")
    return value


def _errors(doc: Any) -> dict[str, tuple[tuple[int, float], ...]]:
    out: dict[str, tuple[tuple[int, float], ...]] = {}
    for key, rates in _mapping(doc, "'errors'").items():
        method = _method(key, "'errors'")
        rates = _mapping(rates, f"'errors.{key}'")
        parsed: list[tuple[int, float]] = []
        for status_text, p in rates.items():
            try:
                status = int(status_text)
            except (TypeError, ValueError):
                status = 0
            if not 400 <= status <= 599:
                raise TrafficConfigError(
                    f"'errors.{key}': status {status_text!r} must be an HTTP error status from 400 to 599."
                )
            parsed.append((status, _number(p, f"'errors.{key}.{status_text}'", high=1.0)))
        if sum(p for _, p in parsed) > 1.0 + 1e-9:
            raise TrafficConfigError(f"'errors.{key}': the probabilities add up to more than 1.")
        if parsed:
            out[method] = tuple(sorted(parsed))
    return out


def _latency(doc: Any) -> dict[str, Latency]:
    out: dict[str, Latency] = {}
    shapes = "{'fixed_ms': N}, {'min_ms': A, 'max_ms': B} or {'mean_ms': M, 'stddev_ms': S}"
    for key, spec in _mapping(doc, "'latency'").items():
        method = _method(key, "'latency'")
        what = f"'latency.{key}'"
        if not isinstance(spec, dict):
            raise TrafficConfigError(f"{what} must be one of {shapes}.")
        keys = set(spec)
        if keys == {"fixed_ms"}:
            out[method] = Latency("fixed", _number(spec["fixed_ms"], f"{what}.fixed_ms"))
        elif keys == {"min_ms", "max_ms"}:
            low = _number(spec["min_ms"], f"{what}.min_ms")
            high = _number(spec["max_ms"], f"{what}.max_ms", low=low)
            out[method] = Latency("uniform", low, high)
        elif keys == {"mean_ms", "stddev_ms"}:
            out[method] = Latency(
                "normal",
                _number(spec["mean_ms"], f"{what}.mean_ms"),
                _number(spec["stddev_ms"], f"{what}.stddev_ms"),
            )
        else:
            raise TrafficConfigError(f"{what} must be one of {shapes} (got keys {sorted(keys)}).")
    return out


def _drop(doc: Any) -> dict[str, float]:
    if isinstance(doc, int | float) and not isinstance(doc, bool):
        p = _number(doc, "'drop'", high=1.0)
        return {ANY: p} if p else {}
    out = {}
    for key, p in _mapping(doc, "'drop'").items():
        rate = _number(p, f"'drop.{key}'", high=1.0)
        if rate:
            out[_method(key, "'drop'")] = rate
    return out


def parse_chaos(doc: Any) -> ChaosSettings:
    """Validate a ``PUT /_simulator/chaos`` body; raises TrafficConfigError naming the bad field."""
    if not isinstance(doc, dict):
        raise TrafficConfigError("the chaos settings must be a JSON object.")
    unknown = sorted(set(doc) - set(_KEYS))
    if unknown:
        raise TrafficConfigError(f"unknown chaos setting(s) {unknown}; allowed: {', '.join(_KEYS)}.")
    seed = doc.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise TrafficConfigError(f"'seed' must be an integer (got {seed!r}).")
    retry_after = doc.get("retry_after", DEFAULT_RETRY_AFTER)
    if isinstance(retry_after, bool) or not isinstance(retry_after, int) or not 0 <= retry_after <= 3600:
        raise TrafficConfigError(f"'retry_after' must be whole seconds from 0 to 3600 (got {retry_after!r}).")
    return ChaosSettings(
        seed=seed,
        errors=_errors(doc.get("errors") or {}),
        latency=_latency(doc.get("latency") or {}),
        drop=_drop(doc.get("drop") or {}),
        retry_after=retry_after,
    )


class Chaos:
    """Draws the chaos outcome of each request from one seeded ``random.Random``; callers lock."""

    def __init__(self, settings: ChaosSettings, seed: int) -> None:
        self.settings = settings
        self.rng = random.Random(settings.seed if settings.seed is not None else seed)

    def latency_ms(self, method: str) -> float:
        lat = self.settings.latency.get(method) or self.settings.latency.get(ANY)
        return lat.draw(self.rng) if lat is not None else 0.0

    def drops(self, method: str) -> bool:
        rate = self.settings.drop.get(method, self.settings.drop.get(ANY))
        return rate is not None and self.rng.random() < rate

    def error(self, method: str) -> int | None:
        """The status to inject, or None."""
        rates = self.settings.errors.get(method) or self.settings.errors.get(ANY)
        if not rates:
            return None
        u = self.rng.random()
        for status, p in rates:
            if u < p:
                return status
            u -= p
        return None
