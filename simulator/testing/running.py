"""Start the simulator inside the test process: free loopback ports, server threads, a temporary dir."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.runtime import Simulator, SimulatorConfig
from simulator.web.serve import serve


@contextmanager
def running_simulator(
    *,
    seed: int = 42,
    world: Path | str | None = None,
    data_dir: Path | str | None = None,
    empty: bool = False,
    durable: bool = False,
    traffic: str | dict[str, Any] | None = None,
    virtual_clock: bool | datetime = False,
) -> Iterator[Simulator]:
    """A started simulator on free loopback ports; stopped on exit. ``empty`` skips the world.

    ``durable`` keeps the state in ``data_dir/state.db`` (and restores it when already there);
    ``traffic`` is a throttling profile (``"scaled"``, ``{"profile": "scaled", "factor": 50}``, ...);
    ``virtual_clock`` freezes the clock (at the given time, or now) so only advances move it.
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
        serve(sim)
        try:
            if traffic is not None:
                sim.set_traffic(traffic)
            if virtual_clock:
                sim.clock.set_virtual(None if virtual_clock is True else virtual_clock)
            yield sim
        finally:
            sim.stop()
