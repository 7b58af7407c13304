"""What the console shows, read from the running simulator: plain values for the templates.

Nothing here lists a whole directory: counts are O(1), logs and user lists are filtered and cut to one
page, and the licence list is computed for one configuration only when asked for.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from simulator.clouds import AUTHORITIES, CLOUDS, Cloud
from simulator.directory.audit import ACCOUNT_PROVISIONING, LogKind, parse_time
from simulator.provisioning.job_config import LICENCE_POLICY_SETTING, SYNC_FABRIC
from simulator.wire.errors import GraphError

if TYPE_CHECKING:
    from simulator.directory.tenant import Tenant
    from simulator.provisioning.jobs import JobRecord
    from simulator.web.console import ConsoleSimulator

PAGE = 50
#: Each cloud instance (``allowedCloudEndpoints`` value) with its title, in the clouds' order.
INSTANCE_TITLES = {
    info.cloud_instance: AUTHORITIES[info.authority].instance_title for info in CLOUDS.values()
}


class NotFound(LookupError):
    """The page names a tenant, configuration or record that does not exist."""


@dataclass(frozen=True)
class Page:
    """One page of a longer list: the rows, where it starts, and whether more follow."""

    rows: list[Any]
    start: int
    more: bool

    @property
    def first(self) -> int:
        return self.start + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.start + len(self.rows)


def paged(items: Any, page: int, size: int = PAGE) -> Page:
    """Rows ``page*size`` .. of an iterable, reading one row past the page to know whether more follow."""
    start = max(page, 0) * size
    rows: list[Any] = []
    more = False
    for i, item in enumerate(items):
        if i < start:
            continue
        if len(rows) == size:
            more = True
            break
        rows.append(item)
    return Page(rows, start, more)


def tenant_of(sim: ConsoleSimulator, key: str) -> Tenant:
    tenant = sim.store.tenant(key)
    if tenant is None:
        raise NotFound(f"No tenant '{key}'.")
    return tenant


# -- clouds and tenants --------------------------------------------------------------------------


def clouds(sim: ConsoleSimulator) -> list[dict[str, Any]]:
    """The four clouds, each with its tenants (flavour, domain, user and group counts)."""
    with sim.store.lock:
        tenants = list(sim.store.tenants.values())
        out = []
        for cloud in Cloud:
            rows = [
                {
                    "id": t.id,
                    "name": t.display_name,
                    "flavor": t.flavor,
                    "domain": t.default_domain,
                    "users": len(t.users),
                    "groups": len(t.groups),
                    "configurations": sum(1 for j in sim.provisioning.jobs.values() if j.tenant_id == t.id),
                }
                for t in tenants
                if t.cloud is cloud
            ]
            out.append(
                {
                    "cloud": cloud.value,
                    "name": CLOUDS[cloud].title,
                    "graph": sim.graph_urls.get(cloud, ""),
                    "instance": CLOUDS[cloud].cloud_instance,
                    "tenants": sorted(rows, key=lambda r: r["name"].lower()),
                }
            )
    return out


def access_settings(sim: ConsoleSimulator, tenant: Tenant) -> dict[str, Any]:
    """A tenant's cross-tenant access settings: Microsoft cloud settings and partners."""
    with sim.store.lock:
        allowed = list(tenant.cross_tenant_policy.get("allowedCloudEndpoints") or [])
        default = tenant.cross_tenant_default.get("automaticUserConsentSettings") or {}
        partners = []
        for pid, p in sorted(tenant.partners.items()):
            other = sim.store.tenants.get(pid)
            consent = p.get("automaticUserConsentSettings") or {}
            sync = (tenant.identity_sync.get(pid) or {}).get("userSyncInbound") or {}
            partners.append(
                {
                    "id": pid,
                    "name": other.display_name if other else "(not a tenant of this simulator)",
                    "cloud": other.cloud.value if other else "",
                    "inbound_sync": bool(sync.get("isSyncAllowed")),
                    "inbound_redemption": _effective(
                        consent.get("inboundAllowed"), default.get("inboundAllowed")
                    ),
                    "outbound_redemption": _effective(
                        consent.get("outboundAllowed"), default.get("outboundAllowed")
                    ),
                }
            )
        own = CLOUDS[tenant.cloud].cloud_instance
        return {
            "clouds": [
                {"instance": inst, "name": name, "allowed": inst in allowed}
                for inst, name in INSTANCE_TITLES.items()
                if inst != own
            ],
            "partners": partners,
        }


def _effective(value: Any, default: Any) -> str:
    if value is None:
        return f"{'yes' if default else 'no'} (default)"
    return "yes" if value else "no"


# -- configurations -------------------------------------------------------------------------------


def _target(sim: ConsoleSimulator, job: JobRecord) -> Tenant | None:
    company = (sim.provisioning.secrets.get(job.sp_id) or {}).get("CompanyId") or ""
    return sim.store.tenants.get(company.lower()) if company else None


def configurations(
    sim: ConsoleSimulator, tenant: Tenant, checks: LicenceChecks | None = None
) -> list[dict[str, Any]]:
    """Each configuration (service principal with a job) of a source tenant, as the blade lists it."""
    with sim.provisioning.lock:
        jobs = [j for j in sim.provisioning.jobs.values() if j.tenant_id == tenant.id]
    ordered = sorted(jobs, key=lambda j: j.created)
    return [configuration(sim, tenant, job, checks) for job in ordered]


def configuration(
    sim: ConsoleSimulator, tenant: Tenant, job: JobRecord, checks: LicenceChecks | None = None
) -> dict[str, Any]:
    """One configuration as the blade shows it; with ``checks``, also its licence check as of now."""
    with sim.store.lock:
        sp = tenant.service_principals.get(job.sp_id) or {}
        target = _target(sim, job)
    status = sim.provisioning.job_json(job)
    st = status["status"]
    last = st.get("lastExecution") or {}
    q = st.get("quarantine")
    runner = job.runner
    next_run = runner.next_run(sim.clock.now()) if runner else None
    policy = next((s["value"] for s in job.settings if s["name"] == LICENCE_POLICY_SETTING), "warn")
    started = status["schedule"]["state"] != "Disabled"
    return {
        "sp_id": job.sp_id,
        "job_id": job.id,
        "name": sp.get("displayName") or job.sp_id,
        "cross_cloud": sim.provisioning.is_cross_cloud(tenant, job.sp_id),
        "target": target.display_name if target else "(not configured)",
        "target_id": target.id if target else "",
        "target_cloud": target.cloud.value if target else "",
        "code": st["code"],
        "schedule": status["schedule"]["state"],
        "interval": status["schedule"]["interval"],
        "quarantine": q,
        "last": last if last.get("timeBegan") else None,
        "steady_first": _never(st.get("steadyStateFirstAchievedTime")),
        "steady_last": _never(st.get("steadyStateLastAchievedTime")),
        "entries": next((e["value"] for e in st.get("synchronizedEntryCountByType") or []), 0),
        "next_run": next_run,
        "licence_warning": job.licence_warning,
        "licence": checks.report(sim, tenant, job) if started and checks is not None else None,
        "licence_policy": policy.lower(),
    }


def _never(value: str | None) -> str | None:
    return None if not value or value.startswith("0001-") else value


def job_of(sim: ConsoleSimulator, tenant: Tenant, sp_id: str) -> JobRecord:
    with sim.provisioning.lock:
        job = next(
            (
                j
                for j in sim.provisioning.jobs.values()
                if j.tenant_id == tenant.id and j.sp_id == sp_id.lower()
            ),
            None,
        )
    if job is None:
        raise NotFound(
            f"No configuration with a job for service principal '{sp_id}' in {tenant.display_name}."
        )
    return job


class LicenceChecks:
    """The licence check per configuration, redone only when something it reads has changed.

    The key covers the source directory's change version (users, licences, group members), the
    configuration's assignments, secrets, settings, schema and tags, and the tenant's subscriptions.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._done: dict[str, tuple[Any, Any]] = {}

    def report(self, sim: ConsoleSimulator, tenant: Tenant, job: JobRecord) -> Any:
        """A ``LicenceReport`` over every in-scope user as of now; None when the configuration has no
        target yet or its scope cannot be read."""
        with sim.store.lock:
            sp = tenant.service_principals.get(job.sp_id) or {}
            key = (
                id(tenant), tenant.changes.epoch, tenant.changes.version, len(tenant.app_role_assignments),
                json.dumps(sim.provisioning.secrets.get(job.sp_id), sort_keys=True), json.dumps(job.settings),
                json.dumps(job.schema, sort_keys=True), tuple(sp.get("tags") or ()),
                tuple(sorted(tenant.subscribed_skus.items())),
            )  # fmt: skip
        with self._lock:
            done = self._done.get(job.id)
            if done is not None and done[0] == key:
                return done[1]
        try:
            report = unlicensed_users(sim, tenant, job)[0]
        except (NotFound, GraphError):
            report = None
        with self._lock:
            self._done[job.id] = (key, report)
        return report


def unlicensed_users(sim: ConsoleSimulator, tenant: Tenant, job: JobRecord) -> tuple[Any, Any]:
    """The configuration's in-scope users lacking the required licence, as the service checks them now.

    The same check ``validateCredentials`` and ``start`` make (the provisioning service's licence report).
    """
    service = sim.provisioning
    with sim.store.lock:
        sp = tenant.service_principals.get(job.sp_id) or {}
        creds = dict(service.secrets.get(job.sp_id) or {})
    if not creds.get("CompanyId"):
        raise NotFound("The configuration has no target tenant yet (no saved credentials).")
    return service.licence_report_for(tenant, sp, creds, job)


# -- logs -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogFilter:
    """The admin center's provisioning-log filters."""

    action: str = ""
    status: str = ""
    identity: str = ""
    since: datetime | None = None
    until: datetime | None = None
    configuration: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_args(cls, args: Any) -> LogFilter:
        errors = []
        since = until = None
        for name in ("from", "to"):
            text = (args.get(name) or "").strip()
            if not text:
                continue
            when = parse_time(text if "T" in text else f"{text}T00:00:00")
            if when is None:
                errors.append(f"'{text}' is not a date (YYYY-MM-DD) or date-time (ISO 8601).")
            elif name == "from":
                since = when
            else:
                until = when if "T" in text else when.replace(hour=23, minute=59, second=59)
        return cls(
            action=(args.get("action") or "").strip(),
            status=(args.get("status") or "").strip().lower(),
            identity=(args.get("identity") or "").strip(),
            since=since,
            until=until,
            configuration=(args.get("configuration") or "").strip().lower(),
            errors=errors,
        )

    def matches(self, at: datetime, r: dict[str, Any]) -> bool:
        if self.since and at < self.since or self.until and at > self.until:
            return False
        if self.action and r.get("provisioningAction") != self.action:
            return False
        if self.status and (r.get("provisioningStatusInfo") or {}).get("status") != self.status:
            return False
        if (
            self.configuration
            and ((r.get("servicePrincipal") or {}).get("id") or "").lower() != self.configuration
        ):
            return False
        if self.identity:
            needle = self.identity.lower()
            for side in ("sourceIdentity", "targetIdentity"):
                ident = r.get(side) or {}
                if (
                    needle == str(ident.get("id") or "").lower()
                    or needle in str(ident.get("displayName") or "").lower()
                ):
                    return True
            return False
        return True


def provisioning_logs(sim: ConsoleSimulator, tenant: Tenant, flt: LogFilter, page: int) -> Page:
    entries = sim.store.audit.entries(tenant.id, LogKind.PROVISIONING)
    return paged((e.record for e in entries if flt.matches(e.at, e.record)), page)


def provisioning_record(sim: ConsoleSimulator, tenant: Tenant, record_id: str) -> dict[str, Any]:
    for e in sim.store.audit.entries(tenant.id, LogKind.PROVISIONING):
        if e.record.get("id") == record_id:
            return e.record
    raise NotFound(f"No provisioning log record '{record_id}' in {tenant.display_name}.")


def audit_logs(sim: ConsoleSimulator, tenant: Tenant, service: str, page: int) -> Page:
    """Directory audits; ``service``: '' (all), 'provisioning' (Account Provisioning) or 'syncfabric'."""

    def wanted(r: dict[str, Any]) -> bool:
        if service == "provisioning":
            return r.get("loggedByService") == ACCOUNT_PROVISIONING
        if service == "syncfabric":
            app = (r.get("initiatedBy") or {}).get("app") or {}
            return app.get("appId") == SYNC_FABRIC or app.get("displayName") == "Microsoft.Azure.SyncFabric"
        return True

    return paged((r for r in sim.store.audit.directory_audits(tenant.id) if wanted(r)), page)


# -- traffic and time -----------------------------------------------------------------------------


def traffic(sim: ConsoleSimulator) -> dict[str, Any]:
    stats = sim.traffic.stats()
    use = sim.traffic.budget_use()
    names: dict[str, str] = {}
    apps: dict[tuple[str, str], str] = {}
    with sim.store.lock:
        for t in sim.store.tenants.values():
            names[t.id] = t.display_name
            for a in t.apps.values():
                apps[(t.id, a.client_id)] = a.display_name
    rows = []
    for p in stats["by_app_tenant"]:
        key = (p["cloud"], p["app_id"], p["tenant_id"])
        app = apps.get((p["tenant_id"], p["app_id"]))
        if app is None and p["app_id"] == SYNC_FABRIC:
            app = "Microsoft.Azure.SyncFabric"
        rows.append(
            {
                **p,
                "tenant": names.get(p["tenant_id"], p["tenant_id"]),
                "app": app or p["app_id"],
                **use.get(key, {}),
            }
        )
    return {
        "profile": sim.traffic.describe(),
        "totals": stats["totals"],
        "rows": rows,
        "chaos": sim.traffic.chaos(),
        "faults": sim.traffic.faults(),
    }


def due_cycles(sim: ConsoleSimulator) -> list[dict[str, Any]]:
    """Every job with a scheduled next cycle, soonest first."""
    now = sim.clock.now()
    out = []
    with sim.provisioning.lock:
        jobs = list(sim.provisioning.jobs.values())
    for job in jobs:
        tenant = sim.store.tenants.get(job.tenant_id)
        if tenant is None or job.runner is None:
            continue
        when = job.runner.next_run(now)
        if when is None:
            continue
        sp = tenant.service_principals.get(job.sp_id) or {}
        out.append(
            {
                "when": when,
                "in": when - now,
                "tenant": tenant.display_name,
                "tenant_id": tenant.id,
                "name": sp.get("displayName") or job.sp_id,
                "code": job.runner.code().value,
            }
        )
    return sorted(out, key=lambda r: r["when"])
