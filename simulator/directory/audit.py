"""The audit trail of each tenant: directory audits and provisioning log entries, in memory.

Graph serves them under ``/auditLogs/directoryAudits`` and ``/auditLogs/provisioning``. Entries are
kept per tenant, at most ``cap`` of each kind (oldest dropped first) and no longer than the
documented retention (30 days) on the simulator clock. They are not part of snapshots or the
journal: a restarted simulator starts with empty logs.
"""

from __future__ import annotations

import enum
import itertools
import random
import string
import sys
import threading
import uuid
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from simulator.clock import Clock

#: Entra keeps audit and provisioning logs 30 days (P1/P2 tenants).
RETENTION = timedelta(days=30)
#: Entries of one kind kept per tenant before the oldest are dropped.
MAX_ENTRIES = 100_000

#: The first-party identity the provisioning service writes to the target directory with.
SYNC_FABRIC_APP_ID = "00000014-0000-0000-c000-000000000000"
SYNC_FABRIC_NAME = "Microsoft.Azure.SyncFabric"

CORE_DIRECTORY = "Core Directory"
ACCOUNT_PROVISIONING = "Account Provisioning"

_DIRECTORY_AUDIT_FIELDS = (
    "id",
    "category",
    "correlationId",
    "result",
    "resultReason",
    "activityDisplayName",
    "activityDateTime",
    "loggedByService",
    "operationType",
    "initiatedBy",
    "targetResources",
    "additionalDetails",
)
_TARGET_FIELDS = ("id", "displayName", "type", "userPrincipalName", "groupType", "modifiedProperties")
_ID_CHARS = string.ascii_uppercase + string.digits


class LogKind(enum.StrEnum):
    """The two logs of a tenant, named after their Graph collections."""

    DIRECTORY_AUDITS = "directoryAudits"
    PROVISIONING = "provisioning"


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One stored record with what orders it: its time, then the order it was added in."""

    at: datetime
    seq: int
    record: dict[str, Any]


def graph_time(dt: datetime) -> str:
    """A log timestamp as Graph writes it: UTC, seven fractional digits, ``Z``."""
    dt = dt.astimezone(UTC)
    return f"{dt:%Y-%m-%dT%H:%M:%S}.{dt.microsecond:06d}0Z"


def parse_time(value: Any) -> datetime | None:
    """``value`` (ISO-8601 text or a datetime) as an aware UTC datetime; None if it is neither."""
    if isinstance(value, datetime):
        dt = value
    elif isinstance(value, str):
        try:
            dt = datetime.fromisoformat(value)
        except ValueError:
            return None
    else:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


class AuditLog:
    """Per-tenant directory audits and provisioning records, bounded in size and age.

    Thread-safe on its own (the provisioning service writes outside the store lock). Records are
    returned as stored: readers must not change them.
    """

    def __init__(
        self, clock: Clock | None = None, *, retention: timedelta = RETENTION, cap: int = MAX_ENTRIES
    ) -> None:
        self.clock = clock or Clock()
        self.retention = retention
        self.cap = cap
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, LogKind], deque[LogEntry]] = {}
        self._seq = itertools.count(1)
        #: One ``initiatedBy`` object per actor, shared by its records (a few apps write them all).
        self._actors: dict[Any, dict[str, Any]] = {}

    # -- writing ------------------------------------------------------------------------------

    def record_directory_audit(self, tenant_id: str, **fields: Any) -> dict[str, Any]:
        """Add one ``directoryAudit`` (Graph field names as keywords); returns the stored record.

        Missing fields get defaults: a new correlationId, ``result: success``, ``loggedByService:
        Core Directory``, the clock's time, an id in Entra's ``Directory_{correlationId}_…`` form.
        """
        unknown = set(fields) - set(_DIRECTORY_AUDIT_FIELDS)
        if unknown:
            raise ValueError(f"not directoryAudit fields: {', '.join(sorted(unknown))}")
        if not fields.get("category") or not fields.get("activityDisplayName"):
            raise ValueError("a directory audit needs a category and an activityDisplayName")
        at = parse_time(fields.get("activityDateTime")) or self.clock.now()
        correlation = fields.get("correlationId") or _fast_uuid()
        service = fields.get("loggedByService") or CORE_DIRECTORY
        prefix = "Sync" if service == ACCOUNT_PROVISIONING else "Directory"
        record: dict[str, Any] = {
            "id": fields.get("id") or f"{prefix}_{correlation}_{_suffix()}",
            "category": fields["category"],
            "correlationId": correlation,
            "result": fields.get("result") or "success",
            "resultReason": fields.get("resultReason") or "",
            "activityDisplayName": fields["activityDisplayName"],
            "activityDateTime": graph_time(at),
            "loggedByService": service,
            "operationType": fields.get("operationType") or "Other",
            "initiatedBy": self._initiator(fields.get("initiatedBy")),
            "targetResources": [_target(t) for t in fields.get("targetResources") or ()],
            "additionalDetails": [
                {"key": str(d.get("key")), "value": d.get("value")}
                for d in fields.get("additionalDetails") or ()
            ],
        }
        self._add(tenant_id, LogKind.DIRECTORY_AUDITS, [(at, record)])
        return record

    def add_provisioning(self, tenant_id: str, records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """Add ``provisioningObjectSummary`` records shaped by the caller; returns what was stored.

        A record without ``id`` gets a GUID, one without ``activityDateTime`` the clock's time.
        """
        now = self.clock.now()
        batch: list[tuple[datetime, dict[str, Any]]] = []
        for r in records:
            record = dict(r)
            at = parse_time(record.get("activityDateTime"))
            if at is None:
                at = now
                record["activityDateTime"] = graph_time(at)
            record.setdefault("id", _fast_uuid())
            batch.append((at, record))
        self._add(tenant_id, LogKind.PROVISIONING, batch)
        return [r for _, r in batch]

    def _add(self, tenant_id: str, kind: LogKind, batch: list[tuple[datetime, dict[str, Any]]]) -> None:
        key = (tenant_id.lower(), kind)
        with self._lock:
            log = self._logs.get(key)
            if log is None:
                log = self._logs[key] = deque(maxlen=self.cap)
            for at, record in batch:
                log.append(LogEntry(at, next(self._seq), record))
            self._expire(log)

    # -- reading ------------------------------------------------------------------------------

    def entries(self, tenant_id: str, kind: LogKind) -> list[LogEntry]:
        """The retained entries of one log, newest first (by time, then by order of arrival)."""
        with self._lock:
            log = self._logs.get((tenant_id.lower(), kind))
            if not log:
                return []
            self._expire(log)
            cutoff = self.clock.now() - self.retention
            # Entries arrive roughly in time order; a late, back-dated one may sit among younger ones.
            out = [e for e in log if e.at >= cutoff]
        out.sort(key=lambda e: (e.at, e.seq), reverse=True)
        if kind is LogKind.DIRECTORY_AUDITS:
            for e in out:
                _materialize(e.record)
        return out

    def directory_audits(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's ``directoryAudit`` records, newest first."""
        return [e.record for e in self.entries(tenant_id, LogKind.DIRECTORY_AUDITS)]

    def provisioning(self, tenant_id: str) -> list[dict[str, Any]]:
        """The tenant's ``provisioningObjectSummary`` records, newest first."""
        return [e.record for e in self.entries(tenant_id, LogKind.PROVISIONING)]

    def clear(self, tenant_id: str | None = None) -> None:
        """Forget the logs of one tenant, or of every tenant."""
        with self._lock:
            if tenant_id is None:
                self._logs.clear()
            else:
                for kind in LogKind:
                    self._logs.pop((tenant_id.lower(), kind), None)

    def _initiator(self, value: Any) -> dict[str, Any]:
        value = value or {}
        user, app = value.get("user"), value.get("app")
        try:
            key = tuple(tuple(sorted(v.items())) if v else None for v in (user, app))
            hash(key)
        except (AttributeError, TypeError):  # nested or odd values: not shared
            return {"user": user, "app": app}
        shared = self._actors.get(key)
        if shared is None:
            if len(self._actors) >= 1024:
                self._actors.clear()
            shared = self._actors[key] = {
                "user": dict(user) if user else None,
                "app": dict(app) if app else None,
            }
        return shared

    def _expire(self, log: deque[LogEntry]) -> None:
        """Drop entries past retention from the old end (called with the lock held)."""
        cutoff = self.clock.now() - self.retention
        while log and log[0].at < cutoff:
            log.popleft()


_ID_RANDOM = random.Random()


def _suffix() -> str:
    """The ``XXXXX_nnnnnnnn`` tail of an Entra audit id (shape assumed from documented examples)."""
    bits = _ID_RANDOM.getrandbits(26)
    letters = "".join(_ID_CHARS[(bits >> (5 * i)) % 36] for i in range(5))
    return f"{letters}_{_ID_RANDOM.getrandbits(26) % 10**8:08d}"


def _fast_uuid() -> str:
    """A random GUID string for log ids (unique, not secret: no need for the OS's entropy per record)."""
    h = f"{_ID_RANDOM.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) % 4]}{h[17:20]}-{h[20:32]}"


def _interned(value: Any) -> Any:
    """Property names repeat across a tenant's records: one string each."""
    return sys.intern(value) if isinstance(value, str) else value


def _target(value: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {k: value.get(k) for k in _TARGET_FIELDS}
    changes = value.get("modifiedProperties")
    if hasattr(changes, "render"):  # deferred: rendered when the record is first read
        out["modifiedProperties"] = changes
        return out
    out["modifiedProperties"] = _changes(changes)
    return out


def _changes(changes: Any) -> list[dict[str, Any]]:
    return [
        {
            "displayName": _interned(p.get("displayName")),
            "oldValue": p.get("oldValue"),
            "newValue": p.get("newValue"),
        }
        for p in changes or ()
    ]


def _materialize(record: dict[str, Any]) -> dict[str, Any]:
    for t in record.get("targetResources") or ():
        changes = t.get("modifiedProperties")
        if hasattr(changes, "render"):
            t["modifiedProperties"] = _changes(changes.render())
    return record


def record_provisioning_management(
    log: AuditLog,
    tenant_id: str,
    activity: str,
    *,
    service_principal: Mapping[str, Any],
    result: str = "success",
    result_reason: str = "",
    additional: Mapping[str, str] | None = None,
    correlation_id: str | None = None,
    target_resources: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Add a ``ProvisioningManagement`` audit (logged by Account Provisioning) for the provisioning service.

    ``log`` is the store's audit log (``store.audit``). ``service_principal`` is the configuration's service principal (``id``, ``displayName``, and
    ``appId`` when known); it is the actor and, unless ``target_resources`` says otherwise, the
    target. ``activity`` is one of the documented names ("Export", "Import", "Quarantine", ...).
    """
    sp_id = service_principal.get("id")
    name = service_principal.get("displayName")
    app = {
        "appId": service_principal.get("appId"),
        "displayName": name,
        "servicePrincipalId": sp_id,
        "servicePrincipalName": None,
    }
    targets = target_resources or [
        {"id": sp_id, "displayName": name, "type": "ServicePrincipal", "modifiedProperties": []}
    ]
    return log.record_directory_audit(
        tenant_id,
        category="ProvisioningManagement",
        activityDisplayName=activity,
        loggedByService=ACCOUNT_PROVISIONING,
        correlationId=correlation_id or str(uuid.uuid4()),
        result=result,
        resultReason=result_reason,
        operationType="Other",
        initiatedBy={"user": None, "app": app},
        targetResources=targets,
        additionalDetails=[{"key": k, "value": v} for k, v in (additional or {}).items()],
    )
