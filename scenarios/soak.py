"""The generative soak: random source changes, faults, throttling, clock jumps and simulator or engine
restarts on the in-process simulator; then the job settles and invariants are checked.

A failing sequence is shrunk (delta debugging over the steps: the sequence is replayed without chunks
of it while it still fails) and printed as a scenario file with its seed, ready to run.

Invariants after settling (the Entra provisioning service's documented lifecycle):

* at most one live target user per source user; exactly one, enabled, per live enabled user in scope;
* a source user out of scope (deleted or unassigned) has no enabled target user (a user disabled and
  then unassigned stays disabled, as documented);
* every Always-mapped attribute checked (displayName, department, givenName) equals the source;
* the provisioning logs account for every change: a create for each live target user, a delete for
  each soft-deleted one, a disable for each disabled one.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from scenarios.backends import InProcessBackend
from scenarios.expect import Expectations, ScenarioFailure
from scenarios.loader import Scenario
from scenarios.run import ScenarioRun
from syncengine.errors import GraphApiError, NotFoundError

DEPARTMENTS = ["Sales", "Legal", "Ops", "Finance", "Research", None]
CITE = "https://learn.microsoft.com/en-us/entra/identity/app-provisioning/how-provisioning-works"


def generate(seed: int, steps: int, users: int = 8) -> list[dict[str, Any]]:
    """A random, mostly valid sequence of scenario steps over users u1..uN (a model keeps it plausible)."""
    rng = random.Random(seed)
    live = {f"u{i}": True for i in range(1, users + 1)}
    member = {f"u{i}": i % 3 != 0 for i in range(1, users + 1)}
    out: list[dict[str, Any]] = []
    extra = users
    weights = [
        ("update", 14), ("disable", 6), ("enable", 6), ("delete", 5), ("restore", 4), ("add", 7), ("remove", 6),
        ("create", 3), ("advance", 20), ("fault", 5), ("throttle", 3), ("restart_engine", 2),
        ("crash_engine", 3), ("restart_simulator", 1),
    ]  # fmt: skip
    kinds = [k for k, w in weights for _ in range(w)]
    while len(out) < steps:
        kind = rng.choice(kinds)
        alive = sorted(u for u, v in live.items() if v)
        dead = sorted(u for u, v in live.items() if not v)
        if kind == "update" and alive:
            u = rng.choice(alive)
            change: dict[str, Any] = {"user": u}
            if rng.random() < 0.6:
                change["department"] = rng.choice(DEPARTMENTS)
            else:
                change["displayName"] = f"Soak {u} v{rng.randint(1, 99)}"
            out.append({"update": change})
        elif kind in ("disable", "enable") and alive:
            out.append({kind: rng.choice(alive)})
        elif kind == "delete" and alive:
            u = rng.choice(alive)
            live[u], member[u] = False, False
            out.append({"delete": u})
        elif kind == "restore" and dead:
            u = rng.choice(dead)
            live[u] = True
            out.append({"restore": u})
        elif kind == "add" and alive:
            cands = [u for u in alive if not member[u]]
            if cands:
                u = rng.choice(cands)
                member[u] = True
                out.append({"add_to_group": {"user": u, "group": "sync"}})
        elif kind == "remove":
            cands = [u for u in alive if member[u]]
            if cands:
                u = rng.choice(cands)
                member[u] = False
                out.append({"remove_from_group": {"user": u, "group": "sync"}})
        elif kind == "create":
            extra += 1
            u = f"u{extra}"
            live[u], member[u] = True, rng.random() < 0.7
            out.append(
                {
                    "create_user": {
                        "user": u,
                        "licences": ["GOVERNANCE"],
                        "groups": ["sync"] if member[u] else [],
                    }
                }
            )
        elif kind == "advance":
            out.append({"advance": rng.choice(["PT40M", "PT40M", "PT1H20M", "PT5M", "PT2H"])})
        elif kind == "fault":
            method, path = rng.choice(
                [("PATCH", "/users/*"), ("POST", "/invitations"), ("DELETE", "/users/*")]
            )
            fault: dict[str, Any] = {"method": method, "path": path, "status": rng.choice([429, 503, 500])}
            fault["count"] = rng.randint(1, 3)
            if fault["status"] == 429:
                fault["retry_after"] = rng.randint(1, 20)
            out.append({"fault": fault})
        elif kind == "throttle":
            out.append(
                {"throttling": rng.choice(["off", {"profile": "scaled", "factor": 200}, "documented"])}
            )
        elif kind in ("restart_engine", "restart_simulator"):
            out.append({kind: None})
        elif kind == "crash_engine":
            out.append({"crash_engine": rng.randint(0, 12)})
    return out


def scenario_for(seed: int, steps: list[dict[str, Any]], users: int = 8) -> dict[str, Any]:
    """The soak's world and steps as a scenario document (what a failure prints)."""
    created = {
        s["create_user"]["user"] for s in steps if isinstance(s, dict) and "create_user" in s
    }  # users the steps create
    return {
        "name": f"soak seed {seed}",
        "cites": CITE,
        "tags": ["soak"],
        "requires": ["inprocess"],
        "given": {
            "tenants": {"source": {"cloud": "commercial"}, "target": {"cloud": "gcch"}},
            "users": {
                f"u{i}": {"licences": ["GOVERNANCE"], "groups": ["sync"] if i % 3 != 0 else []}
                for i in range(1, users + 1)
                if f"u{i}" not in created
            },
            "groups": {"sync": {}},
        },
        "setup": {"source": "source", "target": "target", "scope": "sync"},
        "steps": steps,
    }


@dataclass
class SoakOutcome:
    seed: int
    steps: int
    broken: list[str] = field(default_factory=list)
    seconds: float = 0.0
    shrunk: list[dict[str, Any]] | None = None
    ignored_steps: int = 0


class Soak:
    """Runs step sequences on one in-process simulator and checks the invariants."""

    def __init__(self, backend: InProcessBackend | None = None) -> None:
        self.backend = backend or InProcessBackend()
        self._own = backend is None

    def close(self) -> None:
        if self._own:
            self.backend.close()

    def check(self, seed: int, steps: list[dict[str, Any]]) -> tuple[list[str], int]:
        """Play ``steps`` leniently (a step the directory refuses is ignored), settle, return the broken invariants."""
        doc = scenario_for(seed, steps)
        run = ScenarioRun(Scenario(doc["name"], Path("<soak>"), 1, doc), self.backend)
        ignored = 0
        logs: list[dict[str, Any]] = []
        with self.backend.scenario():
            try:
                run.given(doc["given"])
                run.setup(doc["setup"])
                for i, step in enumerate(steps):
                    ((action, value),) = step.items()
                    if action == "restart_simulator":  # provisioning logs live in memory: keep what was read
                        logs.extend(Expectations(run).logs())
                    try:
                        run.do(action, value, ("steps", i, action))
                    except (GraphApiError, ScenarioFailure, KeyError):
                        ignored += 1
                self._settle(run)
                return invariants(run, logs), ignored
            finally:
                run.cleanup()

    def _settle(self, run: ScenarioRun) -> None:
        ctl = self.backend.control
        assert ctl is not None
        ctl.set_traffic("off")
        ctl.clear_faults()
        for _ in range(2):
            ctl.advance("PT40M")
        status = Expectations(run).job().get("status") or {}
        if status.get("code") == "Quarantine":  # transient faults can quarantine (escrows): start again
            run.do("start", None, ("settle",))
            ctl.advance("PT40M")
        self.backend.after_clock_jump()


def invariants(run: ScenarioRun, earlier_logs: list[dict[str, Any]]) -> list[str]:
    exp = Expectations(run)
    src = run.client(run.source_role)
    _, gid = run.groups["sync"]
    members = {m["id"] for page in src.pages(f"/groups/{gid}/members", {"$select": "id"}) for m in page}
    rows = earlier_logs + exp.logs()
    seen: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        sid = (r.get("sourceIdentity") or {}).get("id")
        seen.setdefault(sid, set()).add(
            (r.get("provisioningAction"), (r.get("provisioningStatusInfo") or {}).get("status"))
        )
    broken: list[str] = []
    for name, rec in sorted(run.users.items()):
        if rec.tenant != run.source_role:
            continue
        try:
            source = src.get(
                f"/users/{rec.id}", {"$select": "id,displayName,department,givenName,accountEnabled"}
            )
        except NotFoundError:
            source = None
        try:
            target = exp.target_user(name, select=["department", "givenName"])
        except ScenarioFailure as exc:
            broken.append(f"{name}: {exc}")
            continue
        in_scope = source is not None and rec.id in members
        acts = seen.get(rec.id, set())
        if source is None:
            if target is not None and target.get("accountEnabled"):
                broken.append(f"{name} deleted in source but target still active")
        elif not in_scope:
            if target is not None and target.get("accountEnabled"):
                broken.append(f"{name} out of scope but target still active")
        elif source.get("accountEnabled"):
            if target is None:
                broken.append(f"{name} in scope and enabled but no target user")
                continue
            if not target.get("accountEnabled"):
                broken.append(f"{name} enabled in source but disabled in target")
            for attr in ("displayName", "department", "givenName"):
                if source.get(attr) not in (None, "") and source.get(attr) != target.get(attr):
                    broken.append(f"{name}.{attr}: source {source.get(attr)!r}, target {target.get(attr)!r}")
        elif target is not None and target.get("accountEnabled"):
            broken.append(f"{name} disabled in source but target still enabled")
        if target is not None and ("create", "success") not in acts:
            broken.append(f"{name} has a target user but no successful create in the provisioning logs")
        if target is not None and not target.get("accountEnabled") and ("disable", "success") not in acts:
            broken.append(f"{name} is disabled in the target but no successful disable is logged")
        if (
            target is None
            and exp.target_user(name, deleted=True) is not None
            and ("delete", "success") not in acts
        ):
            broken.append(f"{name} is soft-deleted in the target but no successful delete is logged")
    return broken


def shrink(
    steps: list[dict[str, Any]], fails: Callable[[list[dict[str, Any]]], bool], *, budget: int = 40
) -> list[dict[str, Any]]:
    """Delta debugging: drop chunks of steps while the sequence still fails (at most ``budget`` replays)."""
    current, n, tries = list(steps), 2, 0
    while len(current) >= 2 and tries < budget:
        size = max(1, len(current) // n)
        reduced = False
        for start in range(0, len(current), size):
            candidate = current[:start] + current[start + size :]
            tries += 1
            if candidate and fails(candidate):
                current, n, reduced = candidate, max(n - 1, 2), True
                break
            if tries >= budget:
                break
        if not reduced:
            if size == 1:
                break
            n = min(len(current), n * 2)
    return current


def soak(seed: int, steps: int, *, runner: Soak | None = None, shrink_budget: int = 40) -> SoakOutcome:
    own = runner is None
    runner = runner or Soak()
    t0 = time.perf_counter()
    try:
        seq = generate(seed, steps)
        broken, ignored = runner.check(seed, seq)
        out = SoakOutcome(seed, steps, broken, 0.0, None, ignored)
        if broken:
            out.shrunk = shrink(seq, lambda s: bool(runner.check(seed, s)[0]), budget=shrink_budget)
        out.seconds = time.perf_counter() - t0
        return out
    finally:
        if own:
            runner.close()


def failure_report(out: SoakOutcome) -> str:
    lines = [f"soak seed {out.seed}: {len(out.broken)} invariants broken after {out.steps} steps"]
    lines += [f"  - {b}" for b in out.broken]
    if out.shrunk is not None:
        lines.append(f"shortest failing sequence found ({len(out.shrunk)} steps), as a scenario file:")
        lines.append(
            yaml.safe_dump(
                scenario_for(out.seed, out.shrunk), sort_keys=False, default_flow_style=None, width=110
            )
        )
    return "\n".join(lines)


def run_cli(args: argparse.Namespace, console: Any) -> int:
    from syncengine.cli_layout import print_json, table

    seeds = args.seed or [1, 2, 3]
    runner = Soak()
    results = []
    try:
        for seed in seeds:
            results.append(soak(seed, args.steps, runner=runner))
    finally:
        runner.close()
    failed = [r for r in results if r.broken]
    if args.json:
        print_json(console, [{"seed": r.seed, "steps": r.steps, "seconds": round(r.seconds, 1), "broken": r.broken,
                              "ignored_steps": r.ignored_steps, "shrunk": r.shrunk} for r in results])  # fmt: skip
    else:
        t = table(None, ["seed", "steps", "seconds", "invariants"], right=["steps", "seconds"])
        for r in results:
            t.add_row(
                str(r.seed),
                str(r.steps),
                f"{r.seconds:.1f}",
                "held" if not r.broken else f"{len(r.broken)} broken",
            )
        console.print(t)
        for r in failed:
            console.print(failure_report(r), markup=False, highlight=False, soft_wrap=True)
    return 1 if failed else 0
