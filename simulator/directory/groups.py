"""Groups and membership in one tenant."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from simulator.clock import iso
from simulator.directory.collection import Obj
from simulator.directory.schema import GROUP_READ_ONLY, GROUP_WRITABLE, check_properties
from simulator.directory.tenant import Tenant
from simulator.directory.users import security_identifier
from simulator.wire.errors import bad_request, not_found

_MEMBER_TYPES_SECURITY = ("user", "group", "servicePrincipal")
_DUPLICATE_MEMBER = (
    "One or more added object references already exist for the following modified properties: 'members'."
)


def create_group(
    tenant: Tenant, body: Any, now: datetime, *, object_id: str | None = None, trusted: bool = False
) -> Obj:
    """Create a group from a Graph POST body."""
    props = (
        dict(body) if trusted else check_properties(body, GROUP_WRITABLE, GROUP_READ_ONLY, "group", "Group")
    )
    if not trusted:
        missing = [
            p
            for p in ("displayName", "mailEnabled", "mailNickname", "securityEnabled")
            if props.get(p) is None
        ]
        if missing:
            raise bad_request(f"Property '{missing[0]}' is required for creating a group.")
    gid = object_id or str(uuid.uuid4())
    group: Obj = {
        "id": gid,
        "createdDateTime": iso(now),
        "groupTypes": [],
        "proxyAddresses": [],
        "description": None,
        "securityIdentifier": security_identifier(gid),
        "visibility": None,
    }
    group.update(props)
    if group.get("mailEnabled"):
        group["mail"] = f"{group['mailNickname']}@{tenant.default_domain}"
        group["proxyAddresses"] = [f"SMTP:{group['mail']}"]
    tenant.groups.add(group)
    tenant.members[gid] = {}
    tenant.changes.record("group", gid, "create")
    return group


def update_group(tenant: Tenant, group: Obj, body: Any) -> Obj:
    """Apply a Graph PATCH body; ``members@odata.bind`` adds up to 20 members."""
    binds = body.get("members@odata.bind") if isinstance(body, dict) else None
    props = check_properties(body, GROUP_WRITABLE, GROUP_READ_ONLY, "group", "Group")
    member_ids = bind_member_ids(tenant, group, binds) if binds is not None else []
    for k, v in props.items():
        group[k] = v
    if props:
        tenant.groups.touch(group["id"])
        tenant.changes.record("group", group["id"], "update", frozenset(props))
    for mid in member_ids:
        add_member(tenant, group, mid)
    return group


def bind_member_ids(tenant: Tenant, group: Obj, binds: Any) -> list[str]:
    """The member ids of a ``members@odata.bind`` list, all checked before any is added (max 20)."""
    if not isinstance(binds, list) or any(not isinstance(b, str) for b in binds):
        raise bad_request("Invalid value specified for property 'members@odata.bind' of resource 'Group'.")
    if len(binds) > 20:
        raise bad_request("The number of members added in one request cannot exceed 20.")
    member_ids = [reference_id(b) for b in binds]
    if len(set(member_ids)) != len(member_ids):
        raise bad_request(_DUPLICATE_MEMBER)
    for mid in member_ids:
        _check_member(tenant, group, mid)
    return member_ids


def reference_id(ref: str) -> str:
    """The object id at the end of an ``@odata.id`` / bind URL."""
    tail = ref.rstrip("/").rsplit("/", 1)[-1]
    if tail.startswith("directoryObjects(") or "(" in tail:
        tail = tail.split("(", 1)[1].rstrip(")").strip("'")
    try:
        return str(uuid.UUID(tail))
    except ValueError:
        raise bad_request(f"Invalid object identifier '{tail}'.") from None


def _check_member(tenant: Tenant, group: Obj, member_id: str) -> str:
    found = tenant.directory_object(member_id)
    if found is None:
        raise bad_request(
            "The source resource object or one of the objects being referenced do not exist.",
            code="Request_BadRequest",
        )
    kind, _ = found
    unified = "Unified" in (group.get("groupTypes") or [])
    if (unified and kind != "user") or kind not in _MEMBER_TYPES_SECURITY or member_id == group["id"]:
        raise bad_request(f"A {kind} cannot be a member of this group.")
    if member_id in tenant.members.get(group["id"], {}):
        raise bad_request(_DUPLICATE_MEMBER)
    return kind


def add_member(tenant: Tenant, group: Obj, member_id: str) -> None:
    kind = _check_member(tenant, group, member_id)
    tenant.members.setdefault(group["id"], {})[member_id] = f"#microsoft.graph.{kind}"
    tenant.changes.record(
        "group", group["id"], "member_add", member_id=member_id, member_type=f"#microsoft.graph.{kind}"
    )


def remove_member(tenant: Tenant, group: Obj, member_id: str) -> None:
    members = tenant.members.get(group["id"], {})
    if member_id not in members:
        raise not_found(member_id)
    odata_type = members.pop(member_id)
    tenant.changes.record("group", group["id"], "member_remove", member_id=member_id, member_type=odata_type)


def transitive_member_ids(tenant: Tenant, group_id: str) -> list[str]:
    """Members of the group and of its nested groups, each once, breadth first."""
    seen: dict[str, None] = {}
    queue = [group_id]
    visited = {group_id}
    while queue:
        gid = queue.pop(0)
        for mid, odata_type in tenant.members.get(gid, {}).items():
            if mid not in seen and mid != group_id:
                seen[mid] = None
            if odata_type == "#microsoft.graph.group" and mid not in visited:
                visited.add(mid)
                queue.append(mid)
    return list(seen)


def delete_group(tenant: Tenant, group: Obj, now: datetime) -> None:
    """Microsoft 365 groups go to deletedItems; security groups are deleted for good (as in Entra)."""
    tenant.groups.remove(group["id"])
    tenant.members.pop(group["id"], None)
    for gid, members in tenant.members.items():
        if members.pop(group["id"], None) is not None:
            tenant.changes.record(
                "group", gid, "member_remove", member_id=group["id"], member_type="#microsoft.graph.group"
            )
    if "Unified" in (group.get("groupTypes") or []):
        group["deletedDateTime"] = iso(now)
        group["@odata.type"] = "#microsoft.graph.group"
        tenant.deleted.add(group)
        tenant.changes.record("group", group["id"], "softdelete")
    else:
        tenant.changes.record("group", group["id"], "harddelete")
