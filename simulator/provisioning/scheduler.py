"""The provisioning scheduler: runs each started job's cycle when it falls due on the simulator clock.

A started job runs its first cycle at once and then every 40 minutes (the engine's ``JobRunner`` keeps
the schedule). On a virtual clock cycles run only when the clock is advanced
(``Simulator.advance_clock`` calls ``next_due`` and ``run_due``), so a test's schedule is
deterministic; on a real clock a daemon thread polls ``run_due``.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime

from simulator.directory.store import Store
from simulator.provisioning import audit_events
from simulator.provisioning.cycles import JobCycles
from simulator.provisioning.jobs import JobStore

log = logging.getLogger(__name__)


class Scheduler:
    """Runs the due cycles of every job in ``jobs``; ``start`` adds the thread of a real-time simulator."""

    def __init__(self, store: Store, jobs: JobStore, cycles: JobCycles) -> None:
        self.store = store
        self.jobs = jobs
        self.cycles = cycles
        self.clock = store.clock
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> int:
        """Run every job whose next cycle is due on the simulator clock; returns how many ran."""
        ran = 0
        with self.jobs.lock:
            for job in list(self.jobs.jobs.values()):
                runner = job.runner
                if runner is None or not runner.due(self.clock.now()):
                    continue
                runner.cycle = self.cycles.cycle(job)
                result = runner.tick()
                if result is not None:
                    ran += 1
                    quarantine = runner.status()["status"]["quarantine"]
                    if quarantine is not None:
                        tenant = self.store.tenants.get(job.tenant_id)
                        sp = tenant.service_principals.get(job.sp_id) if tenant else None
                        if sp is not None:
                            audit_events.record_quarantine(self.store, job.tenant_id, sp, quarantine)
                    if result.report.licence_warning is not None or job.licence_warning:
                        job.licence_warning = result.report.licence_warning
        return ran

    def next_due(self) -> datetime | None:
        """The earliest time a job's next cycle is due on the simulator clock (None: nothing scheduled)."""
        now = self.clock.now()
        with self.jobs.lock:
            times = [
                when
                for job in self.jobs.jobs.values()
                if job.runner is not None and (when := job.runner.next_run(now)) is not None
            ]
        return min(times) if times else None

    def start(self, period: float = 0.5) -> None:
        """Poll ``run_due`` every ``period`` seconds on a daemon thread while the clock is real."""

        def loop() -> None:
            while not self._stop.wait(period):
                if self.clock.is_virtual:
                    continue  # virtual time: cycles run when the clock is advanced (deterministic)
                try:
                    self.run_due()
                except Exception:  # keep the scheduler alive; the failure is in the log
                    log.exception("provisioning scheduler")

        self._thread = threading.Thread(target=loop, name="ccsync-provisioning", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=30)
