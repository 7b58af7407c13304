"""Fixtures shared by the engine's tests against the session's simulator."""

from __future__ import annotations

from typing import Any

import pytest

from simulator.simulated_graph import SimulatedGraph


@pytest.fixture(scope="module")
def backend(ccsync_simulator: Any) -> SimulatedGraph:
    """The engine's in-process seam onto the session's simulator (no sockets)."""
    return SimulatedGraph(ccsync_simulator.router)
