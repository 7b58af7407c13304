"""The Graph router: match a request to a handler, authenticate, authorize, answer Graph-shaped.

HTTP-agnostic: the Flask adapter and the in-process ``SimulatedGraph`` both call ``handle``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from simulator.clouds import Cloud
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.directory.users import purge_expired
from simulator.traffic.costs import request_cost
from simulator.wire.errors import (
    GraphError,
    error_response,
    forbidden,
    method_not_allowed,
    not_implemented,
    unauthenticated,
    unexpected_error,
)
from simulator.wire.message import SERVICE_HEADERS, GraphRequest, GraphResponse
from simulator.wire.routing import CallerLike

log = logging.getLogger(__name__)

ODATA_JSON = (
    "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
)


Authenticate = Callable[[str | None, Cloud], CallerLike]


@dataclass
class Context:
    """What a handler gets: the request, the caller's tenant, the time, where links point."""

    request: GraphRequest
    tenant: Tenant
    caller: CallerLike
    store: Store
    now: datetime
    cloud: Cloud

    @property
    def root(self) -> str:
        """Absolute version root for links: ``https://127.0.0.1:PORT/v1.0``."""
        return f"{self.request.base_url}/{self.request.version}"

    def json_body(self) -> Any:
        from simulator.graph.body import parse_json_body

        return parse_json_body(self.request)


Handler = Callable[..., GraphResponse]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    permissions: tuple[str, ...]
    #: True for writes (counted for throttling write budgets later).
    write: bool
    #: Run the handler under the store lock (False for handlers that call back into the router).
    locked: bool = True


_SEGMENT_PARAM = re.compile(r"\{(\w+)\}")
_FUNCTION_ALIASES = re.compile(r"/(?:microsoft\.graph\.)?(delta)(?:\(\))?(?=/|$)")
_KEY_SEGMENT = re.compile(r"/(\w+)\(([^()/]*)\)(?=/|$)")


def _key_as_segment(m: re.Match[str]) -> str:
    """``users('x')`` -> ``users/x``; ``servicePrincipals(appId='x')`` -> ``servicePrincipals/(appId='x')``."""
    name, key = m.group(1), m.group(2)
    if "=" in key:
        return f"/{name}/({key})"
    return f"/{name}/{key.strip(chr(39))}"


def _compile(template: str) -> re.Pattern[str]:
    regex = _SEGMENT_PARAM.sub(
        lambda m: f"(?P<{m.group(1)}>[^/]+)", re.escape(template).replace(r"\{", "{").replace(r"\}", "}")
    )
    return re.compile(f"^{regex}$", re.IGNORECASE)


class GraphRouter:
    """Routes Graph requests of every cloud to resource handlers against the shared store."""

    def __init__(self, store: Store, authenticate: Authenticate) -> None:
        self.store = store
        self.authenticate = authenticate
        self.routes: list[Route] = []
        #: First path segments the simulator knows but does not implement (501, not 400).
        self.known_unimplemented: set[str] = set(KNOWN_GRAPH_ROOTS)
        self._roots: set[str] = set()
        #: first path segment -> its routes in registration order (matching scans only these)
        self._by_root: dict[str, list[Route]] = {}
        #: Throttling and chaos; None = off (the default).
        self.traffic: Traffic | None = None

    def add(
        self,
        method: str,
        template: str,
        handler: Handler,
        permissions: tuple[str, ...],
        *,
        locked: bool = True,
    ) -> None:
        self.routes.append(
            Route(method.upper(), _compile(template), handler, permissions, method.upper() != "GET", locked)
        )
        root = template.strip("/").split("/", 1)[0].split("(", 1)[0].lower()
        self._roots.add(root)
        self._by_root.setdefault(root, []).append(self.routes[-1])

    def handle(self, cloud: Cloud, req: GraphRequest, caller: CallerLike | None = None) -> GraphResponse:
        """Answer one Graph request; never raises for client input.

        ``caller`` skips token validation (``$batch`` items, the in-process backend).
        """
        if req.arrived is None:
            req.arrived = time.monotonic()
        request_id = str(uuid.uuid4())
        client_request_id = req.headers.get("client-request-id") or request_id
        now = self.store.clock.now()
        seen = _Seen(caller)
        try:
            resp = self._dispatch(cloud, req, seen, now)
        except GraphError as err:
            resp = error_response(err, now, req.headers, request_id=request_id)
        except Exception:  # a bug in the simulator: answer Graph-shaped, keep the traceback in the log
            log.exception("unhandled error in Graph handler for %s %s", req.method, req.path)
            resp = error_response(unexpected_error(), now, req.headers, request_id=request_id)
        if self.traffic is not None and seen.caller is not None and seen.route is not None:
            self.traffic.settle(cloud, req, seen.caller, seen.route, resp)
        elif seen.route is not None and not req.path.lower().startswith("/$batch"):
            # real Graph sends the cost with every identity-and-access answer, throttling or not
            resp.headers["x-ms-resource-unit"] = str(request_cost(req.method, req.path, req.query).ru)
        resp.headers.setdefault("Content-Type", ODATA_JSON)
        resp.headers["request-id"] = request_id
        resp.headers["client-request-id"] = client_request_id
        resp.headers.update(SERVICE_HEADERS)
        return resp

    def _dispatch(self, cloud: Cloud, req: GraphRequest, seen: _Seen, now: datetime) -> GraphResponse:
        if seen.caller is None:
            seen.caller = self.authenticate(req.headers.get("authorization"), cloud)
        caller = seen.caller
        route, params = self.match(req.method, req.path)
        seen.route = route
        if self.traffic is not None:
            early = self.traffic.admit(cloud, req, caller, route)
            if early is not None:
                return early
        if route.permissions and not (caller.roles & set(route.permissions)):
            raise forbidden()
        tenant = self.store.tenants.get(caller.tenant_id)
        if tenant is None or tenant.cloud is not cloud:
            raise unauthenticated("Access token validation failure. Invalid audience.")
        ctx = Context(req, tenant, caller, self.store, now, cloud)
        if not route.locked:
            return route.handler(ctx, **params)
        with self.store.lock:
            purged = purge_expired(tenant, now) if len(tenant.deleted) else 0
            try:
                return route.handler(ctx, **params)
            finally:
                if route.write or purged:
                    self.store.commit()

    def match(self, method: str, raw_path: str) -> tuple[Route, dict[str, str]]:
        """The route for ``method`` and ``raw_path``; Graph's 405 / 501 / 400 when there is none."""
        path = raw_path.rstrip("/") or "/"
        if "delta" in path:
            path = _FUNCTION_ALIASES.sub(r"/\1", path)
        if "(" in path:
            path = _KEY_SEGMENT.sub(_key_as_segment, path)
        allowed_methods: list[str] = []
        root = path.strip("/").split("/", 1)[0].lower()
        for route in self._by_root.get(root, ()):
            m = route.pattern.match(path)
            if not m:
                continue
            if route.method != method.upper():
                allowed_methods.append(route.method)
                continue
            return route, m.groupdict()
        if allowed_methods:
            raise method_not_allowed()
        first = path.strip("/").split("/", 1)[0].split("(", 1)[0]
        if first.lower() in self.known_unimplemented or first.lower() in self._roots:
            raise not_implemented(f"{method.upper()} {raw_path}")
        raise GraphError(400, "BadRequest", f"Resource not found for the segment '{first}'.")


@dataclass
class _Seen:
    """What dispatch learned before it finished or failed (for the traffic hook)."""

    caller: CallerLike | None
    route: Route | None = None


class Traffic(Protocol):
    """Throttling and chaos around every Graph request (``simulator.traffic`` implements it)."""

    def admit(
        self, cloud: Cloud, req: GraphRequest, caller: CallerLike, route: Route
    ) -> GraphResponse | None:
        """Before the handler runs: a response to answer instead (429, injected fault), or None."""

    def settle(
        self, cloud: Cloud, req: GraphRequest, caller: CallerLike, route: Route, resp: GraphResponse
    ) -> None:
        """After the answer is known: charge its cost, add headers such as ``x-ms-resource-unit``."""


#: Real Graph v1.0 entity sets and singletons the simulator does not implement: they answer 501.
KNOWN_GRAPH_ROOTS = frozenset(
    s.lower()
    for s in (
        "me",
        "devices",
        "contacts",
        "contracts",
        "domains",
        "directoryRoles",
        "directoryRoleTemplates",
        "drives",
        "sites",
        "teams",
        "chats",
        "communications",
        "identity",
        "identityGovernance",
        "identityProtection",
        "informationProtection",
        "reports",
        "security",
        "solutions",
        "subscriptions",
        "admin",
        "agreements",
        "auditLogs",
        "deviceManagement",
        "education",
        "external",
        "groupSettings",
        "oauth2PermissionGrants",
        "places",
        "planner",
        "print",
        "privacy",
        "roleManagement",
        "schemaExtensions",
        "search",
        "shares",
        "storage",
        "tenantRelationships",
        "users",
        "groups",
        "applicationTemplates",
        "servicePrincipals",
        "applications",
        "policies",
        "directory",
        "directoryObjects",
        "organization",
        "subscribedSkus",
        "invitations",
        "domainDnsRecords",
        "employeeExperience",
        "appCatalogs",
    )
)
