"""SIGKILL the engine at random points of an initial cycle of 5,000 users and of incremental cycles:
after each resume the target holds exactly one user per in-scope source user, with the latest values."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from simulator.simulated_graph import SimulatedGraph
from simulator.testing import running_simulator
from syncengine.client import GraphClient
from syncengine.setup import PairSetup, configure_source, configure_target
from tests.conftest import app_of, control_tenant
from tests.syncengine.pairs import identity

USERS = 5000


def write_job(tmp: Path, sim: Any, src: dict[str, Any], tgt: dict[str, Any]) -> Path:
    (tmp / "target.secret").write_text(app_of(tgt)["clientSecret"])
    job = tmp / "job.toml"
    job.write_text(
        f"""
name = "crash"
cross_cloud = true
state = "crash.db"
endpoints = "{sim.data_dir / "endpoints.json"}"
[source]
cloud = "{src["cloud"]}"
tenant_id = "{src["id"]}"
client_id = "{app_of(src)["clientId"]}"
client_secret_env = "CCSYNC_CRASH_SOURCE_SECRET"
[target]
cloud = "{tgt["cloud"]}"
tenant_id = "{tgt["id"]}"
client_id = "{app_of(tgt)["clientId"]}"
client_secret_file = "target.secret"
[scope]
sync_all = true
[anchor]
kind = "extensionAttribute"
"""
    )
    return job


def engine(job: Path, env: dict[str, str], kill_after: int = 0) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.syncengine.crash_engine", str(job), str(kill_after)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def kill_runs(job: Path, env: dict[str, str], rng: random.Random, kills: int, max_requests: int) -> int:
    """Run the engine ``kills`` times, each SIGKILLed after a random number of Graph requests;
    returns how many runs died mid-cycle (by SIGKILL)."""
    died = 0
    for _ in range(kills):
        proc = engine(job, env, rng.randint(5, max_requests))
        proc.communicate(timeout=600)
        died += proc.returncode == -signal.SIGKILL
    return died


def finish(job: Path, env: dict[str, str]) -> None:
    proc = engine(job, env)
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, (out.decode() + err.decode())[-2000:]


def check(src_client: GraphClient, tgt_client: GraphClient) -> None:
    source = {
        u["id"]: u
        for u in src_client.list_all(
            "/users",
            {
                "$select": "id,displayName,department,userType,userPrincipalName,accountEnabled",
                "$top": "999",
            },
        )
        if u.get("userType", "Member") == "Member" and "#EXT#" not in u["userPrincipalName"]
    }
    target = tgt_client.list_all(
        "/users",
        {
            "$select": "id,displayName,department,onPremisesExtensionAttributes,userPrincipalName",
            "$filter": "creationType eq 'Invitation'",
            "$top": "999",
        },
    )
    synced = [t for t in target if (t.get("onPremisesExtensionAttributes") or {}).get("extensionAttribute15")]
    by_upn: dict[str, list[dict[str, Any]]] = {}
    for t in target:
        by_upn.setdefault(t["userPrincipalName"].split("#EXT#")[0], []).append(t)
    # disabled source users are never provisioned while disabled (and were never linked here)
    expected = {
        u["userPrincipalName"].replace("@", "_"): u for u in source.values() if u.get("accountEnabled", True)
    }
    assert all(len(v) == 1 for v in by_upn.values()), "a user was duplicated"
    got = {t["userPrincipalName"].split("#EXT#")[0]: t for t in synced}
    assert set(got) == set(expected), (len(set(expected) - set(got)), len(set(got) - set(expected)))
    for upn, t in got.items():
        assert t["displayName"] == expected[upn]["displayName"]
        assert t.get("department") == expected[upn].get("department")


def test_engine_killed_at_random_points_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    rng = random.Random(20261127)
    with running_simulator(seed=77) as sim:
        src = control_tenant(sim, "commercial", USERS, name="Crash Source", timeout=300)
        tgt = control_tenant(sim, "gcch", 5, name="Crash Target")
        backend = SimulatedGraph(sim.router)
        s, t = GraphClient(backend, identity(src)), GraphClient(backend, identity(tgt))
        pair = PairSetup(src["id"], tgt["id"], "commercial", "gcch")
        configure_target(t, pair)
        configure_source(s, pair)
        job = write_job(tmp_path, sim, src, tgt)
        env = {**os.environ, "CCSYNC_CRASH_SOURCE_SECRET": app_of(src)["clientSecret"]}

        # an initial cycle of 5,000 users makes about 10,000 requests; each resumed run only does
        # what is left, so kill points are drawn early enough to land inside every run
        died = kill_runs(job, env, rng, 16, 400)
        finish(job, env)
        check(s, t)

        for round_no in range(2):  # incremental cycles with changes, killed too
            ids = [
                u["id"]
                for u in s.list_all("/users", {"$select": "id,userType,userPrincipalName", "$top": "999"})
                if "#EXT#" not in u["userPrincipalName"]
            ]
            for uid in rng.sample(ids, 300):
                s.patch(f"/users/{uid}", {"department": f"Round {round_no} {rng.randrange(100)}"})
            for uid in rng.sample(ids, 40):
                s.delete(f"/users/{uid}")
            died += kill_runs(job, env, rng, 4, 120)
            finish(job, env)
            check(s, t)
        assert died >= 20, f"only {died} runs were killed mid-cycle"
