"""Export: the Graph writes of one planned change, and the shadow that records it.

A change a cycle decided (``Planned``) is written to the target tenant here: an invitation then a
patch for a create, a patch for an update or disable, a soft delete, a restore from the recycle bin.
Each success updates the object's shadow; each Graph error escrows the object for the next cycle.
"""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from syncengine import mapping
from syncengine.client import GraphClient
from syncengine.clock import Clock
from syncengine.errors import GraphApiError, NotFoundError
from syncengine.model import AnchorKind, JobConfig, ObjectOutcome, Status, Step, StepType
from syncengine.state import EngineState, Shadow

INVITE_REDIRECT = "https://myapplications.microsoft.com"


class PlanKind(enum.StrEnum):
    """What a planned change does to the target user (``skip`` and ``fail`` write nothing)."""

    CREATE = "create"
    UPDATE = "update"
    DISABLE = "disable"
    DELETE = "delete"
    RESTORE = "restore"
    SKIP = "skip"
    FAIL = "fail"


@dataclass
class Planned:
    """One decided change, not yet exported."""

    kind: PlanKind
    source: dict[str, Any]
    outcome: ObjectOutcome
    shadow: Shadow | None = None
    target_id: str | None = None
    anchor: str | None = None
    anchor_value: Any = None
    attributes: dict[str, Any] = field(default_factory=dict)
    changes: dict[str, tuple[Any, Any]] = field(default_factory=dict)


def _iso(dt: datetime) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class Exporter:
    """Writes a job's planned changes to the target tenant and records each in the state file."""

    def __init__(self, job: JobConfig, target: GraphClient, state: EngineState, clock: Clock) -> None:
        self.job = job
        self.target = target
        self.state = state
        self.clock = clock

    def export(self, p: Planned) -> None:
        """Write one planned change; its outcome gets the export step, success or failure."""
        t0 = time.perf_counter()
        now = _iso(self.clock.now())
        sid = p.source["id"]
        try:
            if p.kind is PlanKind.CREATE:
                self._create(p, now)
            elif p.kind in (PlanKind.UPDATE, PlanKind.DISABLE):
                if p.changes:
                    self.target.patch(f"/users/{p.target_id}", {k: new for k, (_, new) in p.changes.items()})
                p.outcome.modified = [(k, old, new) for k, (old, new) in p.changes.items()]
                exported = dict(p.shadow.exported if p.shadow else {})
                exported.update(p.attributes)
                self._linked(p, exported, now, "disabled" if p.kind is PlanKind.DISABLE else "updated")
            elif p.kind is PlanKind.DELETE:
                try:
                    self.target.delete(f"/users/{p.target_id}")
                except NotFoundError:
                    pass  # already gone (a target admin deleted it): nothing left to deprovision
                assert p.shadow is not None
                self.state.put_shadow(
                    Shadow(
                        sid,
                        p.target_id,
                        p.shadow.anchor,
                        "deprovisioned",
                        p.shadow.exported,
                        p.shadow.disabled,
                        p.shadow.source_upn,
                    ),
                    now,
                )
                p.outcome.status = Status.SUCCESS
                p.outcome.steps.append(
                    Step(
                        "EntryExportDelete",
                        StepType.EXPORT,
                        Status.SUCCESS,
                        f"User '{p.shadow.source_upn}' was soft-deleted in Azure Active Directory (target tenant)",
                    )
                )
            elif p.kind is PlanKind.RESTORE:
                try:
                    self.target.post(f"/directory/deletedItems/{p.target_id}/restore", {})
                except NotFoundError:
                    p.kind = PlanKind.CREATE  # purged, or removed for good by a target admin: create it again
                    self._create(p, now)
                    self.state.clear_escrow(sid)
                    return
                p.changes = mapping.diff(p.attributes, p.shadow.exported if p.shadow else {})
                if p.changes:
                    self.target.patch(f"/users/{p.target_id}", {k: new for k, (_, new) in p.changes.items()})
                self._linked(p, dict(p.attributes), now, "restored")
            else:
                return
            self.state.clear_escrow(sid)
        except GraphApiError as exc:
            p.outcome.status = Status.FAILURE
            p.outcome.error_code = exc.code
            p.outcome.error_reason = exc.message
            p.outcome.steps.append(
                Step(
                    "EntryExportError",
                    StepType.EXPORT,
                    Status.FAILURE,
                    f"Failed to export User '{p.source.get('userPrincipalName')}': {exc.message}",
                )
            )
            self.state.escrow(sid, exc.code, exc.message, now)
        finally:
            p.outcome.duration_ms = int((time.perf_counter() - t0) * 1000)

    def _linked(self, p: Planned, exported: dict[str, Any], now: str, verb: str) -> None:
        """Record a successful export: the shadow links source and target, the log gets its export step."""
        upn = p.source.get("userPrincipalName")
        disabled = exported.get("accountEnabled") is False
        self.state.put_shadow(
            Shadow(p.source["id"], p.target_id, p.anchor, "linked", exported, disabled, upn), now
        )
        p.outcome.target_id = p.target_id
        p.outcome.status = Status.SUCCESS
        name = "EntryExportAdd" if verb == "created" else "EntryExportUpdate"
        p.outcome.steps.append(
            Step(
                name,
                StepType.EXPORT,
                Status.SUCCESS,
                f"User '{upn}' was {verb} in Azure Active Directory (target tenant)",
            )
        )

    def _create(self, p: Planned, now: str) -> None:
        upn = p.source.get("userPrincipalName") or ""
        # No intent record is needed before this: a crash after the invitation leaves a user that
        # the next run finds again, by its anchor once patched, or by inviting the same address
        # again (Graph returns the existing user), so a resumed cycle never duplicates.
        invited = self.target.post(
            "/invitations",
            {
                "invitedUserEmailAddress": upn,
                "inviteRedirectUrl": INVITE_REDIRECT,
                "sendInvitationMessage": False,
                "invitedUserType": p.attributes.get("userType", "Member"),
                "invitedUserDisplayName": p.attributes.get("displayName"),
            },
        )
        tid = invited["invitedUser"]["id"]
        body = {k: v for k, v in p.attributes.items() if k not in ("userPrincipalName",)}
        if self.job.anchor.kind is AnchorKind.ALTERNATIVE_SECURITY_ID:
            body["alternativeSecurityIds"] = (
                p.anchor_value
                if isinstance(p.anchor_value, list)
                else [{"type": 5, "identityProvider": None, "key": p.anchor}]
            )
        else:
            body["onPremisesExtensionAttributes"] = {
                f"extensionAttribute{self.job.anchor.extension_attribute}": p.anchor
            }
        self.target.patch(f"/users/{tid}", body)
        p.target_id = tid
        p.outcome.target_name = p.attributes.get("displayName")
        p.outcome.modified = [(k, None, v) for k, v in sorted(p.attributes.items())]
        self._linked(p, dict(p.attributes), now, "created")
