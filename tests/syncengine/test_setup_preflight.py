"""``ccsync setup`` checks everything it can before its first write: a refused setup changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ccsync.cli import main
from tests.conftest import GraphHttp, app_of

GCCH = "contosogov.onmicrosoft.us"
CHINA = "contosochina.partner.onmschina.cn"
COMMERCIAL = "contoso.onmicrosoft.com"


SIMULATOR = {"seed": 21}


def _policy_state(sim: Any, domain: str) -> Any:
    doc = sim.endpoints()
    tenant = next(t for t in doc["tenants"] if t["defaultDomain"] == domain)
    graph = GraphHttp(doc, tenant, app_of(tenant, "Policy.ReadWrite.CrossTenantAccess"))
    base = "/policies/crossTenantAccessPolicy"
    return (
        graph("GET", base).json()["allowedCloudEndpoints"],
        graph("GET", f"{base}/partners").json()["value"],
        [sp["displayName"] for sp in graph("GET", "/servicePrincipals?$top=999").json()["value"]],
    )


def _setup(sim: Any, *extra: str) -> int:
    return main(["setup", "--endpoints", str(sim.data_dir / "endpoints.json"), *extra])


def test_an_unsupported_pair_is_refused_before_any_change(
    sim: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    before = {d: _policy_state(sim, d) for d in (GCCH, CHINA)}
    assert _setup(sim, "--source", GCCH, "--target", CHINA) == 1
    out = " ".join(capsys.readouterr().out.split())
    assert "UnsupportedCloudPair" in out and "nothing was changed" in out
    assert {d: _policy_state(sim, d) for d in (GCCH, CHINA)} == before


def test_a_missing_scope_group_is_refused_before_any_change(
    sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    before = {d: _policy_state(sim, d) for d in (COMMERCIAL, GCCH)}
    assert _setup(sim, "--source", COMMERCIAL, "--target", GCCH, "--group", "No such group", "--json") == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is False
    assert [f["code"] for f in doc["failures"]] == ["ScopeGroupNotFound"]
    assert {d: _policy_state(sim, d) for d in (COMMERCIAL, GCCH)} == before


def test_an_app_without_the_permissions_is_refused_before_any_change(sim: Any) -> None:
    from syncengine.backend import Identity
    from syncengine.client import GraphClient
    from syncengine.http_backend import HttpGraph
    from syncengine.setup import PairSetup, check_setup

    doc = sim.endpoints()
    src, tgt = (next(t for t in doc["tenants"] if t["defaultDomain"] == d) for d in (COMMERCIAL, GCCH))
    reader = next(a for a in tgt["apps"] if "Policy.ReadWrite.CrossTenantAccess" not in a["permissions"])
    admin = app_of(src, "Policy.ReadWrite.CrossTenantAccess")
    backend = HttpGraph.for_simulator(doc)
    try:
        failures = check_setup(
            GraphClient(backend, Identity("commercial", src["id"], admin["clientId"])),
            GraphClient(backend, Identity("gcch", tgt["id"], reader["clientId"])),
            PairSetup(src["id"], tgt["id"], "commercial", "gcch"),
            scope_group="Cross-cloud sync users",
        )
    finally:
        backend.close()
    assert [(f.code, f.side) for f in failures] == [("MissingPermissions", "target")]
    assert "Policy.ReadWrite.CrossTenantAccess" in failures[0].message
