"""A standalone job file is refused for what the service refuses: unsupported scoping attributes and a
manager mapping across clouds, with the file and the fix in the message."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from syncengine.config import ConfigError, parse_job

JOB = """
name = "refused"
cross_cloud = true
[source]
cloud = "commercial"
tenant_id = "11111111-1111-1111-1111-111111111111"
client_id = "22222222-2222-2222-2222-222222222222"
client_secret_env = "CCSYNC_TEST_UNUSED"
service_principal_id = "33333333-3333-3333-3333-333333333333"
[target]
cloud = "gcch"
tenant_id = "44444444-4444-4444-4444-444444444444"
client_id = "55555555-5555-5555-5555-555555555555"
client_secret_env = "CCSYNC_TEST_UNUSED"
"""


def _job(extra: str) -> dict:
    return tomllib.loads(JOB + extra)


@pytest.mark.parametrize(
    ("attribute", "words"),
    [("userType", "userType is not supported"), ("manager", "manager"), ("businessPhones", "multi-valued")],
)
def test_job_file_with_a_scoping_filter_the_service_refuses_names_the_filter(
    attribute: str, words: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCSYNC_TEST_UNUSED", "x")
    raw = _job(
        f'[[scope.filter]]\nname = "Picky"\nclauses = [{{attribute = "{attribute}", operator = "EQUALS", values = ["a"]}}]\n'
    )
    with pytest.raises(ConfigError) as caught:
        parse_job(raw, Path("job.toml"))
    assert "job.toml" in str(caught.value) and words in str(caught.value) and "Picky" in str(caught.value)


def test_job_file_mapping_manager_across_clouds_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCSYNC_TEST_UNUSED", "x")
    raw = _job('[[mappings.extra]]\ntarget = "manager"\nkind = "Direct"\nsource = "manager"\n')
    with pytest.raises(ConfigError, match="not synchronized across Microsoft clouds"):
        parse_job(raw, Path("job.toml"))
    raw["cross_cloud"] = False
    assert parse_job(raw, Path("job.toml")).job.mappings[-1].target == "manager"
