"""The job store on its own: what a durable simulator writes, what it restores, what a reset forgets."""

from __future__ import annotations

import json
import stat
from datetime import UTC, datetime
from pathlib import Path

from simulator.provisioning.jobs import JobRecord, JobStore
from simulator.provisioning.schema import default_schema

CREATED = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _job(store: JobStore, job_id: str, tenant: str) -> JobRecord:
    job = JobRecord(
        job_id,
        tenant,
        f"sp-{job_id}",
        "Azure2Azure",
        CREATED,
        default_schema(job_id),
        [{"name": "LookaheadQueryEnabled", "value": "False"}],
        store.engine_state(job_id),
    )
    with store.lock:
        store.jobs[job.id] = job
    return job


def test_a_saved_store_comes_back_with_its_jobs_secrets_and_warnings_in_a_private_file(
    tmp_path: Path,
) -> None:
    first = JobStore(tmp_path / "provisioning")
    kept = _job(first, "a", "tenant-1")
    kept.licence_warning = "1 of 2 users in scope lack a licence"
    _job(first, "b", "tenant-gone")
    first.secrets["sp-a"] = {"CompanyId": "tenant-2", "AuthenticationType": "SyncPolicy"}
    first.save()
    path = tmp_path / "provisioning" / "provisioning.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # it holds the configurations' secrets
    assert json.loads(path.read_text())["format"] == 1

    second = JobStore(tmp_path / "provisioning")
    live = second.load({"tenant-1"})

    assert [j.id for j in live] == ["a"]  # only jobs whose tenant still exists get a runner back
    assert set(second.jobs) == {"a", "b"}
    restored = second.jobs["a"]
    assert (restored.tenant_id, restored.sp_id, restored.created) == ("tenant-1", "sp-a", CREATED)
    assert restored.schema == kept.schema and restored.settings == kept.settings
    assert restored.licence_warning == kept.licence_warning
    assert second.secrets == first.secrets


def test_removing_a_job_and_clearing_the_store_reach_the_file(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job = _job(store, "a", "t")
    _job(store, "b", "t")
    store.secrets["sp-a"] = {"CompanyId": "x"}
    store.validation_warnings["sp-a"] = "warning"
    store.save()

    store.remove(job)
    assert [j["id"] for j in json.loads((tmp_path / "provisioning.json").read_text())["jobs"]] == ["b"]

    store.clear()
    assert store.jobs == {} and store.secrets == {} and store.validation_warnings == {}
    assert json.loads((tmp_path / "provisioning.json").read_text()) == {
        "format": 1,
        "secrets": {},
        "jobs": [],
    }


def test_without_a_data_dir_the_store_lives_in_memory_and_restores_nothing() -> None:
    store = JobStore(None)
    _job(store, "a", "t")
    store.save()
    assert store.load({"t"}) == [] and set(store.jobs) == {"a"}
