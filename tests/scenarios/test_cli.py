"""`ccsync scenarios …` from the command line, and the schema published in docs/scenarios.md."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ccsync.cli import main
from scenarios.schema import SCHEMA
from tests.conftest import ROOT


def test_the_published_schema_is_the_one_used() -> None:
    text = (ROOT / "docs/scenarios.md").read_text(encoding="utf-8")
    block = re.search(r"<summary>scenario.json</summary>\n\n```json\n(.*?)\n```", text, re.S)
    assert block is not None and json.loads(block.group(1)) == SCHEMA


def test_list_and_validate_the_library_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["scenarios", "list", str(ROOT / "scenarios/library"), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed["scenarios"]) >= 40 and listed["invalid_files"] == 0
    assert all(r["name"] and r["line"] >= 1 for r in listed["scenarios"])
    assert main(["scenarios", "validate", str(ROOT / "scenarios/library"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["problems"] == []


def test_validate_a_broken_file_exits_1_with_its_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.scenario.yaml"
    bad.write_text("name: x y\ncites: https://learn.microsoft.com/a\nsteps:\n  - advnce: PT40M\n")
    assert main(["scenarios", "validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"{bad}:4:5: unknown step 'advnce' — did you mean 'advance'?" in out


def test_new_writes_a_template_that_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["scenarios", "new", "mine/disable_user", "--json"]) == 0
    written = json.loads(capsys.readouterr().out)["written"]
    assert Path(written).read_text().startswith("# disable user: a ccsync scenario")
    assert main(["scenarios", "new", "mine/disable_user"]) == 1  # never overwrites
    capsys.readouterr()
    assert main(["scenarios", "run", "mine", "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["exit_code"] == 0 and summary["tests"] == "1" and summary["failures"] == "0"


def test_a_tenants_toml_without_its_secret_is_one_clear_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    toml = tmp_path / "tenants.toml"
    toml.write_text(
        '[tenants.gov]\nid = "x"\ncloud = "gcch"\ndomain = "d.us"\nclient_id = "c"\nclient_secret_env = "CCSYNC_TEST_UNSET"\n'
    )
    monkeypatch.delenv("CCSYNC_TEST_UNSET", raising=False)
    code = main(
        [
            "scenarios",
            "run",
            str(ROOT / "scenarios/library/setup"),
            "--backend",
            "real",
            "--tenants",
            str(toml),
        ]
    )
    out, err = capfd.readouterr()
    assert code == 4  # pytest's usage error
    assert "--ccsync-real: tenants.gov: environment variable CCSYNC_TEST_UNSET is not set" in out + err
