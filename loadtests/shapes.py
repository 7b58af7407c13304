"""Load shapes of the locust profiles: how many users at each moment of a run (no locust import here)."""

from __future__ import annotations

import math

SHAPES = ("steady", "ramp", "plateau", "spike")


def shape_users(shape: str, users: int, t: float, run_time: float) -> int:
    """How many users a shape wants at ``t`` seconds into a run of ``run_time`` (0 = unbounded)."""
    span = run_time or 600.0
    if shape == "ramp":
        return max(1, math.ceil(users * min(1.0, t / span)))
    if shape == "plateau":
        return max(1, math.ceil(users * min(1.0, t / (span / 10))))
    if shape == "spike":
        base = max(1, users // 4)
        return users if 0.4 * span <= t < 0.6 * span else base
    return users
