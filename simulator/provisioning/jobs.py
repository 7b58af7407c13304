"""The provisioning service's job store: every synchronization job and configuration secret, and its file.

A durable simulator keeps them in ``provisioning.json`` (jobs, schemas, settings, secrets; written
atomically, 0600) beside one engine state file per job (``{job id}.db``: shadows, watermark, schedule
and status). Without a data directory everything lives in memory.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Container
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from syncengine.runner import JobRunner
from syncengine.state import EngineState

#: the format of ``provisioning.json``
FORMAT = 1


@dataclass
class JobRecord:
    """One synchronization job of one configuration (service principal) in the source tenant."""

    id: str
    tenant_id: str
    sp_id: str
    template_id: str
    created: datetime
    schema: dict[str, Any]
    settings: list[dict[str, str]]
    state: EngineState
    runner: JobRunner | None = None
    licence_warning: str | None = None
    od_calls: list[float] = field(default_factory=list)


class JobStore:
    """Every job and every configuration's secrets, behind one lock; saved to ``data_dir`` when given."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = data_dir
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.jobs: dict[str, JobRecord] = {}
        #: service principal id → its synchronization secrets (``PUT .../synchronization/secrets``)
        self.secrets: dict[str, dict[str, str]] = {}
        #: the licence warning of each configuration's last test connection (service principal id → text)
        self.validation_warnings: dict[str, str | None] = {}
        #: held for any change to the jobs and while a job's cycle runs (a reentrant lock)
        self.lock = threading.RLock()

    def engine_state(self, job_id: str) -> EngineState:
        """A new job's engine state: its own file in a durable simulator, else in memory."""
        return EngineState(self.data_dir / f"{job_id}.db" if self.data_dir else ":memory:", job_id)

    def add(self, job: JobRecord) -> None:
        with self.lock:
            self.jobs[job.id] = job
        self.save()

    def remove(self, job: JobRecord) -> None:
        with self.lock:
            self.jobs.pop(job.id, None)
            job.state.close()
        self.save()

    def clear(self) -> None:
        """Forget every job and secret (the control plane's reset: the tenants they belonged to are gone)."""
        with self.lock:
            for job in self.jobs.values():
                job.state.close()
            self.jobs.clear()
            self.secrets.clear()
            self.validation_warnings.clear()
        self.save()

    def _path(self) -> Path | None:
        return self.data_dir / "provisioning.json" if self.data_dir else None

    def save(self) -> None:
        """Write jobs, schemas, settings and secrets (a durable simulator); each job's run state is in its own file."""
        path = self._path()
        if path is None:
            return
        with self.lock:
            doc = {
                "format": FORMAT,
                "secrets": self.secrets,
                "jobs": [
                    {
                        "id": j.id, "tenant": j.tenant_id, "sp": j.sp_id, "template": j.template_id,
                        "created": j.created.isoformat(), "schema": j.schema, "settings": j.settings,
                        "licenceWarning": j.licence_warning,
                    }
                    for j in self.jobs.values()
                ],
            }  # fmt: skip
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(doc, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    def load(self, tenants: Container[str]) -> list[JobRecord]:
        """Restore the saved jobs and secrets (after a restart of a durable simulator); returns the jobs
        whose tenant still exists (``tenants``), the ones to give their runner back."""
        path = self._path()
        if path is None or not path.exists():
            return []
        assert self.data_dir is not None
        doc = json.loads(path.read_text())
        live: list[JobRecord] = []
        with self.lock:
            self.secrets = {k: dict(v) for k, v in doc.get("secrets", {}).items()}
            for j in doc.get("jobs", []):
                job = JobRecord(
                    j["id"],
                    j["tenant"],
                    j["sp"],
                    j["template"],
                    datetime.fromisoformat(j["created"]),
                    j["schema"],
                    j["settings"],
                    EngineState(self.data_dir / f"{j['id']}.db", j["id"]),
                )
                job.licence_warning = j.get("licenceWarning")
                self.jobs[job.id] = job
                if j["tenant"] in tenants:
                    live.append(job)
        return live
