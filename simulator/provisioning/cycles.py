"""How a job of the provisioning service becomes the engine's: its configuration, clients and cycle.

The service acts as the first-party identity ``Microsoft.Azure.SyncFabric`` (appId
00000014-0000-0000-c000-000000000000) through the Graph backend it is given (in a running simulator,
``SimulatedGraph`` over the router). Jobs writing into one target tenant share its throttle gate; a cycle's
preflight also checks what the service knows from its own state (the target's cross-cloud
synchronization switch); the licence report is the engine's whole-scope check
(``syncengine.licences.scope_licence_report``).
"""

from __future__ import annotations

from typing import Any

from simulator.clock import Clock
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.provisioning import audit_events, cross_cloud_sync
from simulator.provisioning.job_config import SYNC_FABRIC, build_job_config
from simulator.provisioning.jobs import JobRecord, JobStore
from simulator.provisioning.schema import default_schema, parse_schema
from simulator.wire.errors import GraphError, not_found
from syncengine import licences, preflight
from syncengine.backend import GraphBackend, Identity
from syncengine.client import GraphClient
from syncengine.cycle import Cycle
from syncengine.model import JobConfig
from syncengine.pacing import ThrottleGate
from syncengine.runner import JobRunner

#: the application permissions the service's first-party identity acts with in every tenant
SYNC_ROLES = frozenset(
    {
        "User.ReadWrite.All", "User.Invite.All", "User.ReadWrite.CrossCloud", "Directory.Read.All", "Policy.Read.All",
        "Organization.Read.All", "Application.Read.All", "GroupMember.Read.All", "AuditLog.Read.All",
    }
)  # fmt: skip
#: the first-party apps the service's Graph backend must know (no app registration in the tenant)
FIRST_PARTY: dict[str, frozenset[str]] = {SYNC_FABRIC: SYNC_ROLES}
#: the template a configuration without a job is validated against
SYNC_TEMPLATE = "Azure2Azure"


def service_principal(tenant: Tenant, sp_id: str) -> dict[str, Any]:
    """The configuration's service principal, or Graph's 404."""
    sp = tenant.service_principals.get(sp_id.lower())
    if sp is None:
        raise not_found(sp_id)
    return sp


class JobCycles:
    """Builds each job's engine configuration, Graph clients, cycle and runner from the service's state."""

    def __init__(self, store: Store, jobs: JobStore, backend: GraphBackend) -> None:
        self.store = store
        self.jobs = jobs
        self.backend = backend
        self.clock: Clock = store.clock
        #: one per target tenant: the jobs writing into it share its write budget (syncengine/pacing.py)
        self.gates: dict[tuple[str, str], ThrottleGate] = {}

    def job_config(
        self, tenant: Tenant, sp: dict[str, Any], creds: dict[str, str], job: JobRecord | None
    ) -> JobConfig:
        """The engine's configuration of ``job`` (or of a configuration without one, to validate it)."""
        return build_job_config(
            self.store,
            tenant,
            sp,
            creds,
            schema=job.schema if job else default_schema(SYNC_TEMPLATE),
            name=job.id if job else f"{sp['displayName']} (validation)",
            settings=job.settings if job else [],
        )

    def clients(self, config: JobConfig) -> tuple[GraphClient, GraphClient]:
        """The source and target clients of a job; the target's shares its tenant's throttle gate."""
        key = (config.target.cloud, config.target.tenant_id)
        # in-process requests take no time, so the gate also sends them one at a time (exclusive)
        gate = self.gates.setdefault(key, ThrottleGate(self.clock, exclusive=True))
        return (
            GraphClient(self.backend, config.source, clock=self.clock),
            GraphClient(self.backend, config.target, clock=self.clock, gate=gate),
        )

    def runner(self, job: JobRecord) -> JobRunner:
        """The job's runner, made on first use (its schedule and status come from the job's state file)."""
        if job.runner is None:
            job.runner = JobRunner(self.cycle(job), job.state, self.clock)
        return job.runner

    def cycle(self, job: JobRecord) -> Cycle:
        """A cycle of ``job`` with the configuration and secrets as they are now."""
        tenant = self.store.tenants[job.tenant_id]
        sp = service_principal(tenant, job.sp_id)
        creds = self.jobs.secrets.get(sp["id"])
        if not creds:
            creds = {"CompanyId": "", "AuthenticationType": "SyncPolicy"}
        try:
            config = self.job_config(tenant, sp, creds, job)
        except GraphError:
            # not configured yet: a job whose every cycle fails preflight (as an unconfigured job would)
            config = JobConfig(
                job.id,
                Identity(tenant.cloud.value, tenant.id, SYNC_FABRIC),
                Identity(tenant.cloud.value, tenant.id, SYNC_FABRIC),
                parse_schema(job.schema)[0],
                service_principal_id=sp["id"],
            )
        source, target = self.clients(config)
        audit = self.store.audit
        store = self.store

        def on_record(rec: dict[str, Any]) -> None:
            audit.add_provisioning(job.tenant_id, [rec])
            audit_events.record_object_events(store, job.tenant_id, sp, rec)

        return _ServiceCycle(
            self,
            config,
            source,
            target,
            job.state,
            self.clock,
            job_id=job.id,
            service_principal_name=sp["displayName"],
            on_record=on_record,
        )

    def service_checks(self, config: JobConfig) -> list[preflight.PreflightFailure]:
        """What the service checks from its own state before the Graph-visible prerequisites: the target's
        cross-cloud synchronization setting (simulator/provisioning/cross_cloud_sync.py)."""
        with self.store.lock:
            target = self.store.tenants.get(config.target.tenant_id)
            failure = cross_cloud_sync.check(target, config.source.cloud, config.is_cross_cloud)
        return [failure] if failure is not None else []

    def licence_report_for(
        self, tenant: Tenant, sp: dict[str, Any], creds: dict[str, str], job: JobRecord | None
    ) -> tuple[licences.LicenceReport, JobConfig]:
        """The licence check of a job's whole scope, read now through Graph as the service's identity
        (what ``start`` and ``validateCredentials`` show an admin); also the job's configuration."""
        config = self.job_config(tenant, sp, creds, job)
        return licences.scope_licence_report(config, self.clients(config)[0]), config

    def refresh_licence_warning(self, job: JobRecord) -> None:
        """Set the job's licence warning from a whole-scope check (a configured job only)."""
        tenant = self.store.tenants[job.tenant_id]
        sp = service_principal(tenant, job.sp_id)
        creds = self.jobs.secrets.get(sp["id"])
        if not creds or not creds.get("CompanyId"):
            return
        try:
            job.licence_warning = self.licence_report_for(tenant, sp, creds, job)[0].warning
        except GraphError:
            return


class _ServiceCycle(Cycle):
    """The engine's cycle as the service runs it: its preflight also checks the service's own state."""

    def __init__(self, cycles: JobCycles, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._cycles = cycles

    def _preflight(self) -> list[preflight.PreflightFailure]:
        return self._cycles.service_checks(self.job) + super()._preflight()
