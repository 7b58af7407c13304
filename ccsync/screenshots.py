"""``make screenshots``: every console blade, as PNG files, after ``ccsync demo``-like activity.

``python -m ccsync.screenshots docs/img`` starts the default world, runs the sample activity
(:mod:`ccsync.sample_activity`) from a fixed virtual time and shoots each blade in the system Chromium
(:mod:`simulator.web.console.browser`).
"""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from ccsync.sample_activity import demo_activity
from simulator.testing import running_simulator
from simulator.web.console.browser import blades, chromium, shoot, unavailable

#: The virtual time the screenshots' activity starts at: the same pictures on every run.
SCREENSHOT_TIME = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Screenshots of every console blade after demo-like activity.")
    ap.add_argument("out", type=Path, help="directory for the PNG files (e.g. docs/img)")
    ap.add_argument("--seed", type=int, default=42, help="world seed (default 42, the default world)")
    args = ap.parse_args(argv)
    why = unavailable()
    if why:
        print(f"cannot take screenshots: {why}", file=sys.stderr)
        return 2
    with running_simulator(seed=args.seed) as sim:
        sim.set_traffic("documented")  # so the traffic blade has budgets to show
        activity = demo_activity(sim, start=SCREENSHOT_TIME)
        with chromium() as browser:
            errors = shoot(
                browser, sim.control_url, blades(activity.service_principals, activity.source["id"]), args.out
            )
    bad = {k: v for k, v in errors.items() if v}
    for name in errors:
        print(args.out / f"{name}.png")
    if bad:
        print(f"console errors: {bad}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
