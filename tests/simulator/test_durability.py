"""Durable state: a restart restores everything; SIGKILL loses no acknowledged write, half-applies none."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from simulator.testing import running_simulator
from tests.conftest import GraphHttp, tenant_of, token_result


def test_restart_restores_directory_secrets_delta_tokens_and_clock(tmp_path: Path) -> None:
    with running_simulator(data_dir=tmp_path, durable=True, seed=11) as sim:
        doc = sim.endpoints()
        gcch = tenant_of(doc, "gcch")
        graph = GraphHttp(doc, gcch)
        link = graph("GET", "/users/delta?$deltatoken=latest").json()["@odata.deltaLink"]
        nick = f"k{uuid.uuid4().hex[:8]}"
        user = graph(
            "POST",
            "/users",
            json={
                "accountEnabled": True,
                "displayName": "Kept",
                "mailNickname": nick,
                "userPrincipalName": f"{nick}@{gcch['defaultDomain']}",
                "passwordProfile": {"password": "Xy!12345678"},
            },
        ).json()
        graph("PATCH", f"/users/{user['id']}", json={"jobTitle": "Survivor"})
        group = graph(
            "POST",
            "/groups",
            json={
                "displayName": "Kept group",
                "mailEnabled": False,
                "mailNickname": "kg",
                "securityEnabled": True,
            },
        ).json()
        graph(
            "POST",
            f"/groups/{group['id']}/members/$ref",
            json={"@odata.id": f"https://graph.microsoft.us/v1.0/directoryObjects/{user['id']}"},
        )
        gone = graph("GET", "/users?$top=1&$select=id").json()["value"][0]["id"]
        graph("DELETE", f"/users/{gone}")
        commercial = tenant_of(doc, "commercial", "commercial")
        graph(
            "PATCH",
            "/policies/crossTenantAccessPolicy",
            json={"allowedCloudEndpoints": ["microsoftonline.com"]},
        )
        assert (
            graph(
                "POST", "/policies/crossTenantAccessPolicy/partners", json={"tenantId": commercial["id"]}
            ).status_code
            == 201
        )
        app = graph("GET", "/applications?$top=1").json()["value"][0]
        secret = graph(
            "POST",
            f"/applications/{app['id']}/addPassword",
            json={"passwordCredential": {"displayName": "new"}},
        ).json()["secretText"]
        before = graph("GET", "/users?$top=999&$select=id,displayName,jobTitle").json()
        httpx.post(
            f"{sim.control_url}/_simulator/clock", json={"mode": "virtual", "now": "2031-05-01T00:00:00Z"}
        )

    with running_simulator(data_dir=tmp_path, durable=True, seed=999) as sim:
        doc = sim.endpoints()
        assert sim.clock.is_virtual and sim.clock.now().isoformat().startswith("2031-05-01")
        sim.clock.set_real()
        gcch = tenant_of(doc, "gcch")
        graph = GraphHttp(doc, gcch)
        assert (
            graph("GET", "/users?$top=999&$select=id,displayName,jobTitle").json()["value"] == before["value"]
        )
        assert graph("GET", f"/users/{user['id']}?$select=jobTitle").json()["jobTitle"] == "Survivor"
        members = graph("GET", f"/groups/{group['id']}/members").json()["value"]
        assert [m["id"] for m in members] == [user["id"]]
        assert graph("GET", f"/directory/deletedItems/{gone}").status_code == 200
        assert graph("GET", "/policies/crossTenantAccessPolicy").json()["allowedCloudEndpoints"] == [
            "microsoftonline.com"
        ]
        assert (
            graph("GET", f"/policies/crossTenantAccessPolicy/partners/{commercial['id']}").status_code == 200
        )
        # the delta link from before the restart still works and reports the changes
        # (ports are new after a restart with --port-base 0: keep the path and query of the link)
        entries = graph("GET", graph.root + link.split("/v1.0", 1)[1]).json()["value"]
        assert {e["id"] for e in entries} >= {user["id"], gone}
        # the secret added before the restart signs in
        assert "access_token" in token_result(doc, gcch, app["appId"], secret)


def test_a_newer_state_format_is_refused_clearly(tmp_path: Path) -> None:
    import sqlite3

    from simulator.directory.journal import Journal, JournalError

    Journal(tmp_path / "state.db").close()
    db = sqlite3.connect(tmp_path / "state.db")
    db.execute("UPDATE meta SET value='99' WHERE key='format'")
    db.commit()
    db.close()
    try:
        Journal(tmp_path / "state.db")
    except JournalError as exc:
        assert "newer" in str(exc)
    else:
        raise AssertionError("a newer state format was accepted")


# -- SIGKILL during a stream of writes ----------------------------------------------------------


def _start(data_dir: Path) -> tuple[subprocess.Popen, dict[str, Any]]:
    (data_dir / "endpoints.json").unlink(missing_ok=True)
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--data-dir", str(data_dir), "--port-base", "0", "--quiet"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        path = data_dir / "endpoints.json"
        if path.exists():
            try:
                return proc, json.loads(path.read_text())
            except ValueError:
                pass
        assert proc.poll() is None, "simulator exited"
        time.sleep(0.1)
    raise AssertionError("simulator did not start")


def test_sigkill_during_writes_loses_no_acknowledged_write(tmp_path: Path) -> None:
    rng = random.Random(1234)
    acked_creates: dict[str, str] = {}  # upn -> id
    acked_patch: dict[str, int] = {}  # id -> last acknowledged generation
    sent_patch: dict[str, int] = {}  # id -> last generation sent (maybe applied)
    attempted_upns: set[str] = set()
    for round_no in range(3):
        proc, doc = _start(tmp_path)
        tenant = tenant_of(doc, "commercial", "commercial")
        graph = GraphHttp(doc, tenant)
        stop = threading.Event()

        def writer(graph: GraphHttp, tenant: dict[str, Any], stop: threading.Event, round_no: int) -> None:
            n = 0
            ids = list(acked_creates.values())
            while not stop.is_set():
                n += 1
                try:
                    if ids and n % 2 == 0:
                        uid = rng.choice(ids)
                        gen = sent_patch.get(uid, 0) + 1
                        sent_patch[uid] = gen
                        r = graph(
                            "PATCH", f"/users/{uid}", json={"jobTitle": f"g{gen}", "department": f"g{gen}"}
                        )
                        if r.status_code == 204:
                            acked_patch[uid] = gen
                    else:
                        nick = f"r{round_no}n{n}x{uuid.uuid4().hex[:6]}"
                        upn = f"{nick}@{tenant['defaultDomain']}"
                        attempted_upns.add(upn)
                        r = graph(
                            "POST",
                            "/users",
                            json={
                                "accountEnabled": True,
                                "displayName": f"Kill {nick}",
                                "mailNickname": nick,
                                "userPrincipalName": upn,
                                "passwordProfile": {"password": "Xy!12345678"},
                                "jobTitle": "g0",
                                "department": "g0",
                            },
                        )
                        if r.status_code == 201:
                            acked_creates[upn] = r.json()["id"]
                            ids.append(r.json()["id"])
                except httpx.HTTPError:
                    return

        t = threading.Thread(target=writer, args=(graph, tenant, stop, round_no))
        t.start()
        time.sleep(0.5 + rng.random() * 1.5)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        stop.set()
        t.join()

    proc, doc = _start(tmp_path)
    try:
        tenant = tenant_of(doc, "commercial", "commercial")
        graph = GraphHttp(doc, tenant)
        users = []
        url = "/users?$top=999&$select=id,userPrincipalName,jobTitle,department,displayName"
        while url:
            body = graph("GET", url).json()
            users.extend(body["value"])
            url = body.get("@odata.nextLink")
        by_upn = {u["userPrincipalName"]: u for u in users}
        assert len(acked_creates) > 20
        for upn, uid in acked_creates.items():
            assert upn in by_upn, f"acknowledged create of {upn} was lost"
            assert by_upn[upn]["id"] == uid
        for u in users:
            if u["userPrincipalName"] in attempted_upns:
                # never half-applied: a create is whole, a patch changed both fields or neither
                assert u["displayName"].startswith("Kill ")
                assert u["jobTitle"] == u["department"]
        by_id = {u["id"]: u for u in users}
        for uid, gen in acked_patch.items():
            got = int(by_id[uid]["jobTitle"][1:])
            assert gen <= got <= sent_patch[uid], (uid, gen, got)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
