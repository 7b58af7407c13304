"""The situation → action rule: what a cycle does with one source user.

Given what a cycle knows of a user (a ``Situation``: the source object, its shadow, the scoping
verdict, its licence, the linked target user as it is now) a ``Decider`` plans one change (create,
update, disable, restore, delete, skip or fail) with the provisioning-log steps that explain it. It
finds target counterparts through ``TargetMatcher`` and writes nothing: ``export.py`` does that later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from syncengine import licences, mapping
from syncengine.export import PlanKind, Planned
from syncengine.matching import TargetMatcher
from syncengine.model import Action, JobConfig, ObjectOutcome, Status, Step, StepType
from syncengine.scope import ScopeDecision
from syncengine.state import Shadow


@dataclass(frozen=True)
class Situation:
    """What a cycle knows of one source user when it decides."""

    #: the source user as imported (``@removed`` when deleted in the source)
    user: dict[str, Any]
    #: what the engine last did with the user (None: never seen)
    shadow: Shadow | None
    #: the scoping step's verdict; None for a user deleted in the source
    scoping: ScopeDecision | None
    #: in scope but without the licence the pair needs, under the ``enforce`` licence policy
    unlicensed: bool
    #: the licence the pair needs (it names an unlicensed user's skip reason)
    requirement: licences.LicenceRequirement
    #: the linked target user's current values; None when they could not be read
    target_now: dict[str, Any] | None = None


class Decider:
    """Plans the change for each source user of one job (one per ``Cycle``)."""

    def __init__(self, job: JobConfig, compiled: mapping.CompiledMappings, matcher: TargetMatcher) -> None:
        self.job = job
        self.compiled = compiled
        self._matcher = matcher

    def decide(self, situation: Situation) -> Planned:
        """The change to make for one source user, with the log steps that explain it."""
        u, shadow, d = situation.user, situation.shadow, situation.scoping
        sid = u["id"]
        name = u.get("displayName") or sid
        out = ObjectOutcome(sid, name, u.get("userPrincipalName"), Action.OTHER, Status.SKIPPED)
        out.steps.append(
            Step(
                "EntryImport",
                StepType.IMPORT,
                Status.SUCCESS,
                f"Retrieved User '{u.get('userPrincipalName', sid)}' from Azure Active Directory",
                _import_details(u),
            )
        )
        linked = shadow is not None and shadow.phase == "linked"
        if "@removed" in u:
            return (
                self._deprovision(u, out, shadow, "deleted in the source")
                if linked
                else self._skip(
                    u,
                    out,
                    shadow,
                    "EntrySynchronizationSkipped",
                    "The User was deleted in the source and was never provisioned.",
                )
            )
        assert d is not None, "a source user that is not deleted has a scoping decision"
        out.steps.append(
            Step(
                "EntrySynchronizationScoping",
                StepType.SCOPING,
                Status.SUCCESS if d.in_scope else Status.SKIPPED,
                d.description,
                d.details,
            )
        )
        if not d.in_scope:
            if linked and not shadow.disabled:
                return self._deprovision(u, out, shadow, "left the scope")
            return self._skip(u, out, shadow, d.skip_reason or "NotEffectivelyEntitled", d.description)
        if situation.unlicensed:
            code, reason = licences.skip_reason(situation.requirement)
            return self._skip(u, out, shadow, code, reason)
        mapped_create = mapping.map_user(u, self.compiled, creating=True, context=self._matcher.map_context())
        anchor = self._matcher.anchor(u, mapped_create)
        target = None
        if linked:
            target = {"id": shadow.target_id}
        elif shadow is not None and shadow.phase == "deprovisioned" and shadow.target_id:
            if not u.get("accountEnabled", True):
                return self._skip(
                    u,
                    out,
                    shadow,
                    "NotActive",
                    "The user is disabled in the source and is not provisioned while disabled.",
                )
            return self._planned(PlanKind.RESTORE, u, out, shadow, shadow.target_id, anchor, mapped_create)
        else:
            matches = self._matcher.find(anchor)
            if len(matches) > 1:
                out.steps.append(
                    Step(
                        "EntrySynchronizationError",
                        StepType.MATCHING,
                        Status.FAILURE,
                        f"More than one User in Azure Active Directory (target tenant) matched '{anchor}'.",
                    )
                )
                return self._fail(
                    u,
                    out,
                    shadow,
                    "DuplicateTargetEntries",
                    "More than one entry in the target matched the source entry's anchor; the engine never guesses.",
                )
            if matches:
                target = matches[0]
        if target is None:
            if not u.get("accountEnabled", True):
                return self._skip(
                    u,
                    out,
                    shadow,
                    "NotActive",
                    "The user is disabled in the source; a disabled user is not provisioned.",
                )
            out.steps.append(
                Step(
                    "EntrySynchronizationAdd",
                    StepType.MATCHING,
                    Status.SUCCESS,
                    f"User '{u.get('userPrincipalName')}' will be created in Azure Active Directory (target tenant) (User is active and assigned in Azure Active Directory, but no matching User was found in Azure Active Directory (target tenant))",
                )
            )
            return self._planned(PlanKind.CREATE, u, out, shadow, None, anchor, mapped_create)
        mapped = mapping.map_user(u, self.compiled, creating=False, context=self._matcher.map_context())
        if linked:
            # the target as it is now (a target admin's rename or block is corrected); what was last
            # exported only when the target could not be read (a deleted target user fails its update)
            now = situation.target_now
            current = {k: now.get(k) for k in mapped.attributes} if now is not None else shadow.exported
        else:
            current = {k: target.get(k) for k in mapped.attributes}
        changes = mapping.diff(mapped.attributes, current)
        p = self._planned(PlanKind.UPDATE, u, out, shadow, target["id"], anchor, mapped)
        p.changes = changes
        out.steps.append(
            Step(
                "EntrySynchronizationUpdate",
                StepType.MATCHING,
                Status.SUCCESS,
                f"User '{u.get('userPrincipalName')}' matched User '{target['id']}' in Azure Active Directory (target tenant)",
            )
        )
        if not changes and linked:
            out.skip_reason = "RedundantExport"
            out.steps.append(
                Step(
                    "EntrySynchronizationSkip",
                    StepType.EXPORT,
                    Status.SKIPPED,
                    "The state of the user in both the source and target systems already match. No change was exported.",
                    {"SkipReason": "RedundantExport"},
                )
            )
            p.kind = PlanKind.SKIP
            out.action = Action.OTHER
            return p
        if changes.get("accountEnabled", (None, None))[1] is False:
            p.kind = PlanKind.DISABLE
            out.action = Action.DISABLE
        return p

    def _planned(
        self,
        kind: PlanKind,
        u: dict,
        out: ObjectOutcome,
        shadow: Shadow | None,
        target_id: str | None,
        anchor: str,
        mapped: mapping.MappedUser,
    ) -> Planned:
        out.action = {
            PlanKind.CREATE: Action.CREATE,
            PlanKind.RESTORE: Action.CREATE,
            PlanKind.UPDATE: Action.UPDATE,
        }.get(kind, Action.OTHER)
        return Planned(kind, u, out, shadow, target_id, anchor, mapped.anchor, dict(mapped.attributes))

    def _skip(
        self, u: dict, out: ObjectOutcome, shadow: Shadow | None, reason: str, description: str
    ) -> Planned:
        out.skip_reason = reason
        out.steps.append(
            Step(
                "EntrySynchronizationSkip",
                StepType.PROCESSING,
                Status.SKIPPED,
                description,
                {"SkipReason": reason},
            )
        )
        return Planned(PlanKind.SKIP, u, out, shadow)

    def _fail(self, u: dict, out: ObjectOutcome, shadow: Shadow | None, code: str, reason: str) -> Planned:
        out.status = Status.FAILURE
        out.error_code, out.error_reason = code, reason
        return Planned(PlanKind.FAIL, u, out, shadow)

    def _deprovision(self, u: dict, out: ObjectOutcome, shadow: Shadow, why: str) -> Planned:
        if not self.job.safety.delete_action:
            return self._skip(
                u,
                out,
                shadow,
                "DeleteActionDisabled",
                f"The User {why}, but the Delete target object action is disabled.",
            )
        out.action = Action.DELETE
        out.target_id = shadow.target_id
        out.steps.append(
            Step(
                "EntrySynchronizationDelete",
                StepType.MATCHING,
                Status.SUCCESS,
                f"The User {why}; it will be soft-deleted in Azure Active Directory (target tenant).",
            )
        )
        return Planned(PlanKind.DELETE, u, out, shadow, shadow.target_id)


def _import_details(u: dict[str, Any]) -> dict[str, str]:
    keys = ("accountEnabled", "department", "displayName", "mailNickname", "userPrincipalName", "netId")
    details = {k: str(u.get(k)) for k in keys if u.get(k) is not None}
    details["objectId"] = u["id"]
    return details
