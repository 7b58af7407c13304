"""How long the test kit's per-test reset takes (the ``ccsync`` fixture's cost), default and small world.

python -m loadtests.bench_kit [--rounds 20]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from simulator.testing import CCSync, running_simulator

SMALL_WORLD = """\
version: 1
tenants:
  - {name: Small, cloud: commercial, users: 30}
  - {name: Small Gov, cloud: gcch, users: 5}
"""


def _time(kit: CCSync, rounds: int, **reset: object) -> list[float]:
    took = []
    for _ in range(rounds):
        start = time.perf_counter()
        kit.reset(**reset)  # type: ignore[arg-type]
        took.append((time.perf_counter() - start) * 1000)
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="resets per case (default 20)")
    args = parser.parse_args()
    with running_simulator() as sim, tempfile.TemporaryDirectory() as tmp:
        world = Path(tmp) / "small.yaml"
        world.write_text(SMALL_WORLD)
        kit = CCSync(sim.control_url, simulator=sim)
        cases = {
            "default world (5 tenants, 1,300 users)": {},
            "default world + virtual clock + scaled traffic": {"clock": True, "traffic": "scaled"},
            "small world (2 tenants, 35 users)": {"world": world},
        }
        for name, reset in cases.items():
            took = _time(kit, args.rounds, **reset)
            print(f"{name}: median {statistics.median(took):.0f} ms, max {max(took):.0f} ms")
        kit.close()


if __name__ == "__main__":
    main()
