"""What a successful Graph write leaves in the tenant's directory audit log.

Write handlers call ``record`` after the change is made, so a refused write leaves nothing. The
actor is the calling app; the provisioning service calls with the first-party sync identity and
shows up as ``Microsoft.Azure.SyncFabric``, as the docs describe for the target tenant. Activity
names of user and group management written by cross-tenant sync are unconfirmed: these are the
usual Entra names (see docs/fidelity.md).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from simulator.directory.audit import CORE_DIRECTORY, SYNC_FABRIC_APP_ID, SYNC_FABRIC_NAME
from simulator.graph.router import Context

USER_MANAGEMENT = "UserManagement"
GROUP_MANAGEMENT = "GroupManagement"
CROSS_TENANT_ACCESS = "CrossTenantAccessSettings"
CROSS_TENANT_SYNC = "CrossTenantIdentitySyncSettings"
#: The service Entra names for B2B invitations.
INVITED_USERS = "Invited Users"

#: Never written to a log, even as "changed".
_SECRET = frozenset({"passwordProfile"})


def initiator(ctx: Context) -> dict[str, Any]:
    """``initiatedBy`` for the calling app: its service principal's name, SyncFabric's for the sync identity."""
    caller, tenant = ctx.caller, ctx.tenant
    sp_id = caller.sp_id or None
    if caller.app_id == SYNC_FABRIC_APP_ID:
        name = SYNC_FABRIC_NAME
    else:
        sp = tenant.service_principals.get(sp_id) if sp_id else None
        cred = tenant.apps.get(caller.app_id)
        name = (sp or {}).get("displayName") or (cred.display_name if cred else None) or caller.app_id
    return {
        "user": None,
        "app": {
            "appId": caller.app_id,
            "displayName": name,
            "servicePrincipalId": sp_id,
            "servicePrincipalName": None,
        },
    }


def record(
    ctx: Context,
    category: str,
    activity: str,
    operation_type: str,
    targets: Iterable[Mapping[str, Any]],
    *,
    service: str = CORE_DIRECTORY,
    result_reason: str = "",
) -> None:
    """Add one successful directory audit for the current request, acted by the calling app."""
    ctx.store.audit.record_directory_audit(
        ctx.tenant.id,
        category=category,
        activityDisplayName=activity,
        activityDateTime=ctx.now,
        loggedByService=service,
        operationType=operation_type,
        result="success",
        resultReason=result_reason,
        initiatedBy=initiator(ctx),
        targetResources=list(targets),
    )


# -- targets ------------------------------------------------------------------------------------


def user_target(user: Mapping[str, Any], changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A user as an audit target: Entra names users by UPN and leaves displayName empty."""
    return {
        "id": user["id"],
        "displayName": None,
        "type": "User",
        "userPrincipalName": user.get("userPrincipalName"),
        "modifiedProperties": changes or [],
    }


def group_target(group: Mapping[str, Any], changes: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    unified = "Unified" in (group.get("groupTypes") or [])
    return {
        "id": group["id"],
        "displayName": group.get("displayName"),
        "type": "Group",
        "groupType": "unifiedGroups" if unified else "azureAD",
        "modifiedProperties": changes or [],
    }


def membership_targets(ctx: Context, group: Mapping[str, Any], member_id: str, *, added: bool) -> list[dict]:
    """Targets of "Add member to group" / "Remove member from group": the member, then the group.

    The member carries the group's id and name as modified properties (new when added, old when removed).
    """
    found = ctx.tenant.directory_object(member_id)
    kind, member = found if found is not None else ("user", {})
    group_props = {"Group.ObjectID": group["id"], "Group.DisplayName": group.get("displayName")}
    changes = [
        {
            "displayName": name,
            "oldValue": None if added else _as_json(value),
            "newValue": _as_json(value) if added else None,
        }
        for name, value in group_props.items()
    ]
    member_target = {
        "id": member_id,
        "displayName": None if kind == "user" else member.get("displayName"),
        "type": {"user": "User", "group": "Group", "servicePrincipal": "ServicePrincipal"}.get(kind, "Other"),
        "userPrincipalName": member.get("userPrincipalName"),
        "modifiedProperties": changes,
    }
    return [member_target, group_target(group)]


def policy_target(target_id: str, display_name: str | None, changes: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": target_id, "displayName": display_name, "type": "Policy", "modifiedProperties": changes}


# -- modified properties ----------------------------------------------------------------------


class DeferredChanges:
    """``modifiedProperties`` captured at write time (names and raw values), rendered as text when read.

    A sync cycle writes hundreds of thousands of users; JSON-encoding every audit value up front
    would cost more than the write itself, and most audit records are never read.
    """

    __slots__ = ("_raw",)

    def __init__(self, raw: list[tuple[str, Any, Any]]) -> None:
        self._raw = raw

    def __len__(self) -> int:
        return len(self._raw) + (1 if self._raw else 0)

    def render(self) -> list[dict[str, Any]]:
        if not self._raw:
            return []
        out = [
            {"displayName": _pascal(n), "oldValue": _as_list(old), "newValue": _as_list(new)}
            for n, old, new in self._raw
        ]
        out.append(
            {
                "displayName": "Included Updated Properties",
                "oldValue": None,
                "newValue": json.dumps(", ".join(_pascal(n) for n, _, _ in self._raw)),
            }
        )
        return out


def object_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Iterable[str]
) -> DeferredChanges:
    """Directory-object style: PascalCase names, values as JSON arrays, plus "Included Updated Properties"."""
    return DeferredChanges(
        [
            (n, before.get(n), after.get(n))
            for n in dict.fromkeys(names)
            if n not in _SECRET and not n.startswith("@") and before.get(n) != after.get(n)
        ]
    )


def setting_changes(
    before: Mapping[str, Any], after: Mapping[str, Any], names: Iterable[str] | None = None
) -> list[dict[str, Any]]:
    """Policy style: Graph property names, old and new values as compact JSON (null when absent)."""
    keys = dict.fromkeys(names if names is not None else [*before, *after])
    return [
        {"displayName": k, "oldValue": _as_json(before.get(k)), "newValue": _as_json(after.get(k))}
        for k in keys
        if not k.startswith("@") and before.get(k) != after.get(k)
    ]


def _pascal(name: str) -> str:
    return name[:1].upper() + name[1:]


def _as_list(value: Any) -> str:
    if value is None:
        return "[]"
    return _as_json(value if isinstance(value, list) else [value])  # type: ignore[return-value]


def _as_json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"), default=str)
