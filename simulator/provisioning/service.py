"""The simulated Entra provisioning service: configurations, jobs, secrets, schema, runs, logs.

Jobs run the real sync engine (``syncengine``) through ``SimulatedGraph`` under the first-party
identity ``Microsoft.Azure.SyncFabric`` (appId 00000014-0000-0000-c000-000000000000), on the
simulator clock: a started job runs its first cycle at once and then every 40 minutes.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from simulator.directory.apps import create_application, create_service_principal
from simulator.directory.audit import record_provisioning_management
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.graph.router import GraphRouter
from simulator.provisioning import audit_events, cross_cloud_sync
from simulator.provisioning.job_config import SYNC_FABRIC, build_job_config, cross_cloud_pair
from simulator.provisioning.schema import SchemaError, default_schema, merge_schema, parse_schema
from simulator.provisioning.simulated_graph import SimulatedGraph
from simulator.wire.errors import GraphError, bad_request, not_found
from syncengine import licences, preflight, schema_rules, scope
from syncengine.backend import Identity
from syncengine.client import GraphClient
from syncengine.cycle import Cycle
from syncengine.mapping import MappingError
from syncengine.model import JobConfig
from syncengine.pacing import ThrottleGate
from syncengine.runner import JobRunner
from syncengine.state import EngineState

log = logging.getLogger(__name__)

SYNC_ROLES = frozenset(
    {
        "User.ReadWrite.All", "User.Invite.All", "User.ReadWrite.CrossCloud", "Directory.Read.All", "Policy.Read.All",
        "Organization.Read.All", "Application.Read.All", "GroupMember.Read.All", "AuditLog.Read.All",
    }
)  # fmt: skip
TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
SYNC_TEMPLATE = "Azure2Azure"
SECRET_KEYS = frozenset(
    "None UserName Password SecretToken AppKey BaseAddress ClientIdentifier ClientSecret SingleSignOnType Sandbox Url "
    "Domain ConsumerKey ConsumerSecret TokenKey TokenExpiration Oauth2AccessToken Oauth2AccessTokenCreationTime "
    "Oauth2RefreshToken SyncAll InstanceName Oauth2ClientId Oauth2ClientSecret CompanyId UpdateKeyOnSoftDelete "
    "SynchronizationSchedule SystemOfRecord SandboxName EnforceDomain SyncNotificationSettings SkipOutOfScopeDeletions "
    "Oauth2AuthorizationCode Oauth2RedirectUri ApplicationTemplateIdentifier Oauth2TokenExchangeUri "
    "Oauth2AuthorizationUri AuthenticationType Server PerformInboundEntitlementGrants HardDeletesEnabled "
    "SyncAgentCompatibilityKey SyncAgentADContainer ValidateDomain TestReferences ConnectionString".split()
)
OD_LIMIT, OD_WINDOW = 5, 10.0


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


class ProvisioningService:
    """Every configuration and job of every tenant, and the scheduler that runs them."""

    def __init__(self, store: Store, router: GraphRouter, data_dir: Path | None = None) -> None:
        self.store = store
        self.router = router
        self.clock = store.clock
        self.data_dir = data_dir
        if data_dir is not None:
            data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.backend = SimulatedGraph(router, first_party={SYNC_FABRIC: SYNC_ROLES})
        #: one per target tenant: the jobs writing into it share its write budget (syncengine/pacing.py)
        self.gates: dict[tuple[str, str], ThrottleGate] = {}
        self.jobs: dict[str, JobRecord] = {}
        self.secrets: dict[str, dict[str, str]] = {}
        #: the licence warning of each configuration's last test connection (service principal id → text)
        self.validation_warnings: dict[str, str | None] = {}
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # -- persistence (a durable simulator keeps its jobs) --------------------------------------

    def _config_path(self) -> Path | None:
        return self.data_dir / "provisioning.json" if self.data_dir else None

    def save(self) -> None:
        """Write jobs, schemas, settings and secrets (a durable simulator); each job's run state is in its own file."""
        path = self._config_path()
        if path is None:
            return
        with self.lock:
            doc = {
                "format": 1,
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

    def reset(self) -> None:
        """Forget every job and secret (the control plane's reset: the tenants they belonged to are gone)."""
        with self.lock:
            for job in self.jobs.values():
                job.state.close()
            self.jobs.clear()
            self.secrets.clear()
            self.validation_warnings.clear()
            self.gates.clear()
        self.save()

    def load(self) -> int:
        """Restore the saved jobs (after a restart of a durable simulator); returns how many."""
        path = self._config_path()
        if path is None or not path.exists():
            return 0
        doc = json.loads(path.read_text())
        with self.lock:
            self.secrets = {k: dict(v) for k, v in doc.get("secrets", {}).items()}
            for j in doc.get("jobs", []):
                state = EngineState(self.data_dir / f"{j['id']}.db", j["id"])  # type: ignore[operator]
                job = JobRecord(
                    j["id"],
                    j["tenant"],
                    j["sp"],
                    j["template"],
                    datetime.fromisoformat(j["created"]),
                    j["schema"],
                    j["settings"],
                    state,
                )
                job.licence_warning = j.get("licenceWarning")
                self.jobs[job.id] = job
                if j["tenant"] in self.store.tenants:
                    self._runner(job)  # the runner's schedule and status come back from the job's state file
        return len(self.jobs)

    # -- configurations (application template) ----------------------------------------------

    def instantiate(self, tenant: Tenant, body: Any, now: datetime) -> dict[str, Any]:
        """``applicationTemplates/{id}/instantiate``: the application and its service principal."""
        if (
            not isinstance(body, dict)
            or not isinstance(body.get("displayName"), str)
            or not body["displayName"].strip()
        ):
            raise bad_request("Property 'displayName' is required.")
        with self.store.lock:
            result = self._instantiate(tenant, body, now)
            self.store.commit()
        self._audit(tenant.id, "Add provisioning configuration", result["servicePrincipal"])
        return result

    def _instantiate(self, tenant: Tenant, body: Any, now: datetime) -> dict[str, Any]:
        role = {
            "allowedMemberTypes": ["User"], "description": "msiam_access", "displayName": "msiam_access",
            "id": str(uuid.uuid4()), "isEnabled": True, "origin": "Application", "value": None,
        }  # fmt: skip
        app = create_application(tenant, {"displayName": body["displayName"], "appRoles": [role]}, now)
        app.update(
            {
                "applicationTemplateId": TEMPLATE_ID,
                "web": {
                    "homePageUrl": "https://account.activedirectory.windowsazure.com:444/applications/default.aspx?metadata=aad2aadsync|ISV9.1|primary|z",
                    "redirectUris": [],
                    "logoutUrl": None,
                },
            }
        )
        sp = create_service_principal(tenant, {"appId": app["appId"]})
        sp.update(
            {
                "applicationTemplateId": TEMPLATE_ID,
                "appRoleAssignmentRequired": True,
                "tags": ["WindowsAzureActiveDirectoryIntegratedApp"],
                "appRoles": [role],
            }
        )
        tenant.applications.touch(app["id"])
        tenant.service_principals.touch(sp["id"])
        return {"application": app, "servicePrincipal": sp}

    def _sp(self, tenant: Tenant, sp_id: str) -> dict[str, Any]:
        sp = tenant.service_principals.get(sp_id.lower())
        if sp is None:
            raise not_found(sp_id)
        return sp

    def templates(self, tenant: Tenant, sp_id: str) -> list[dict[str, Any]]:
        sp = self._sp(tenant, sp_id)
        return [
            {
                "id": SYNC_TEMPLATE, "applicationId": sp["appId"], "default": True, "description": "Azure AD to Azure AD (cross-tenant synchronization)",
                "discoverable": True, "factoryTag": SYNC_TEMPLATE,
                "metadata": [{"key": "GalleryApplicationIdentifier", "value": TEMPLATE_ID}, {"key": "IsSynchronizationInPreview", "value": "false"}],
                "schema": default_schema(SYNC_TEMPLATE),
            }
        ]  # fmt: skip

    # -- jobs --------------------------------------------------------------------------------

    def create_job(self, tenant: Tenant, sp_id: str, body: Any, now: datetime) -> JobRecord:
        sp = self._sp(tenant, sp_id)
        if not isinstance(body, dict) or body.get("templateId") != SYNC_TEMPLATE:
            raise bad_request(
                f"templateId must be '{SYNC_TEMPLATE}' for cross-tenant synchronization configurations."
            )
        settings = _job_settings(body.get("synchronizationJobSettings"))
        with self.lock:
            if any(j.sp_id == sp["id"] for j in self.jobs.values()):
                raise GraphError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    "This configuration already has a synchronization job; only one job per source and target pair is allowed.",
                )
            job_id = f"{SYNC_TEMPLATE}.{tenant.id.replace('-', '')}.{uuid.uuid4()}"
            state = EngineState(self.data_dir / f"{job_id}.db" if self.data_dir else ":memory:", job_id)
            job = JobRecord(
                job_id, tenant.id, sp["id"], SYNC_TEMPLATE, now, default_schema(job_id), settings, state
            )
            self.jobs[job_id] = job
        self.save()
        return job

    def job(self, tenant: Tenant, sp_id: str, job_id: str) -> JobRecord:
        job = self.jobs.get(job_id)
        if job is None or job.tenant_id != tenant.id or job.sp_id != sp_id.lower():
            raise not_found(job_id)
        return job

    def jobs_of(self, tenant: Tenant, sp_id: str) -> list[JobRecord]:
        sp = self._sp(tenant, sp_id)
        return [j for j in self.jobs.values() if j.sp_id == sp["id"]]

    def delete_job(self, job: JobRecord) -> None:
        with self.lock:
            self.jobs.pop(job.id, None)
            job.state.close()
        self.save()

    def job_json(self, job: JobRecord) -> dict[str, Any]:
        status = job.runner.status() if job.runner else self._runner(job).status()
        body: dict[str, Any] = {
            "id": job.id,
            "templateId": job.template_id,
            **status,
            "synchronizationJobSettings": list(job.settings),
        }
        return body

    def _runner(self, job: JobRecord) -> JobRunner:
        if job.runner is None:
            job.runner = JobRunner(self._cycle(job), job.state, self.clock)
        return job.runner

    # -- secrets and schema ------------------------------------------------------------------

    def is_cross_cloud(self, tenant: Tenant, sp_id: str) -> bool:
        """Whether a configuration crosses Microsoft clouds: inferred from the target tenant its CompanyId
        secret names (False while that is unset or unknown)."""
        with self.lock:
            company = (self.secrets.get(sp_id.lower(), {}).get("CompanyId") or "").strip().lower()
        target = self.store.tenants.get(company) if company else None
        if target is None:
            return False
        try:
            return cross_cloud_pair(tenant, target)
        except GraphError:
            return True

    def put_secrets(self, tenant: Tenant, sp_id: str, body: Any) -> None:
        sp = self._sp(tenant, sp_id)
        items = body.get("value") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise bad_request('The body must be {"value": [{"key": "...", "value": "..."}]}.')
        secrets: dict[str, str] = {}
        for item in items:
            if (
                not isinstance(item, dict)
                or item.get("key") not in SECRET_KEYS
                or not isinstance(item.get("value"), str)
            ):
                raise bad_request(
                    f"Invalid synchronization secret {item.get('key') if isinstance(item, dict) else item!r}: keys are the synchronizationSecret values and values are strings."
                )
            secrets[item["key"]] = item["value"]
        if "SyncNotificationSettings" in secrets:
            try:
                notif = json.loads(secrets["SyncNotificationSettings"])
                if not isinstance(notif, dict):
                    raise ValueError
            except ValueError:
                raise bad_request(
                    'SyncNotificationSettings must be a JSON object written as a string, e.g. \'{\\"Enabled\\":false,\\"DeleteThresholdEnabled\\":true,\\"DeleteThresholdValue\\":500}\'.'
                ) from None
        company = secrets.get("CompanyId", "").strip().lower()
        if company:
            with self.lock:
                other = next(
                    (
                        sid
                        for sid, saved in self.secrets.items()
                        if sid != sp["id"]
                        and saved.get("CompanyId", "").strip().lower() == company
                        and tenant.service_principals.get(sid) is not None
                    ),
                    None,
                )
            if other is not None:
                name = (tenant.service_principals.get(other) or {}).get("displayName", other)
                raise GraphError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    f"This tenant already has a cross-tenant synchronization configuration to tenant {company} "
                    f"('{name}'); only one configuration per source and target tenant pair is allowed.",
                )
        target = self.store.tenants.get(company) if company else None
        if company and target is None:
            log.info("CompanyId %s is not a tenant of this simulator", secrets["CompanyId"])
        if target is not None:
            cross_cloud_pair(tenant, target)  # an unsupported pair of clouds: Graph's 400
        with self.lock:
            self.secrets[sp["id"]] = secrets  # PUT replaces every key (secrets have no PATCH)
        self.save()
        self._audit(tenant.id, "Update provisioning setting or credentials", sp)

    def schema(self, job: JobRecord) -> dict[str, Any]:
        return job.schema

    def put_schema(self, tenant: Tenant, job: JobRecord, body: Any, *, patch: bool) -> None:
        new = merge_schema(job.schema, body) if patch else body
        try:
            parse_schema(new)
        except SchemaError as exc:
            raise GraphError(400, exc.code, exc.message) from None
        if self.is_cross_cloud(tenant, job.sp_id):
            try:
                schema_rules.validate_cross_cloud(parse_schema(new)[0])
            except MappingError as exc:
                raise GraphError(400, exc.code, str(exc)) from None
        with self.lock:
            old = parse_schema(job.schema)
            job.schema = {**new, "id": job.id}
            if parse_schema(job.schema) != old:  # mappings or scoping changed: a full re-evaluation
                self._runner(job).restart("Watermark")
        self.save()
        self._audit(tenant.id, "Update attribute mappings or scope", self._sp(tenant, job.sp_id))

    # -- control actions ---------------------------------------------------------------------

    def start(self, tenant: Tenant, job: JobRecord) -> None:
        self._licence_warning(job)
        self._runner(job).start()
        self._audit(tenant.id, "Enable/start provisioning configuration", self._sp(tenant, job.sp_id))

    def pause(self, tenant: Tenant, job: JobRecord) -> None:
        self._runner(job).pause()
        self._audit(tenant.id, "Disable/pause provisioning configuration", self._sp(tenant, job.sp_id))

    def restart(self, tenant: Tenant, job: JobRecord, body: Any) -> None:
        criteria = (body or {}).get("criteria") if isinstance(body, dict) else None
        reset = (criteria or {}).get("resetScope", "") if isinstance(criteria, dict) else ""
        try:
            self._runner(job).restart(reset or "")
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        self._audit(tenant.id, "Enable/restart provisioning configuration", self._sp(tenant, job.sp_id))

    def validate_credentials(
        self, tenant: Tenant, sp_id: str, body: Any, job: JobRecord | None
    ) -> str | None:
        """Test connection: None when every prerequisite holds (and the licence warning, if any)."""
        sp = self._sp(tenant, sp_id)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        if body.get("useSavedCredentials"):
            creds = dict(self.secrets.get(sp["id"], {}))
        else:
            items = body.get("credentials")
            if not isinstance(items, list):
                raise bad_request(
                    "credentials must be a list of {key, value} pairs (or useSavedCredentials true)."
                )
            creds = {i.get("key"): i.get("value") for i in items if isinstance(i, dict)}
        config = self._job_config(tenant, sp, creds, job)
        source, target = self._clients(config)
        failures = self._service_checks(config) + preflight.run_preflight(config, source, target)
        if failures:
            raise GraphError(400, failures[0].code, preflight.validate_credentials_message(failures[0]))
        warning = self._licence_report(config, source).warning
        with self.lock:
            self.validation_warnings[sp["id"]] = warning
        if job is not None:
            job.licence_warning = warning
        return warning

    def provision_on_demand(self, tenant: Tenant, job: JobRecord, body: Any) -> dict[str, Any]:
        now = self.clock.timestamp()
        with self.lock:
            job.od_calls = [t for t in job.od_calls if now - t < OD_WINDOW]
            if len(job.od_calls) >= OD_LIMIT:
                wait = int(OD_WINDOW - (now - job.od_calls[0])) + 1
                raise GraphError(
                    429,
                    "TooManyRequests",
                    "Too many provisionOnDemand requests: the limit is 5 requests per 10 seconds.",
                    headers={"Retry-After": str(wait)},
                )
            job.od_calls.append(now)
        params = body.get("parameters") if isinstance(body, dict) else None
        try:
            subject = params[0]["subjects"][0]
            rule = params[0]["ruleId"]
            object_id = subject["objectId"]
        except (TypeError, KeyError, IndexError):
            raise bad_request(
                'The body must be {"parameters": [{"ruleId": "…", "subjects": [{"objectId": "…", "objectTypeName": "User"}]}]}.'
            ) from None
        if rule != job.schema["synchronizationRules"][0]["id"]:
            raise bad_request(f"Unknown ruleId '{rule}'; read it from the job's schema (USER_INBOUND_USER).")
        if subject.get("objectTypeName", "User") != "User":
            raise bad_request("Provision on demand supports users only for cross-tenant synchronization.")
        with self.lock:
            result = self._cycle(job).run_one(str(object_id).lower())
        steps = []
        if result.report.failure:
            steps.append(
                {
                    "name": "EntryTestConnection",
                    "type": "Import",
                    "status": "Failure",
                    "description": result.report.failure["message"],
                    "timestamp": result.report.began,
                    "details": {"ErrorCode": result.report.failure["code"]},
                }
            )
        for rec in result.records:
            for s in rec["provisioningSteps"]:
                steps.append(
                    {
                        "name": s["name"],
                        "type": s["provisioningStepType"].capitalize(),
                        "status": s["status"].capitalize(),
                        "description": s["description"],
                        "timestamp": rec["activityDateTime"],
                        "details": s["details"],
                    }
                )
        value = [
            {
                "provisioningSteps": steps,
                "statusInfo": {
                    "status": (
                        result.records[0]["provisioningStatusInfo"]["status"] if result.records else "failure"
                    )
                },
                "action": (result.records[0]["provisioningAction"] if result.records else "other"),
            }
        ]
        return {
            "key": "Microsoft.Identity.Health.CPP.Common.DataContracts.SyncFabric.StatusInfo",
            "value": json.dumps(value),
        }

    # -- running -----------------------------------------------------------------------------

    def run_due(self) -> int:
        """Run every job whose next cycle is due on the simulator clock; returns how many ran."""
        ran = 0
        with self.lock:
            for job in list(self.jobs.values()):
                runner = job.runner
                if runner is None or not runner.due(self.clock.now()):
                    continue
                runner.cycle = self._cycle(job)
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
        with self.lock:
            times = [
                when
                for job in self.jobs.values()
                if job.runner is not None and (when := job.runner.next_run(now)) is not None
            ]
        return min(times) if times else None

    def start_scheduler(self, period: float = 0.5) -> None:
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

    # -- building engine jobs ----------------------------------------------------------------

    def _job_config(
        self, tenant: Tenant, sp: dict[str, Any], creds: dict[str, str], job: JobRecord | None
    ) -> JobConfig:
        return build_job_config(
            self.store,
            tenant,
            sp,
            creds,
            schema=job.schema if job else default_schema(SYNC_TEMPLATE),
            name=job.id if job else f"{sp['displayName']} (validation)",
            settings=job.settings if job else [],
        )

    def _clients(self, config: JobConfig) -> tuple[GraphClient, GraphClient]:
        key = (config.target.cloud, config.target.tenant_id)
        # in-process requests take no time, so the gate also sends them one at a time (exclusive)
        gate = self.gates.setdefault(key, ThrottleGate(self.clock, exclusive=True))
        return (
            GraphClient(self.backend, config.source, clock=self.clock),
            GraphClient(self.backend, config.target, clock=self.clock, gate=gate),
        )

    def _cycle(self, job: JobRecord) -> Cycle:
        tenant = self.store.tenants[job.tenant_id]
        sp = self._sp(tenant, job.sp_id)
        creds = self.secrets.get(sp["id"])
        if not creds:
            creds = {"CompanyId": "", "AuthenticationType": "SyncPolicy"}
        try:
            config = self._job_config(tenant, sp, creds, job)
        except GraphError:
            # not configured yet: a job whose every cycle fails preflight (as an unconfigured job would)
            config = JobConfig(
                job.id,
                Identity(tenant.cloud.value, tenant.id, SYNC_FABRIC),
                Identity(tenant.cloud.value, tenant.id, SYNC_FABRIC),
                parse_schema(job.schema)[0],
                service_principal_id=sp["id"],
            )
        source, target = self._clients(config)
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

    def _service_checks(self, config: JobConfig) -> list[preflight.PreflightFailure]:
        """What the service checks from its own state before the Graph-visible prerequisites: the target's
        cross-cloud synchronization setting (simulator/provisioning/cross_cloud_sync.py)."""
        with self.store.lock:
            target = self.store.tenants.get(config.target.tenant_id)
            failure = cross_cloud_sync.check(target, config.source.cloud, config.is_cross_cloud)
        return [failure] if failure is not None else []

    def _licence_report(self, config: JobConfig, source: GraphClient) -> licences.LicenceReport:
        requirement = licences.requirement_for(config)
        catalogue = licences.LicenceCatalogue.from_subscribed_skus(source.get("/subscribedSkus"))
        select = {
            "$select": "id,userPrincipalName,assignedLicenses,userType,creationType,identities,accountEnabled"
        }
        if config.scope.sync_all:
            users = source.list_all("/users", {**select, "$top": "999"})
        else:
            a = scope.load_assignments(source, config.service_principal_id or "")
            ids = scope.assigned_user_ids(a, scope.group_members(source, a.group_ids))
            users = [source.get(f"/users/{uid}", select) for uid in sorted(ids)]
        in_scope = [u for u in users if scope.is_internal_member(u)]
        return licences.licence_report(in_scope, requirement, catalogue, config.safety.licence_policy)

    def licence_report_for(
        self, tenant: Tenant, sp: dict[str, Any], creds: dict[str, str], job: JobRecord
    ) -> tuple[licences.LicenceReport, JobConfig]:
        """The licence check of a job's whole scope, read now through Graph as the service's identity
        (what ``start`` and ``validateCredentials`` show an admin); also the job's configuration."""
        config = self._job_config(tenant, sp, creds, job)
        return self._licence_report(config, self._clients(config)[0]), config

    def _licence_warning(self, job: JobRecord) -> None:
        tenant = self.store.tenants[job.tenant_id]
        sp = self._sp(tenant, job.sp_id)
        creds = self.secrets.get(sp["id"])
        if not creds or not creds.get("CompanyId"):
            return
        try:
            job.licence_warning = self.licence_report_for(tenant, sp, creds, job)[0].warning
        except GraphError:
            return

    def _audit(self, tenant_id: str, activity: str, sp: dict[str, Any]) -> None:
        record_provisioning_management(self.store.audit, tenant_id, activity, service_principal=sp)


def _job_settings(given: Any) -> list[dict[str, str]]:
    """The job's ``synchronizationJobSettings``: the defaults, overridden by name-value pairs given at creation."""
    settings = {"AzureIngestionAttributeOptimization": "False", "LookaheadQueryEnabled": "False"}
    if given is not None:
        if not isinstance(given, list) or any(
            not isinstance(x, dict)
            or not isinstance(x.get("name"), str)
            or not isinstance(x.get("value"), str)
            for x in given
        ):
            raise bad_request("synchronizationJobSettings must be a list of {name, value} strings.")
        settings.update({x["name"]: x["value"] for x in given})
    return [{"name": k, "value": v} for k, v in settings.items()]


class _ServiceCycle(Cycle):
    """The engine's cycle as the service runs it: its preflight also checks the service's own state."""

    def __init__(self, service: ProvisioningService, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self._service = service

    def _preflight(self) -> list[preflight.PreflightFailure]:
        return self._service._service_checks(self.job) + super()._preflight()
