"""What the layers below the Graph router see of it: the caller, the matched route, the request context.

The router (``simulator/graph/router.py``) calls down into services that it composes: the traffic hook
(``simulator/traffic/``) around every request, and the synchronization routes (``simulator/provisioning/
routes.py``) that it registers. Those services name the router's objects only through these structural
types, so no import runs back up; the router's concrete ``Context``, ``Route`` and ``GraphRouter``
satisfy them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol, TypeVar

from simulator.wire.message import GraphRequest, GraphResponse

TenantT_co = TypeVar("TenantT_co", covariant=True)


class CallerLike(Protocol):
    """Who sent a request, as its token says: the app, its tenant and its application permissions."""

    tenant_id: str
    app_id: str
    roles: frozenset[str]
    sp_id: str


class MatchedRoute(Protocol):
    """The route a request matched, as the traffic hook is shown it."""

    @property
    def method(self) -> str: ...

    @property
    def permissions(self) -> tuple[str, ...]: ...

    @property
    def write(self) -> bool: ...


class RequestContext(Protocol[TenantT_co]):
    """What a route handler reads of one request: the request, the caller's tenant, the time, the link root."""

    @property
    def request(self) -> GraphRequest: ...

    @property
    def tenant(self) -> TenantT_co: ...

    @property
    def now(self) -> datetime: ...

    @property
    def root(self) -> str:
        """Absolute version root for links: ``https://127.0.0.1:PORT/v1.0``."""
        ...

    def json_body(self) -> Any:
        """The request's JSON body; a Graph error for a malformed one."""
        ...


class RouteTable(Protocol):
    """A router that routes can be added to: a method, a path template, a handler, the permissions."""

    def add(
        self,
        method: str,
        template: str,
        handler: Callable[..., GraphResponse],
        permissions: tuple[str, ...],
        *,
        locked: bool = True,
    ) -> None:
        """Serve ``method`` on ``template`` (``{name}`` segments become handler keyword arguments)."""
        ...
