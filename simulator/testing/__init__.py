"""The ccsync test kit: test code against the simulator with pytest, offline.

    def test_reads_users(ccsync):                      # a clean simulator for this test
        tenant = ccsync.tenant("gcch")
        with ccsync.http(tenant) as graph:             # httpx + msal, CA and base URL set
            assert graph.get("/users").status_code == 200

Fixtures (the plugin loads by itself once ccsync is installed): ``ccsync``, ``ccsync_session``,
``ccsync_simulator``; the ``ccsync`` marker chooses world, seed, traffic and a virtual clock.
Outside pytest: :func:`running_simulator` and :class:`CCSync`. See ``docs/testing.md``.
"""

from simulator.testing.clients import ca_session, ssl_context
from simulator.testing.clock import (
    AsyncSimulatorClockTransport,
    SimulatorClock,
    SimulatorClockTokenCache,
    SimulatorClockTransport,
)
from simulator.testing.control import ControlPlaneError, SimulatorControl
from simulator.testing.kit import CCSync, SyncPair
from simulator.testing.running import running_simulator

__all__ = [
    "AsyncSimulatorClockTransport",
    "CCSync",
    "ControlPlaneError",
    "SimulatorClock",
    "SimulatorClockTokenCache",
    "SimulatorClockTransport",
    "SimulatorControl",
    "SyncPair",
    "ca_session",
    "running_simulator",
    "ssl_context",
]

try:  # the pytest plugin, when pytest is there (the dev extra); the demo runs without it
    import pytest as _pytest  # noqa: F401
except ImportError:  # pragma: no cover
    pass
else:
    from simulator.testing.plugin import (  # noqa: F401
        ccsync,
        ccsync_session,
        ccsync_simulator,
        pytest_addoption,
        pytest_configure,
    )
