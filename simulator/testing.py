"""Start the simulator for tests: a context manager and a pytest fixture, free ports, threads.

from simulator.testing import running_simulator

with running_simulator(seed=7) as sim:
    doc = sim.endpoints()      # the endpoints document (login / graph URLs, CA bundle, tenants)
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from simulator.runtime import Simulator, SimulatorConfig


@contextmanager
def running_simulator(
    *,
    seed: int = 42,
    world: Path | str | None = None,
    data_dir: Path | str | None = None,
    empty: bool = False,
    durable: bool = False,
) -> Iterator[Simulator]:
    """A started simulator on free loopback ports; stopped on exit. ``empty`` skips the world.

    ``durable`` keeps the state in ``data_dir/state.db`` (and restores it when already there).
    """
    with tempfile.TemporaryDirectory(prefix="ccsync-test-") as tmp:
        config = SimulatorConfig(
            data_dir=Path(data_dir) if data_dir else Path(tmp),
            port_base=0,
            world=Path(world) if world else None,
            seed=seed,
            durable=durable,
        )
        sim = Simulator(config)
        if not empty:
            sim.open_state()
        sim.start()
        try:
            yield sim
        finally:
            sim.stop()


def ccsync_simulator_fixture() -> Iterator[Simulator]:
    """Body of the ``ccsync_simulator`` pytest fixture (session scope; one per xdist worker)."""
    with running_simulator() as sim:
        yield sim


try:  # registered when pytest loads this module as a plugin (``-p simulator.testing``)
    import pytest

    ccsync_simulator = pytest.fixture(scope="session")(ccsync_simulator_fixture)
except ImportError:  # pragma: no cover - pytest is a dev dependency
    pass
