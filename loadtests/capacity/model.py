"""The capacity model: how long a job's cycles take under Graph's documented budgets.

For each phase (initial, incremental) the model turns the engine's measured traffic per object
(``calibration``) into a demand on every budget a request draws from (application + tenant RU and writes,
tenant writes, application RU, writes and requests), each shared by the jobs that draw from it. A budget is
a token bucket that starts full; the engine writes until Graph answers 429, waits exactly ``Retry-After``
(plus its margin) and goes on, and the throttled request is charged too. The time a budget needs is that
process worked through arithmetically; the phase takes as long as its slowest budget, or as long as its
requests take one after another when that is longer. Microsoft's published estimate is shown beside it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from loadtests.capacity.calibration import Calibration, Traffic
from simulator.traffic.throttle import LARGE_ABOVE, SMALL_BELOW, Budget, Limits
from syncengine.client import RetryPolicy
from syncengine.clouds import Cloud, is_supported_pair

INTERVAL_MIN = 40.0
#: Cloud pairs the cross-cloud service supports (reference §1; same-cloud pairs too).
PAIRS = {(source, target) for source in Cloud for target in Cloud if is_supported_pair(source, target)}


@dataclass(frozen=True)
class Scenario:
    """What a planner asks about: one job's tenants, scope, change rate, and who else shares the budgets."""

    users: int
    in_scope: int
    change_rate: float = 0.01
    source_cloud: str = "commercial"
    target_cloud: str = "gcch"
    jobs_per_source: int = 1
    jobs_per_target: int = 1
    #: the jobs writing into one target share one application (the provisioning service's own identity);
    #: False: each job signs in with its own app registration (an engine run with ``ccsync sync``)
    shared_identity: bool = True
    licence_policy: str = "warn"
    licensed_fraction: float = 1.0
    #: Graph's time to answer one request, for the engine's one-request-at-a-time pace (0 = budgets only)
    request_ms: float = 0.0
    target_users: int = 5
    interval_min: float = INTERVAL_MIN

    @property
    def provisioned(self) -> float:
        """In-scope users the engine provisions: ``enforce`` skips the unlicensed ones."""
        if self.licence_policy == "enforce":
            return self.in_scope * self.licensed_fraction
        return float(self.in_scope)

    @property
    def changes_per_cycle(self) -> float:
        return self.in_scope * self.change_rate * self.interval_min / 1440.0


@dataclass(frozen=True)
class BudgetUse:
    """One budget in one phase: the demand on it, and the seconds it needs to serve that demand."""

    name: str
    unit: str
    quota: float
    window_s: float
    demand: float
    sharing: int
    seconds: float


@dataclass(frozen=True)
class Phase:
    """A phase's predicted duration, what binds it, and every budget's share in it."""

    name: str
    objects: float
    seconds: float
    binding: str
    budgets: list[BudgetUse]
    requests: float
    sequential_seconds: float

    @property
    def minutes(self) -> float:
        return self.seconds / 60


@dataclass(frozen=True)
class Prediction:
    scenario: Scenario
    initial: Phase
    incremental: Phase
    fits_interval: bool
    microsoft_initial_minutes: tuple[float, float]
    microsoft_table_row: dict[str, str] | None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["initial"]["minutes"] = round(self.initial.minutes, 2)
        d["incremental"]["minutes"] = round(self.incremental.minutes, 2)
        return d


def bucket_seconds(demand: float, budget: Budget, cost: float = 1.0, margin: float | None = None) -> float:
    """Seconds a client needs for ``demand`` units through a full token bucket, waiting out each 429.

    The throttled request is charged; Retry-After is the whole seconds (at least 1) until the same request
    fits again; the client waits that plus its margin. Worked through one throttle at a time.
    """
    margin = RetryPolicy().margin if margin is None else margin
    cost = max(cost, 1e-9)
    rate = budget.quota / budget.window
    level, left, t = budget.quota, demand, 0.0
    taken = min(left, math.floor(level / cost + 1e-9) * cost)
    left -= taken
    level -= taken
    if left <= 1e-9:
        return 0.0
    # the steady state repeats: after the first throttle every period is the same, so compute one and scale
    level = max(level - cost, -budget.quota)
    need = min(cost, budget.quota)
    wait = max(1, math.ceil((need - level) / rate - 1e-9)) + margin
    level = min(budget.quota, level + rate * wait)
    per_period = math.floor(level / cost + 1e-9) * cost
    t += wait
    if per_period >= left:
        return t
    left -= per_period
    level -= per_period
    # next periods start from the level left over (< cost), minus the throttled request's charge
    level = max(level - cost, -budget.quota)
    wait2 = max(1, math.ceil((need - level) / rate - 1e-9)) + margin
    refill = min(budget.quota, level + rate * wait2)
    steady = math.floor(refill / cost + 1e-9) * cost
    if steady <= 0:
        return math.inf
    periods = math.ceil(left / steady)
    return t + periods * wait2


def _ru_budget(limits: Limits, users: float) -> Budget:
    if users < SMALL_BELOW:
        return limits.small_tenant_ru
    if users > LARGE_ABOVE:
        return limits.large_tenant_ru
    return limits.medium_tenant_ru


def phase(
    name: str,
    objects: float,
    source: Traffic,
    target: Traffic,
    sc: Scenario,
    limits: Limits,
    target_users_after: float,
    source_users: float,
) -> Phase:
    """Demands of one phase on every budget, and the time each needs."""
    jt, js = sc.jobs_per_target, sc.jobs_per_source
    share_t = jt if sc.shared_identity else 1
    share_s = js if sc.shared_identity else 1
    rows: list[tuple[str, str, Budget, float, int, float]] = []

    def add(label: str, unit: str, budget: Budget, demand: float, sharing: int, cost: float) -> None:
        rows.append((label, unit, budget, demand * sharing, sharing, cost))

    ru_cost_t = target.resource_units / target.requests if target.requests else 1.0
    ru_cost_s = source.resource_units / source.requests if source.requests else 1.0
    add("target app+tenant writes", "writes", limits.tenant_app_writes, target.writes, share_t, 1.0)
    add("target tenant writes (all apps)", "writes", limits.tenant_writes, target.writes, jt, 1.0)
    invitations = getattr(limits, "invitations", None)  # Graph's invitation manager, per tenant for all apps
    if invitations is not None and target.invitations:
        add("target invitations (all apps)", "requests", invitations, target.invitations, jt, 1.0)
    add(
        "target app+tenant RU",
        "RU",
        _ru_budget(limits, target_users_after),
        target.resource_units,
        share_t,
        ru_cost_t,
    )
    add(
        "source app+tenant RU",
        "RU",
        _ru_budget(limits, source_users),
        source.resource_units,
        share_s,
        ru_cost_s,
    )
    if source.writes:
        add("source app+tenant writes", "writes", limits.tenant_app_writes, source.writes, share_s, 1.0)
    app_jobs = max(jt, js) if sc.shared_identity else 1
    add("app writes (all tenants)", "writes", limits.app_writes, target.writes + source.writes, app_jobs, 1.0)
    add(
        "app RU (all tenants)",
        "RU",
        limits.app_ru,
        target.resource_units + source.resource_units,
        app_jobs,
        1.0,
    )
    add(
        "app requests (global)",
        "requests",
        limits.app_requests,
        target.requests + source.requests,
        app_jobs,
        1.0,
    )
    budgets = [
        BudgetUse(label, unit, b.quota, b.window, round(d, 1), s, bucket_seconds(d, b, cost))
        for label, unit, b, d, s, cost in rows
    ]
    requests = source.requests + target.requests
    sequential = requests * sc.request_ms / 1000.0
    slowest = max(budgets, key=lambda b: b.seconds)
    if sequential > slowest.seconds:
        seconds, binding = sequential, f"request time ({sc.request_ms:g} ms each, one at a time)"
    elif slowest.seconds > 0:
        seconds, binding = slowest.seconds, slowest.name
    else:
        seconds, binding = sequential, "none (every budget suffices)"
    return Phase(name, round(objects, 1), seconds, binding, budgets, round(requests, 1), sequential)


def microsoft_band(in_scope: int) -> tuple[float, float]:
    """Microsoft's formula for an initial cycle with assigned scope: 0.01 × N to 0.08 × N minutes."""
    return (0.01 * in_scope, 0.08 * in_scope)


def microsoft_table(in_scope: int) -> dict[str, str] | None:
    """The older published table's row (assigned users and groups only), when the size is in it."""
    if in_scope < 1000:
        return {"range": "< 1,000", "initial": "< 30 min", "incremental": "< 30 min"}
    if in_scope <= 10_000:
        return {"range": "1,000 – 10,000", "initial": "142 – 708 min", "incremental": "< 30 min"}
    if in_scope <= 100_000:
        return {"range": "10,000 – 100,000", "initial": "1,170 – 2,340 min", "incremental": "< 30 min"}
    return None


def predict(sc: Scenario, cal: Calibration, limits: Limits) -> Prediction:
    """Initial and incremental cycle of one job of the scenario."""
    if (sc.source_cloud, sc.target_cloud) not in PAIRS:
        raise ValueError(
            f"{sc.source_cloud} → {sc.target_cloud} is not a pair the service synchronizes; "
            "see ARCHITECTURE.md 'Clouds'"
        )
    # the calibration ran sync-all over a whole tenant: per source user, with its share that gets created
    scale = sc.provisioned / max(sc.in_scope, 1)
    users_equiv = sc.in_scope * scale
    src = cal.initial_fixed["source"].at(cal.initial_per_user["source"], sc.users)
    tgt = cal.initial_fixed["target"].at(cal.initial_per_user["target"], users_equiv)
    created = users_equiv * cal.created_per_user
    initial = phase("initial", created, src, tgt, sc, limits, sc.target_users + created, sc.users)
    k = sc.changes_per_cycle * scale
    src_i = cal.incremental_fixed["source"].at(cal.incremental_per_change["source"], k)
    tgt_i = cal.incremental_fixed["target"].at(cal.incremental_per_change["target"], k)
    incremental = phase("incremental", k, src_i, tgt_i, sc, limits, sc.target_users + created, sc.users)
    notes = []
    if sc.licence_policy == "enforce" and sc.licensed_fraction < 1:
        notes.append(f"licence policy enforce: {1 - sc.licensed_fraction:.0%} of the scope is skipped")
    return Prediction(
        sc,
        initial,
        incremental,
        incremental.seconds <= sc.interval_min * 60,
        microsoft_band(sc.in_scope),
        microsoft_table(sc.in_scope),
        notes,
    )
