"""The seam: ``GraphBackend`` sends one Graph request for one identity and returns the answer.

Everything above it (client, cycle stages, scenarios, load profiles) speaks Graph only, so it runs
unchanged against the real clouds (``HttpGraph``) or in-process against the simulator's router
(``simulator.simulated_graph.SimulatedGraph``).
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from syncengine.clouds import Cloud


@dataclass(frozen=True)
class Identity:
    """Who calls: an app (client id) signed in to a tenant of a cloud (a ``Cloud`` or its name)."""

    cloud: Cloud
    tenant_id: str
    client_id: str

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "cloud", Cloud(self.cloud))
        except ValueError:
            raise ValueError(f"unknown cloud {self.cloud!r}; use one of {', '.join(Cloud)}") from None


@dataclass(frozen=True)
class GraphCall:
    """One Graph request: ``path`` is under the version root (``/users``) or an absolute link."""

    method: str
    path: str
    query: Mapping[str, str] = field(default_factory=dict)
    headers: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    version: str = "v1.0"


@dataclass(frozen=True)
class GraphResult:
    """Graph's answer: status, lower-cased headers, parsed JSON body (text for ``/$count``, None if empty)."""

    status: int
    headers: Mapping[str, str]
    body: Any

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300


class GraphBackend(abc.ABC):
    """Sends Graph requests; answers every HTTP status as a ``GraphResult``.

    Raises ``syncengine.errors.TransportError`` when no answer came (connection refused or dropped)
    and ``syncengine.errors.TokenError`` when no token could be had.
    """

    @abc.abstractmethod
    def send(self, identity: Identity, call: GraphCall) -> GraphResult: ...

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections."""
