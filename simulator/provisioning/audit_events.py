"""The source tenant's per-user audit events of the provisioning service (category ProvisioningManagement,
logged by Account Provisioning): "Synchronization rule action" when an object is evaluated, "Export" when
a change is written to the target, "Quarantine" when a job enters or stays in quarantine (the
accidental-deletion threshold included). Shapes follow Microsoft's sample records (reference §3.3): the
ids ``Sync_<correlationId>_…``, one correlationId per change, the result reason in ``resultReason`` and
``Details`` / ``ErrorCode`` / ``EventName`` in ``additionalDetails``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from simulator.directory.audit import record_provisioning_management
from simulator.directory.store import Store

#: provisioning-log actions that write to the target (the others are evaluations only)
_EXPORTING = frozenset({"create", "update", "delete", "disable"})


def _steps(record: Mapping[str, Any], kind: str) -> list[Mapping[str, Any]]:
    return [s for s in record.get("provisioningSteps") or () if s.get("provisioningStepType") == kind]


def record_object_events(
    store: Store, tenant_id: str, sp: Mapping[str, Any], record: Mapping[str, Any]
) -> None:
    """The audit events of one provisioning-log record: the rule action, then the export if any."""
    correlation = str(record.get("changeId") or uuid.uuid4())
    who = record.get("sourceIdentity") or {}
    upn = (who.get("details") or {}).get("UserPrincipalName") or who.get("displayName") or who.get("id")
    target = [
        {"id": sp.get("id"), "displayName": sp.get("displayName"), "type": "ServicePrincipal", "modifiedProperties": []},
        {"id": who.get("id"), "displayName": upn, "type": "User", "modifiedProperties": []},
    ]  # fmt: skip
    action = str(record.get("provisioningAction") or "other")
    status = (record.get("provisioningStatusInfo") or {}).get("status", "success")
    error = (record.get("provisioningStatusInfo") or {}).get("errorInformation") or {}
    decision = _steps(record, "matching") or _steps(record, "processing") or _steps(record, "scoping")
    reason = decision[-1]["description"] if decision else f"User '{upn}' was evaluated."
    record_provisioning_management(
        store.audit,
        tenant_id,
        "Synchronization rule action",
        service_principal=sp,
        result="success",
        result_reason=reason,
        additional={"Details": reason, "ErrorCode": "None", "EventName": "EntrySynchronizationRuleAction"},
        correlation_id=correlation,
        target_resources=target,
    )
    if action not in _EXPORTING:
        return
    exported = _steps(record, "export")
    failed = status == "failure"
    text = exported[-1]["description"] if exported else error.get("reason") or ""
    record_provisioning_management(
        store.audit,
        tenant_id,
        "Export",
        service_principal=sp,
        result="failure" if failed else "success",
        result_reason=text,
        additional={
            "Details": text,
            "ErrorCode": str(error.get("errorCode") or "None"),
            "EventName": "EntryExportError"
            if failed
            else (exported[-1]["name"] if exported else "EntryExport"),
        },
        correlation_id=correlation,
        target_resources=target,
    )


def record_quarantine(
    store: Store, tenant_id: str, sp: Mapping[str, Any], quarantine: Mapping[str, Any]
) -> None:
    """The job is (still) in quarantine: the reason and when it is retried."""
    reason = str(quarantine.get("reason") or "Unknown")
    error = quarantine.get("error") or {}
    text = (
        f"The provisioning job is in quarantine ({reason}): it runs at reduced frequency; next attempt "
        f"{quarantine.get('nextAttempt') or 'none (disabled)'}."
    )
    if reason == "TooManyDeletes":
        text = (
            "The provisioning job is in quarantine: a cycle would delete or disable more users than the "
            "accidental-deletion threshold allows. Allow the deletes (restart with ForceDeletes) or fix the cause."
        )
    record_provisioning_management(
        store.audit,
        tenant_id,
        "Quarantine",
        service_principal=sp,
        result="failure",
        result_reason=text,
        additional={
            "Details": text,
            "ErrorCode": str(error.get("code") or reason),
            "EventName": "Quarantine",
        },
    )


__all__ = ["record_object_events", "record_quarantine"]
