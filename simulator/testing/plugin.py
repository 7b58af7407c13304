"""The pytest plugin of the test kit (registered through the ``pytest11`` entry point).

Fixtures: ``ccsync`` (function scope: a clean simulator per test, as the ``ccsync`` marker asks),
``ccsync_session`` (the session's kit) and ``ccsync_simulator`` (a session ``Simulator`` object for
tests that need the in-process internals). ``--ccsync-endpoints FILE`` points the kit at a simulator
already running (``ccsync up``) instead of starting one.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.runtime import Simulator
from simulator.testing.kit import CCSync
from simulator.testing.running import running_simulator

MARKER = (
    "ccsync(world=None, seed=None, traffic=None, clock=None): the clean simulator this test starts from: "
    "a world file, its seed, a traffic profile ('scaled', {'profile': 'scaled', 'factor': 50}), and a "
    "virtual clock (True, or an ISO start time such as '2026-01-01T00:00:00Z')"
)
_MARKER_KEYS = frozenset({"world", "seed", "traffic", "clock"})


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ccsync", "ccsync simulator test kit")
    group.addoption(
        "--ccsync-endpoints",
        metavar="FILE",
        default=None,
        help="use the simulator already running with this endpoints.json (from `ccsync up`) instead of "
        "starting one per test process; run such a session without xdist (-n 0): tests reset it",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)
    if config.getoption("ccsync_endpoints", None) and config.getoption("numprocesses", None):
        raise pytest.UsageError(
            "--ccsync-endpoints shares one running simulator, and every test resets it: add -n 0"
        )


@pytest.fixture(scope="session")
def ccsync_simulator() -> Iterator[Simulator]:
    """A started in-process simulator for the session (one per xdist worker); shared, never reset."""
    with running_simulator() as sim:
        yield sim


@pytest.fixture(scope="session")
def ccsync_session(request: pytest.FixtureRequest) -> Iterator[CCSync]:
    """The session's kit: a simulator of its own (or ``--ccsync-endpoints``), reset by ``ccsync``."""
    endpoints = request.config.getoption("ccsync_endpoints", None)
    if endpoints:
        kit = CCSync.from_endpoints_file(Path(endpoints))
        try:
            yield kit
        finally:
            kit.close()
        return
    with running_simulator() as sim:
        kit = CCSync(sim.control_url, simulator=sim)
        try:
            yield kit
        finally:
            kit.close()


@pytest.fixture
def ccsync(ccsync_session: CCSync, request: pytest.FixtureRequest) -> CCSync:
    """The kit on a clean simulator: world (and seed), clock, traffic, chaos, faults, counters, jobs."""
    options: dict[str, Any] = {}
    for marker in reversed(list(request.node.iter_markers("ccsync"))):  # closest marker wins
        unknown = set(marker.kwargs) - _MARKER_KEYS
        if unknown or marker.args:
            raise pytest.UsageError(f"@pytest.mark.ccsync takes only {sorted(_MARKER_KEYS)} as keywords")
        options.update(marker.kwargs)
    world = options.get("world")
    if world is not None and not Path(world).is_absolute():
        world = Path(request.path).parent / world  # relative to the test file, like a fixture file
    ccsync_session.reset(
        seed=options.get("seed"), world=world, traffic=options.get("traffic"), clock=options.get("clock")
    )
    return ccsync_session
