"""``ccsync setup`` configures a pair on a running simulator; ``ccsync logs`` shows what the job did."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from ccsync.cli import main

SIMULATOR = {"seed": 17, "virtual_clock": True}


def text(capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(capsys.readouterr().out.split())


def test_setup_then_logs(
    sim: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "220")
    endpoints = str(sim.data_dir / "endpoints.json")
    assert (
        main(
            [
                "setup",
                "--endpoints",
                endpoints,
                "--source",
                "contoso.onmicrosoft.com",
                "--target",
                "contosogov.onmicrosoft.us",
            ]
        )
        == 0
    )
    out = text(capsys)
    for step in (
        "allowedCloudEndpoints",
        "identitySynchronization",
        "inboundAllowed",
        "outboundAllowed",
        "validateCredentials",
        "started provisioning",
    ):
        assert step in out, step
    assert httpx.post(f"{sim.control_url}/_simulator/provisioning/run", json={}).json()["cyclesRun"] == 1
    assert main(["logs", "--endpoints", endpoints, "--source", "contoso.onmicrosoft.com", "--top", "20"]) == 0
    logs = text(capsys)
    assert "provisioning logs (20)" in logs and "create" in logs and "success" in logs


def test_setup_with_an_unknown_tenant_is_a_clear_error(sim: Any, capsys: pytest.CaptureFixture[str]) -> None:
    endpoints = str(sim.data_dir / "endpoints.json")
    assert (
        main(
            [
                "setup",
                "--endpoints",
                endpoints,
                "--source",
                "nowhere.example",
                "--target",
                "contosogov.onmicrosoft.us",
            ]
        )
        == 2
    )
    assert "no tenant 'nowhere.example'" in text(capsys)


def test_setup_of_an_unsupported_pair_is_refused_at_test_connection(
    sim: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = str(sim.data_dir / "endpoints.json")
    assert (
        main(
            [
                "setup",
                "--endpoints",
                endpoints,
                "--source",
                "contosochina.partner.onmschina.cn",
                "--target",
                "contoso.onmicrosoft.com",
            ]
        )
        == 1
    )
    assert "UnsupportedCloudPair" in text(capsys)
