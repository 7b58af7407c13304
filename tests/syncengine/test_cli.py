"""``ccsync sync validate|plan|run|status`` with a TOML job against a running simulator over HTTPS."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ccsync.cli import main
from simulator.testing import running_simulator
from tests.conftest import app_of, control_tenant
from tests.syncengine.pairs import make_pair


@pytest.fixture(scope="module")
def job_file(tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("clijob")
    with running_simulator(seed=8) as sim:
        src = control_tenant(sim, "commercial", 30, name="Cli Source")
        tgt = control_tenant(sim, "gcch", 5, name="Cli Target")
        pair = make_pair(sim, src, tgt, members=8)
        text = f"""
name = "cli-job"
cross_cloud = true
state = "cli.db"
endpoints = "{sim.data_dir / "endpoints.json"}"

[source]
cloud = "commercial"
tenant_id = "{src["id"]}"
client_id = "{app_of(src)["clientId"]}"
client_secret_env = "CCSYNC_TEST_SOURCE_SECRET"
service_principal_id = "{pair.sp_id}"

[target]
cloud = "gcch"
tenant_id = "{tgt["id"]}"
client_id = "{app_of(tgt)["clientId"]}"
client_secret_file = "target.secret"

[anchor]
kind = "extensionAttribute"
"""
        (tmp / "job.toml").write_text(text)
        (tmp / "target.secret").write_text(app_of(tgt)["clientSecret"])
        yield tmp / "job.toml", app_of(src)["clientSecret"], app_of(tgt)["clientSecret"]


def test_validate_plan_run_status(
    job_file: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, source_secret, target_secret = job_file
    monkeypatch.setenv("CCSYNC_TEST_SOURCE_SECRET", source_secret)
    monkeypatch.setenv("COLUMNS", "200")
    assert main(["sync", "validate", "--config", str(path)]) == 0
    assert main(["sync", "plan", "--config", str(path)]) == 0
    assert "nothing written" in " ".join(capsys.readouterr().out.split())
    assert main(["sync", "run", "--config", str(path), "--once"]) == 0
    out = capsys.readouterr().out
    assert "create" in out and "8" in out
    assert main(["sync", "status", "--config", str(path)]) == 0
    status = capsys.readouterr().out
    assert "linked users" in status and "8" in status
    for secret in (source_secret, target_secret):
        assert secret not in out and secret not in status


def test_missing_secret_is_a_clear_error(
    job_file: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path, *_ = job_file
    monkeypatch.delenv("CCSYNC_TEST_SOURCE_SECRET", raising=False)
    assert main(["sync", "run", "--config", str(path)]) == 2
    assert "CCSYNC_TEST_SOURCE_SECRET is not set" in " ".join(capsys.readouterr().out.split())


def test_secret_in_the_job_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        'name = "x"\n[source]\ncloud = "commercial"\ntenant_id = "t"\nclient_id = "c"\nclient_secret = "hunter2"\n'
    )
    assert main(["sync", "validate", "--config", str(bad)]) == 2
    out = " ".join(capsys.readouterr().out.split())
    assert "secrets never go in the job file" in out and "hunter2" not in out


def test_bad_toml_names_the_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[source\n')
    assert main(["sync", "plan", "--config", str(bad)]) == 2
    assert "line 2" in " ".join(capsys.readouterr().out.split())
