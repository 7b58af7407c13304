"""``SimulatedGraph``: the engine's seam served in-process by the simulator's Graph router.

Same routing, validation, throttling, faults and errors as over HTTPS, without sockets or tokens:
the caller's identity becomes the app's granted permissions directly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import parse_qsl, unquote, urlsplit

from simulator.clouds import CLOUDS, Cloud
from simulator.graph.router import GraphRouter
from simulator.wire.message import GraphRequest, Headers
from syncengine.backend import GraphBackend, GraphCall, GraphResult, Identity
from syncengine.errors import TokenError, TransportError


@dataclass(frozen=True)
class _Caller:
    tenant_id: str
    app_id: str
    roles: frozenset[str]
    sp_id: str


class SimulatedGraph(GraphBackend):
    """Hands each call to ``router.handle`` for the identity's cloud."""

    def __init__(self, router: GraphRouter, first_party: dict[str, frozenset[str]] | None = None) -> None:
        self.router = router
        #: Microsoft first-party app ids (no app registration in the tenant) and the roles they act with
        self.first_party = dict(first_party or {})

    def _caller(self, identity: Identity) -> _Caller:
        store = self.router.store
        with store.lock:
            tenant = store.tenants.get(identity.tenant_id)
            if tenant is None or tenant.cloud.value != identity.cloud:
                raise TokenError(
                    "invalid_request",
                    f"AADSTS90002: Tenant '{identity.tenant_id}' not found in cloud {identity.cloud}.",
                )
            if identity.client_id in self.first_party:
                from simulator.directory.apps import ensure_first_party_sp

                sp = ensure_first_party_sp(tenant, identity.client_id)
                return _Caller(tenant.id, identity.client_id, self.first_party[identity.client_id], sp["id"])
            app = tenant.apps.get(identity.client_id)
            if app is None:
                raise TokenError(
                    "unauthorized_client",
                    f"AADSTS700016: Application with identifier '{identity.client_id}' was not found in the directory.",
                )
            return _Caller(tenant.id, app.client_id, frozenset(app.roles), app.sp_id)

    def send(self, identity: Identity, call: GraphCall) -> GraphResult:
        cloud = Cloud(identity.cloud)
        base = f"https://{CLOUDS[cloud].graph_host}"
        version, path, query = call.version, call.path, dict(call.query)
        if path.startswith("https://"):
            parts = urlsplit(path)
            segments = parts.path.split("/", 2)
            version = segments[1] if len(segments) > 1 else version
            path = "/" + (segments[2] if len(segments) > 2 else "")
            query.update(parse_qsl(parts.query, keep_blank_values=True))
            base = f"{parts.scheme}://{parts.netloc}"
        headers = Headers(dict(call.headers))
        body = None
        if call.body is not None:
            body = json.dumps(call.body).encode()
            if "content-type" not in headers:
                headers["Content-Type"] = "application/json"
        req = GraphRequest(call.method.upper(), unquote(path), query, headers, body, version, base)
        resp = self.router.handle(cloud, req, caller=self._caller(identity))
        if resp.drop:
            raise TransportError(f"{call.method} {path}: connection dropped (simulated)")
        out_headers = {k.lower(): str(v) for k, v in resp.headers.items()}
        if resp.text is not None:
            return GraphResult(resp.status, out_headers, resp.text)
        # a JSON round trip: the engine must never hold references into the simulator's store
        payload = None if resp.body is None else json.loads(json.dumps(resp.body))
        return GraphResult(resp.status, out_headers, payload)
