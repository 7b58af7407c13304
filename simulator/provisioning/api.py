"""The Graph-facing synchronization API of the provisioning service: what each route asks of it.

Application template instantiation, the configuration's templates, jobs, secrets and schema, the
start / pause / restart actions, ``validateCredentials`` (test connection) and ``provisionOnDemand``.
Each method validates its Graph JSON body (a Graph error for bad input), changes the job store, and
records the admin's action in the tenant's audit log; running jobs is the scheduler's and the engine
binding's (``scheduler.py``, ``cycles.py``).
"""

from __future__ import annotations

import json
import logging
import uuid
from datetime import datetime
from typing import Any

from simulator.clock import Clock
from simulator.directory.apps import create_application, create_service_principal
from simulator.directory.audit import record_provisioning_management
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.provisioning.cycles import SYNC_TEMPLATE, JobCycles, service_principal
from simulator.provisioning.job_config import cross_cloud_pair
from simulator.provisioning.jobs import JobRecord, JobStore
from simulator.provisioning.schema import SchemaError, default_schema, merge_schema, parse_schema
from simulator.wire.errors import GraphError, bad_request, not_found
from syncengine import licences, preflight, schema_rules
from syncengine.mapping import MappingError

log = logging.getLogger(__name__)

#: the gallery application template of cross-tenant synchronization
TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
SECRET_KEYS = frozenset(
    "None UserName Password SecretToken AppKey BaseAddress ClientIdentifier ClientSecret SingleSignOnType Sandbox Url "
    "Domain ConsumerKey ConsumerSecret TokenKey TokenExpiration Oauth2AccessToken Oauth2AccessTokenCreationTime "
    "Oauth2RefreshToken SyncAll InstanceName Oauth2ClientId Oauth2ClientSecret CompanyId UpdateKeyOnSoftDelete "
    "SynchronizationSchedule SystemOfRecord SandboxName EnforceDomain SyncNotificationSettings SkipOutOfScopeDeletions "
    "Oauth2AuthorizationCode Oauth2RedirectUri ApplicationTemplateIdentifier Oauth2TokenExchangeUri "
    "Oauth2AuthorizationUri AuthenticationType Server PerformInboundEntitlementGrants HardDeletesEnabled "
    "SyncAgentCompatibilityKey SyncAgentADContainer ValidateDomain TestReferences ConnectionString".split()
)
#: provisionOnDemand's rate limit: this many calls per job in this many seconds
OD_LIMIT, OD_WINDOW = 5, 10.0


class SynchronizationApi:
    """The synchronization API over the job store (``jobs``) and the engine binding (``cycles``)."""

    def __init__(self, store: Store, job_store: JobStore, cycles: JobCycles) -> None:
        self.store = store
        self.job_store = job_store
        self.cycles = cycles
        self.clock: Clock = store.clock

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

    def templates(self, tenant: Tenant, sp_id: str) -> list[dict[str, Any]]:
        sp = service_principal(tenant, sp_id)
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
        sp = service_principal(tenant, sp_id)
        if not isinstance(body, dict) or body.get("templateId") != SYNC_TEMPLATE:
            raise bad_request(
                f"templateId must be '{SYNC_TEMPLATE}' for cross-tenant synchronization configurations."
            )
        settings = _job_settings(body.get("synchronizationJobSettings"))
        with self.job_store.lock:
            if any(j.sp_id == sp["id"] for j in self.job_store.jobs.values()):
                raise GraphError(
                    409,
                    "Request_MultipleObjectsWithSameKeyValue",
                    "This configuration already has a synchronization job; only one job per source and target pair is allowed.",
                )
            job_id = f"{SYNC_TEMPLATE}.{tenant.id.replace('-', '')}.{uuid.uuid4()}"
            state = self.job_store.engine_state(job_id)
            job = JobRecord(
                job_id, tenant.id, sp["id"], SYNC_TEMPLATE, now, default_schema(job_id), settings, state
            )
            self.job_store.jobs[job_id] = job
        self.job_store.save()
        return job

    def job(self, tenant: Tenant, sp_id: str, job_id: str) -> JobRecord:
        job = self.job_store.jobs.get(job_id)
        if job is None or job.tenant_id != tenant.id or job.sp_id != sp_id.lower():
            raise not_found(job_id)
        return job

    def jobs_of(self, tenant: Tenant, sp_id: str) -> list[JobRecord]:
        sp = service_principal(tenant, sp_id)
        return [j for j in self.job_store.jobs.values() if j.sp_id == sp["id"]]

    def delete_job(self, job: JobRecord) -> None:
        self.job_store.remove(job)

    def job_json(self, job: JobRecord) -> dict[str, Any]:
        status = job.runner.status() if job.runner else self.cycles.runner(job).status()
        body: dict[str, Any] = {
            "id": job.id,
            "templateId": job.template_id,
            **status,
            "synchronizationJobSettings": list(job.settings),
        }
        return body

    # -- secrets and schema ------------------------------------------------------------------

    def is_cross_cloud(self, tenant: Tenant, sp_id: str) -> bool:
        """Whether a configuration crosses Microsoft clouds: inferred from the target tenant its CompanyId
        secret names (False while that is unset or unknown)."""
        with self.job_store.lock:
            company = (self.job_store.secrets.get(sp_id.lower(), {}).get("CompanyId") or "").strip().lower()
        target = self.store.tenants.get(company) if company else None
        if target is None:
            return False
        try:
            return cross_cloud_pair(tenant, target)
        except GraphError:
            return True

    def put_secrets(self, tenant: Tenant, sp_id: str, body: Any) -> None:
        sp = service_principal(tenant, sp_id)
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
            with self.job_store.lock:
                other = next(
                    (
                        sid
                        for sid, saved in self.job_store.secrets.items()
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
        with self.job_store.lock:
            self.job_store.secrets[sp["id"]] = secrets  # PUT replaces every key (secrets have no PATCH)
        self.job_store.save()
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
        with self.job_store.lock:
            old = parse_schema(job.schema)
            job.schema = {**new, "id": job.id}
            if parse_schema(job.schema) != old:  # mappings or scoping changed: a full re-evaluation
                self.cycles.runner(job).restart("Watermark")
        self.job_store.save()
        self._audit(tenant.id, "Update attribute mappings or scope", service_principal(tenant, job.sp_id))

    # -- control actions ---------------------------------------------------------------------

    def start(self, tenant: Tenant, job: JobRecord) -> None:
        self.cycles.refresh_licence_warning(job)
        self.cycles.runner(job).start()
        self._audit(
            tenant.id, "Enable/start provisioning configuration", service_principal(tenant, job.sp_id)
        )

    def pause(self, tenant: Tenant, job: JobRecord) -> None:
        self.cycles.runner(job).pause()
        self._audit(
            tenant.id, "Disable/pause provisioning configuration", service_principal(tenant, job.sp_id)
        )

    def restart(self, tenant: Tenant, job: JobRecord, body: Any) -> None:
        criteria = (body or {}).get("criteria") if isinstance(body, dict) else None
        reset = (criteria or {}).get("resetScope", "") if isinstance(criteria, dict) else ""
        try:
            self.cycles.runner(job).restart(reset or "")
        except ValueError as exc:
            raise bad_request(str(exc)) from None
        self._audit(
            tenant.id, "Enable/restart provisioning configuration", service_principal(tenant, job.sp_id)
        )

    def validate_credentials(
        self, tenant: Tenant, sp_id: str, body: Any, job: JobRecord | None
    ) -> str | None:
        """Test connection: None when every prerequisite holds (and the licence warning, if any)."""
        sp = service_principal(tenant, sp_id)
        if not isinstance(body, dict):
            raise bad_request("The request body must be a JSON object.")
        if body.get("useSavedCredentials"):
            creds = dict(self.job_store.secrets.get(sp["id"], {}))
        else:
            items = body.get("credentials")
            if not isinstance(items, list):
                raise bad_request(
                    "credentials must be a list of {key, value} pairs (or useSavedCredentials true)."
                )
            creds = {i.get("key"): i.get("value") for i in items if isinstance(i, dict)}
        config = self.cycles.job_config(tenant, sp, creds, job)
        source, target = self.cycles.clients(config)
        failures = self.cycles.service_checks(config) + preflight.run_preflight(config, source, target)
        if failures:
            raise GraphError(400, failures[0].code, preflight.validate_credentials_message(failures[0]))
        warning = licences.scope_licence_report(config, source).warning
        with self.job_store.lock:
            self.job_store.validation_warnings[sp["id"]] = warning
        if job is not None:
            job.licence_warning = warning
        return warning

    def provision_on_demand(self, tenant: Tenant, job: JobRecord, body: Any) -> dict[str, Any]:
        now = self.clock.timestamp()
        with self.job_store.lock:
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
        with self.job_store.lock:
            result = self.cycles.cycle(job).run_one(str(object_id).lower())
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
