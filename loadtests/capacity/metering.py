"""A seam that counts: every Graph request the engine sends, per identity, with its writes and resource units.

The capacity model is built from these counts (the engine's own traffic, measured), not from constants:
``MeteredGraph`` wraps any ``GraphBackend`` and reads Graph's ``x-ms-resource-unit`` answer header, which
the real Graph and the simulator's throttling profiles both send.
"""

from __future__ import annotations

from dataclasses import dataclass

from syncengine.backend import GraphBackend, GraphCall, GraphResult, Identity
from syncengine.clock import Clock

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class Meter:
    """What one identity sent: requests, writes among them, resource units Graph charged."""

    requests: int = 0
    writes: int = 0
    resource_units: int = 0
    throttled: int = 0
    #: requests on ``/invitations`` (Graph's invitation manager has its own limit per tenant)
    invitations: int = 0

    def minus(self, other: Meter) -> Meter:
        return Meter(
            self.requests - other.requests,
            self.writes - other.writes,
            self.resource_units - other.resource_units,
            self.throttled - other.throttled,
            self.invitations - other.invitations,
        )

    def copy(self) -> Meter:
        return Meter(self.requests, self.writes, self.resource_units, self.throttled, self.invitations)


class MeteredGraph(GraphBackend):
    """Passes every call to ``inner`` and counts it for the calling identity's tenant."""

    def __init__(self, inner: GraphBackend, clock: Clock | None = None) -> None:
        self.inner = inner
        self.by_tenant: dict[str, Meter] = {}
        #: with a clock: (seconds on it, tenant id, kind, client id) per request; kind is "invitation" (a write
        #: on /invitations), "write", "read" or "throttled"
        self.clock = clock
        self.events: list[tuple[float, str, str, str]] = []

    def send(self, identity: Identity, call: GraphCall) -> GraphResult:
        result = self.inner.send(identity, call)
        m = self.by_tenant.setdefault(identity.tenant_id, Meter())
        m.requests += 1
        invitation = call.path.rstrip("/").lower().endswith("/invitations")
        if result.status == 429:
            m.throttled += 1
        elif invitation:
            m.invitations += 1
            m.writes += 1
        elif call.method.upper() in WRITE_METHODS and not call.path.endswith("/$batch"):
            # a POST that only reads (getByIds, delta, $batch envelope) would not be a write; the engine sends none
            m.writes += 1
        if self.clock is not None:
            if result.status == 429:
                kind = "throttled"
            elif invitation:
                kind = "invitation"
            else:
                kind = "write" if call.method.upper() in WRITE_METHODS else "read"
            self.events.append((self.clock.now().timestamp(), identity.tenant_id, kind, identity.client_id))
        try:
            m.resource_units += int(result.headers.get("x-ms-resource-unit", "0"))
        except ValueError:
            pass
        return result

    def snapshot(self, tenant_id: str) -> Meter:
        return self.by_tenant.get(tenant_id, Meter()).copy()

    def close(self) -> None:
        self.inner.close()
