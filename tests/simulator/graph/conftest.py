"""Fixtures shared by the Graph resource tests (the tenant, ``graph`` and ``reader`` come from tests/simulator)."""

from __future__ import annotations

import pytest

from tests.conftest import GraphHttp
from tests.simulator.graph.directory_client import ids


@pytest.fixture(scope="module")
def user_ids(graph: GraphHttp) -> list[str]:
    """The ids of the module tenant's users, read once when a test first asks."""
    return ids(graph, "/users?$select=id")
