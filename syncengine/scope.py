"""Who is in scope: assignment, the built-in "Filter external users" and the scoping filters.

Reference §2.4–2.5. A source user is in scope when it is an internal member of the source tenant, is
entitled (``SyncAll`` or assigned directly or through a directly assigned group) and passes the scoping
filters (clauses ANDed inside a filter group, groups ORed, no groups = pass). Activity is *not* part of
scope here: a disabled linked user is updated to disabled, not deleted; the cycle handles that.

How one filter clause is evaluated and which filters the service refuses is ``scoping_filters``'s.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from syncengine.client import GraphClient
from syncengine.errors import NotFoundError
from syncengine.model import ScopeConfig
from syncengine.scoping_filters import evaluate_filters

log = logging.getLogger(__name__)

#: The service's name for its built-in filter, as the scoping step shows it (reference §2.4).
EXTERNAL_FILTER_GROUP = "Filter external users"
EXTERNAL_FILTER_KEY = f"{EXTERNAL_FILTER_GROUP}.alternativeSecurityIds EQUALS 'None'"

#: ``provisioningStep.details`` of the scoping step, keyed as the provisioning logs show them.
DETAIL_ACTIVE = "Active in the source system"
DETAIL_ASSIGNED = "Assigned to the application"
DETAIL_ROLE = "User has the required role"
DETAIL_FILTER_PASSED = "Scoping filter evaluation passed"
DETAIL_RESULT = "ScopeEvaluationResult"

SCOPING_DESCRIPTION = "Determine if User in scope by evaluating against each scoping filter"
SKIP_NOT_ENTITLED = "NotEffectivelyEntitled"

#: Skip texts of the provisioning logs (reference §3.1); the external-user one is ours.
REASON_NOT_ASSIGNED = "This object is not assigned to the application"
REASON_FILTERED = "This object did not pass a scoping filter"
REASON_EXTERNAL = "This object is not an internal member of the source tenant"

_EXTERNAL_ISSUERS = frozenset({"externalazuread", "microsoftaccount", "mail"})


# -- the built-in external-user filter -------------------------------------------------------------


def is_internal_member(user: Mapping[str, Any]) -> bool:
    """The built-in "Filter external users": only internal members of the source are synchronized."""
    user_type = user.get("userType") or "Member"
    if str(user_type).lower() != "member":
        return False
    if user.get("creationType") == "Invitation":
        return False
    if "#ext#" in str(user.get("userPrincipalName") or "").lower():
        return False
    for identity in user.get("identities") or ():
        if not isinstance(identity, Mapping):
            continue
        if str(identity.get("signInType") or "").lower() == "federated":
            return False
        if str(identity.get("issuer") or "").lower() in _EXTERNAL_ISSUERS:
            return False
    return True


# -- assignment ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assignments:
    """The users and groups assigned to the configuration's service principal."""

    user_ids: frozenset[str] = frozenset()
    group_ids: frozenset[str] = frozenset()


def load_assignments(client: GraphClient, service_principal_id: str) -> Assignments:
    """Read ``appRoleAssignedTo`` of the source service principal (all pages)."""
    users: set[str] = set()
    groups: set[str] = set()
    for page in client.pages(f"/servicePrincipals/{service_principal_id}/appRoleAssignedTo"):
        for assignment in page:
            kind = assignment.get("principalType")
            if kind == "User":
                users.add(assignment["principalId"])
            elif kind == "Group":
                groups.add(assignment["principalId"])
    return Assignments(frozenset(users), frozenset(groups))


def group_members(client: GraphClient, group_ids: Iterable[str]) -> dict[str, frozenset[str]]:
    """The DIRECT user members of each group; nested groups are not expanded (reference §2.4)."""
    members: dict[str, frozenset[str]] = {}
    for gid in group_ids:
        found: set[str] = set()
        try:
            for page in client.pages(f"/groups/{gid}/members", {"$select": "id", "$top": "999"}):
                found.update(
                    m["id"] for m in page if m.get("@odata.type") == "#microsoft.graph.user" and "id" in m
                )
        except NotFoundError:  # the group went away after it was assigned: it entitles nobody
            log.info("assigned group %s no longer exists", gid)
        members[gid] = frozenset(found)
    return members


def assigned_user_ids(assignments: Assignments, members: Mapping[str, frozenset[str]]) -> frozenset[str]:
    """Users assigned directly or as direct members of an assigned group."""
    out = set(assignments.user_ids)
    for gid in assignments.group_ids:
        out.update(members.get(gid, frozenset()))
    return frozenset(out)


def load_assigned_users(client: GraphClient, service_principal_id: str) -> frozenset[str]:
    """The users assigned to ``service_principal_id`` now, directly or through an assigned group (read
    through ``client``: its ``appRoleAssignedTo``, then each assigned group's direct members)."""
    assignments = load_assignments(client, service_principal_id)
    return assigned_user_ids(assignments, group_members(client, assignments.group_ids))


# -- the decision ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScopeDecision:
    """The scoping step's outcome for one source user."""

    in_scope: bool
    skip_reason: str | None
    details: dict[str, str] = field(default_factory=dict)
    description: str = SCOPING_DESCRIPTION
    #: why it is out of scope, in the provisioning logs' words (empty when in scope)
    reasons: tuple[str, ...] = ()

    def skip_message(self, display_name: str) -> str:
        """The skip text of the provisioning logs: "The User 'x' will be skipped due to ..."."""
        listed = " ".join(f"{i}) {reason}." for i, reason in enumerate(self.reasons, 1))
        return f"The User '{display_name}' will be skipped due to the following reasons: {listed}"


def _flag(value: bool) -> str:
    return "True" if value else "False"


def decide(user: Mapping[str, Any], *, scope: ScopeConfig, assigned: bool) -> ScopeDecision:
    """In scope = internal member AND (sync all OR assigned) AND the scoping filters pass."""
    internal = is_internal_member(user)
    entitled = scope.sync_all or assigned
    if internal:
        passed, results = evaluate_filters(scope.filter_groups, user)
    else:  # the built-in filter is evaluated first; the service shows only it for an external user
        passed, results = False, {EXTERNAL_FILTER_KEY: False}
    reasons: list[str] = []
    if not internal:
        reasons.append(REASON_EXTERNAL)
    if not entitled:
        reasons.append(REASON_NOT_ASSIGNED)
    if internal and not passed:
        reasons.append(REASON_FILTERED)
    in_scope = not reasons
    details = {
        DETAIL_ACTIVE: _flag(user.get("accountEnabled") is not False),
        DETAIL_ASSIGNED: _flag(entitled),
        DETAIL_ROLE: _flag(entitled),
        DETAIL_FILTER_PASSED: _flag(internal and passed),
        DETAIL_RESULT: json.dumps(results, separators=(",", ":"), ensure_ascii=False),
    }
    return ScopeDecision(
        in_scope=in_scope,
        skip_reason=None if in_scope else SKIP_NOT_ENTITLED,
        details=details,
        reasons=tuple(reasons),
    )


__all__ = [
    "EXTERNAL_FILTER_GROUP",
    "EXTERNAL_FILTER_KEY",
    "SKIP_NOT_ENTITLED",
    "Assignments",
    "ScopeDecision",
    "assigned_user_ids",
    "decide",
    "group_members",
    "is_internal_member",
    "load_assigned_users",
    "load_assignments",
]
