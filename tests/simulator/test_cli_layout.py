"""The CLI at 80 columns: nothing cut (URLs, ids, secrets, headers), and the same facts with --json."""

from __future__ import annotations

import argparse
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console

from ccsync.cli import main
from ccsync.demo import run_demo
from ccsync.endpoints_view import render_endpoints
from simulator.runtime import Simulator

SIMULATOR = {"seed": 3}


@pytest.fixture
def at_80(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def console_80() -> tuple[Console, io.StringIO]:
    buf = io.StringIO()
    return Console(file=buf, width=80, color_system=None), buf


def assert_fits(out: str, whole: list[str]) -> None:
    """Every line fits 80 columns, nothing ends in an ellipsis, and each value is whole on one line.

    A value longer than the terminal (a job id is 84 characters) may only stand alone on its line.
    """
    assert "…" not in out
    lines = out.splitlines()
    too_wide = [ln for ln in lines if len(ln) > 80 and len(ln.split()) > 1]
    assert not too_wide, too_wide
    for value in whole:
        assert any(value in ln for ln in lines), f"{value!r} is cut or missing"


def test_up_printout_fits_80_columns_with_every_url_id_and_secret_whole(sim: Simulator) -> None:
    doc = sim.endpoints()
    console, buf = console_80()

    render_endpoints(console, doc, sim.data_dir / "endpoints.json")

    out = buf.getvalue()
    values = [f"{doc['control']}/console/", f"{doc['control']}/_simulator/", doc["ca_bundle"]]
    for c in doc["clouds"].values():
        values += [c["login"], c["graph"]]
    for t in doc["tenants"]:
        values += [t["id"], t["defaultDomain"]]
        values += [v for a in t["apps"] for v in (a["clientId"], a["clientSecret"])]
    assert_fits(out, values)


def test_demo_fits_80_columns_and_its_json_has_both_jobs() -> None:
    console, buf = console_80()

    assert run_demo(console, seed=42) == 0

    out = buf.getvalue()
    assert_fits(out, ["Contoso to Contoso Government", "Contoso to Contoso China", "Graph calls", "created"])
    ids = re.findall(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", out)
    assert ids  # the service principal and partner ids are printed whole

    json_console, json_buf = console_80()
    assert run_demo(json_console, seed=42, as_json=True) == 0
    doc = json.loads(json_buf.getvalue())
    assert [r["job"] for r in doc["incremental"]] == [
        "Contoso to Contoso Government",
        "Contoso to Contoso China",
    ]
    assert {s["action"] for s in doc["story"]} >= {"create", "update", "disable", "delete"}


def test_setup_fits_80_columns_and_json_gives_the_ids(
    sim: Simulator, at_80: None, capsys: pytest.CaptureFixture[str]
) -> None:
    endpoints = str(sim.data_dir / "endpoints.json")
    args = ["setup", "--endpoints", endpoints, "--source", "contoso.onmicrosoft.com"]

    assert main([*args, "--target", "contosochina.partner.onmschina.cn", "--no-start"]) == 0
    out = capsys.readouterr().out
    assert main([*args, "--target", "contosogov.onmicrosoft.us", "--no-start", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)

    assert doc["jobId"] and doc["servicePrincipalId"] and doc["steps"]
    china = json.loads(httpx.get(f"{sim.control_url}/_simulator/provisioning/jobs").text)["value"]
    china_job = next(j for j in china if j["servicePrincipalId"] != doc["servicePrincipalId"])
    assert_fits(out, [china_job["id"], china_job["servicePrincipalId"]])


def test_sync_init_writes_a_job_that_runs_and_status_fits_80_columns(
    sim: Simulator, at_80: None, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = tmp_path / "job.toml"
    endpoints = str(sim.data_dir / "endpoints.json")
    pair = ["--source", "contosogcc.onmicrosoft.com", "--target", "contosogov.onmicrosoft.us"]
    assert main(["setup", "--endpoints", endpoints, *pair, "--no-start", "--json"]) == 0  # policies, scope
    sp = json.loads(capsys.readouterr().out)["servicePrincipalId"]

    assert main(["sync", "init", "--endpoints", endpoints, *pair, "--service-principal-id", sp,
                 "--output", str(job)]) == 0  # fmt: skip
    capsys.readouterr()
    text = job.read_text()
    assert "cross_cloud = true" in text and "client_secret" not in text.replace("client_secret_file", "")
    assert all(a["clientSecret"] not in text for t in sim.endpoints()["tenants"] for a in t["apps"])
    assert main(["sync", "run", "--config", str(job), "--once", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert main(["sync", "status", "--config", str(job)]) == 0
    out = capsys.readouterr().out
    assert main(["sync", "status", "--config", str(job), "--json"]) == 0
    status = json.loads(capsys.readouterr().out)

    assert report["actions"].get("create", 0) > 0
    assert status["linked"] == report["actions"]["create"]
    assert_fits(out, [str(status["linked"]), "linked users", status["cycles"][0]["began"]])


def test_sync_init_refuses_to_overwrite_and_names_the_fix(
    sim: Simulator, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = tmp_path / "job.toml"
    job.write_text("keep me")

    code = main(["sync", "init", "--endpoints", str(sim.data_dir / "endpoints.json"), "--source", "contoso",
                 "--target", "contoso government", "--output", str(job)])  # fmt: skip

    assert code == 2 and job.read_text() == "keep me"
    assert "--force" in capsys.readouterr().out


def test_sync_init_for_real_tenants_names_secret_variables(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    job = tmp_path / "real.toml"
    ids = [f"00000000-0000-0000-0000-00000000000{i}" for i in range(4)]

    code = main(["sync", "init", "--output", str(job), "--source-tenant", ids[0], "--source-cloud", "commercial",
                 "--source-client-id", ids[1], "--target-tenant", ids[2], "--target-cloud", "dod",
                 "--target-client-id", ids[3], "--json"])  # fmt: skip

    assert code == 0 and json.loads(capsys.readouterr().out)["simulator"] is False
    text = job.read_text()
    assert 'client_secret_env = "CCSYNC_SOURCE_SECRET"' in text and "endpoints =" not in text.split("#")[0]
    assert 'cloud = "dod"' in text and "cross_cloud = true" in text


def test_logs_filter_by_action_status_and_identity(
    sim: Simulator, at_80: None, capsys: pytest.CaptureFixture[str]
) -> None:
    httpx.post(f"{sim.control_url}/_simulator/clock", json={"mode": "virtual"})
    endpoints = str(sim.data_dir / "endpoints.json")
    where = ["--endpoints", endpoints, "--source", "contoso.onmicrosoft.com"]
    assert main(["setup", *where, "--target", "Contoso Defense", "--json"]) == 0
    sp = json.loads(capsys.readouterr().out)["servicePrincipalId"]
    httpx.post(f"{sim.control_url}/_simulator/clock/advance", json={"by": "PT1M"})

    assert main(["logs", *where, "--service-principal", sp, "--action", "create", "--json"]) == 0
    created = json.loads(capsys.readouterr().out)
    someone = created[0]["sourceIdentity"]
    assert main(["logs", *where, "--service-principal", sp, "--identity", someone["id"], "--json"]) == 0
    theirs = json.loads(capsys.readouterr().out)
    assert main(["logs", *where, "--service-principal", sp, "--status", "skipped", "--json"]) == 0
    skipped = json.loads(capsys.readouterr().out)
    assert main(["logs", *where, "--service-principal", sp, "--top", "5", "--json"]) == 0
    newest = json.loads(capsys.readouterr().out)
    assert main(["logs", *where, "--service-principal", sp, "--top", "5"]) == 0
    out = capsys.readouterr().out

    assert created and {r["provisioningAction"] for r in created} == {"create"}
    assert theirs and {r["sourceIdentity"]["id"] for r in theirs} == {someone["id"]}
    assert skipped and {r["provisioningStatusInfo"]["status"] for r in skipped} == {"skipped"}
    assert_fits(out, [r["sourceIdentity"]["id"] for r in newest] + [r["activityDateTime"] for r in newest])


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    """Every leaf command of the parser (``sync run``, ``up``, ...) with its parser."""
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield " ".join(path), parser
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _commands(child, (*path, name))


def test_every_command_takes_json_and_every_option_has_help() -> None:
    from ccsync.cli import build_parser

    commands = dict(_commands(build_parser()))

    assert {"up", "demo", "env", "setup", "logs", "sync init", "sync status"} <= set(commands)
    for name, parser in commands.items():
        options = {o for a in parser._actions for o in a.option_strings}
        assert "--json" in options, f"ccsync {name} has no --json"
        for action in parser._actions:
            if action.option_strings and action.dest != "help":
                assert action.help, f"ccsync {name} {action.option_strings[0]} has no help text"


def test_setup_and_logs_find_the_endpoints_file_by_default() -> None:
    from ccsync.cli import build_parser

    args = build_parser().parse_args(["logs", "--source", "contoso"])

    assert args.endpoints == Path(".ccsync/endpoints.json")
