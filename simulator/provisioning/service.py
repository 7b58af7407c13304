"""The simulated Entra provisioning service as one object: its parts composed for the runtime.

Jobs run the real sync engine (``syncengine``) through the Graph backend the runtime gives it (in a
running simulator ``SimulatedGraph``, the router in process) under the first-party identity
``Microsoft.Azure.SyncFabric``, on the simulator clock: a started job runs its first cycle at once and
then every 40 minutes. The parts: the job store and its file (``jobs.py``), the engine binding
(``cycles.py``), the scheduler (``scheduler.py``) and the Graph-facing API (``api.py``), whose methods
this object offers the routes, the control plane and the console.
"""

from __future__ import annotations

import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.provisioning.api import SynchronizationApi
from simulator.provisioning.cycles import JobCycles
from simulator.provisioning.jobs import JobRecord, JobStore
from simulator.provisioning.scheduler import Scheduler
from syncengine.backend import GraphBackend
from syncengine.licences import LicenceReport
from syncengine.model import JobConfig


class ProvisioningService(SynchronizationApi):
    """Every configuration and job of every tenant, the API over them and the scheduler that runs them."""

    def __init__(self, store: Store, backend: GraphBackend, data_dir: Path | None = None) -> None:
        job_store = JobStore(data_dir)
        super().__init__(store, job_store, JobCycles(store, job_store, backend))
        self.scheduler = Scheduler(store, job_store, self.cycles)

    # -- the job store, as the control plane and the console read it -----------------------------

    @property
    def jobs(self) -> dict[str, JobRecord]:
        return self.job_store.jobs

    @property
    def secrets(self) -> dict[str, dict[str, str]]:
        return self.job_store.secrets

    @property
    def validation_warnings(self) -> dict[str, str | None]:
        return self.job_store.validation_warnings

    @property
    def lock(self) -> threading.RLock:
        return self.job_store.lock

    def save(self) -> None:
        self.job_store.save()

    def load(self) -> int:
        """Restore the saved jobs (after a restart of a durable simulator); returns how many."""
        with self.job_store.lock:
            for job in self.job_store.load(self.store.tenants):
                self.cycles.runner(
                    job
                )  # the runner's schedule and status come back from the job's state file
            return len(self.job_store.jobs)

    def reset(self) -> None:
        """Forget every job and secret (the control plane's reset: the tenants they belonged to are gone)."""
        with self.job_store.lock:
            self.job_store.clear()
            self.cycles.gates.clear()

    def licence_report_for(
        self, tenant: Tenant, sp: dict[str, Any], creds: dict[str, str], job: JobRecord
    ) -> tuple[LicenceReport, JobConfig]:
        """The licence check of a job's whole scope, read now (the console's unlicensed-user list)."""
        return self.cycles.licence_report_for(tenant, sp, creds, job)

    # -- running -----------------------------------------------------------------------------------

    def run_due(self) -> int:
        return self.scheduler.run_due()

    def next_due(self) -> datetime | None:
        return self.scheduler.next_due()

    def start_scheduler(self, period: float = 0.5) -> None:
        self.scheduler.start(period)

    def stop(self) -> None:
        self.scheduler.stop()
