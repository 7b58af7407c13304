"""Provisioning-log records in Graph's ``provisioningObjectSummary`` shape, and the cycle report."""

from __future__ import annotations

import json
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from syncengine.model import JobConfig, ObjectOutcome

SOURCE_SYSTEM = "Azure Active Directory"
TARGET_SYSTEM = "Azure Active Directory (target tenant)"
INITIATOR = {"id": "", "displayName": "Azure AD Provisioning Service", "initiatorType": "system"}


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class LogContext:
    """What every record of a cycle shares."""

    job: JobConfig
    job_id: str
    cycle_id: str
    service_principal_id: str
    service_principal_name: str
    application_id: str = ""


def provisioning_record(
    outcome: ObjectOutcome, ctx: LogContext, when: datetime, change_id: str | None = None
) -> dict[str, Any]:
    """One ``provisioningObjectSummary`` (lower camel case enums, as Graph emits them)."""
    error = None
    if outcome.error_code:
        error = {
            "errorCode": outcome.error_code,
            "errorCategory": outcome.error_category or "nonServiceFailure",
            "reason": outcome.error_reason,
            "additionalDetails": None,
            "recommendedAction": None,
        }
    return {
        "id": str(uuid.uuid4()),
        "activityDateTime": _iso(when),
        "tenantId": ctx.job.target.tenant_id,
        "jobId": ctx.job_id,
        "cycleId": ctx.cycle_id,
        "changeId": change_id or str(uuid.uuid4()),
        "provisioningAction": outcome.action.value,
        "durationInMilliseconds": outcome.duration_ms,
        "servicePrincipal": {"id": ctx.service_principal_id, "displayName": ctx.service_principal_name},
        "sourceSystem": {"id": ctx.job.source.tenant_id, "displayName": SOURCE_SYSTEM, "details": {}},
        "targetSystem": {
            "id": ctx.job.target.tenant_id,
            "displayName": TARGET_SYSTEM,
            "details": {
                "ApplicationId": ctx.application_id,
                "ServicePrincipalId": ctx.service_principal_id,
                "ServicePrincipalDisplayName": ctx.service_principal_name,
            },
        },
        "initiatedBy": dict(INITIATOR),
        "sourceIdentity": {
            "id": outcome.source_id,
            "displayName": outcome.source_name,
            "identityType": "User",
            "details": {
                "id": outcome.source_id,
                "odatatype": "User",
                "DisplayName": outcome.source_name,
                "UserPrincipalName": outcome.source_upn or "",
            },
        },
        "targetIdentity": {
            "id": outcome.target_id or "",
            "displayName": outcome.target_name or "",
            "identityType": "User",
            "details": {},
        },
        "provisioningStatusInfo": {"status": outcome.status.value, "errorInformation": error},
        "provisioningSteps": [
            {
                "name": s.name,
                "provisioningStepType": s.type.value,
                "status": s.status.value,
                "description": s.description,
                "details": dict(s.details),
            }
            for s in outcome.steps
        ],
        "modifiedProperties": [
            {"displayName": name, "oldValue": _text(old), "newValue": _text(new)}
            for name, old, new in outcome.modified
        ],
    }


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, (list, dict)):
        return json.dumps(v, sort_keys=True)
    return str(v)


@dataclass
class CycleReport:
    """What one cycle did: counts per action and status, errors, throttling, time."""

    job: str
    cycle_id: str
    kind: str  # initial | incremental
    began: str
    ended: str = ""
    duration_s: float = 0.0
    state: str = "Succeeded"  # Succeeded | Failed | EntryLevelErrors | Quarantined
    imported: int = 0
    in_scope: int = 0
    actions: dict[str, int] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    skip_reasons: dict[str, int] = field(default_factory=dict)
    throttled: int = 0
    retries: int = 0
    waited_s: float = 0.0
    requests: int = 0
    licence_warning: str | None = None
    failure: dict[str, str] | None = None
    quarantine: dict[str, Any] | None = None
    dry_run: bool = False

    def count(self, outcome: ObjectOutcome) -> None:
        key = f"{outcome.action.value}"
        self.actions[key] = self.actions.get(key, 0) + 1
        self.statuses[outcome.status.value] = self.statuses.get(outcome.status.value, 0) + 1
        if outcome.error_code:
            self.errors[outcome.error_code] = self.errors.get(outcome.error_code, 0) + 1
        if outcome.skip_reason:
            self.skip_reasons[outcome.skip_reason] = self.skip_reasons.get(outcome.skip_reason, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
