"""User lifecycle in one tenant: create, update, soft delete, restore, hard delete, licences."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from simulator.clock import iso
from simulator.directory import skus as sku_catalogue
from simulator.directory.collection import Obj
from simulator.directory.record import UserRecord
from simulator.directory.schema import SERVICE_USER_WRITABLE, USER_READ_ONLY, USER_WRITABLE, check_properties
from simulator.directory.tenant import Tenant
from simulator.wire.errors import GraphError, bad_request, not_found

_NICKNAME_BAD = re.compile(r"[\s@()\\\[\]\";:<>,]")
_UPN_LOCAL_OK = re.compile(r"^[A-Za-z0-9'.\-_!#^~+&$%*/=?`{|}]+$")


def net_id(object_id: str) -> str:
    """The user's PUID-style ``netId`` (16 hex digits), derived from its object id: stable per user."""
    return "1003" + uuid.UUID(object_id).hex[:12].upper()


def security_identifier(object_id: str) -> str:
    """The cloud SID Graph derives from an object id (S-1-12-1- plus four 32-bit words)."""
    b = uuid.UUID(object_id).bytes_le
    words = [int.from_bytes(b[i : i + 4], "little") for i in range(0, 16, 4)]
    return "S-1-12-1-" + "-".join(str(w) for w in words)


def _check_upn(tenant: Tenant, upn: str, *, guest: bool = False) -> None:
    if upn.count("@") != 1:
        raise bad_request("Invalid value specified for property 'userPrincipalName' of resource 'User'.")
    local, domain = upn.split("@")
    if (
        not local
        or len(local) > (113 if guest else 64)
        or not _UPN_LOCAL_OK.match(local)
        or local.startswith(".")
    ):
        raise bad_request("Invalid value specified for property 'userPrincipalName' of resource 'User'.")
    if not tenant.has_domain(domain):
        raise bad_request(
            f"The domain portion of the userPrincipalName property is invalid. You must use one of the "
            f"verified domain names in your organization. ('{domain}' is not verified in this tenant.)",
            code="Request_BadRequest",
        )
    if upn.lower() in tenant.upn_index:
        raise bad_request("Another object with the same value for property userPrincipalName already exists.")


def create_user(
    tenant: Tenant,
    body: Any,
    now: datetime,
    *,
    object_id: str | None = None,
    trusted: bool = False,
    service: bool = False,
) -> Obj:
    """Create a user from a Graph POST body (validated unless ``trusted``, e.g. seeded data);
    ``service``: the provisioning service's internal channel, which may also write the anchors."""
    # A trusted body is only read, never changed: seeding passes a million of them, copying none.
    writable = SERVICE_USER_WRITABLE if service else USER_WRITABLE
    props = body if trusted else check_properties(body, writable, USER_READ_ONLY, "user", "User")
    if not trusted:
        missing = [
            p
            for p in ("accountEnabled", "displayName", "mailNickname", "userPrincipalName")
            if props.get(p) is None
        ]
        user_type = props.get("userType") or "Member"
        if user_type == "Member" and props.get("passwordProfile") is None and not props.get("identities"):
            missing.append("passwordProfile")
        if missing:
            raise bad_request(
                "Property '" + missing[0] + "' is required for creating a user. "
                f"Missing: {', '.join(missing)}."
            )
        if user_type not in ("Member", "Guest"):
            raise bad_request("Invalid value specified for property 'userType' of resource 'User'.")
        if _NICKNAME_BAD.search(props["mailNickname"]):
            raise bad_request("Invalid value specified for property 'mailNickname' of resource 'User'.")
        pp = props.get("passwordProfile")
        if pp is not None and not isinstance(pp.get("password"), str):
            raise bad_request("Invalid value specified for property 'passwordProfile' of resource 'User'.")
        _check_upn(tenant, props["userPrincipalName"], guest="#EXT#" in props["userPrincipalName"])
    uid = object_id or str(uuid.uuid4())
    upn = props["userPrincipalName"]
    # Stored sparse, in a compact record: unset properties, empty collections and what derives from
    # other properties (assignedPlans, securityIdentifier, the default UPN identity) are filled in by
    # ``derived`` when a response selects them; a million users then fit the memory budget.
    user = UserRecord(id=uid, userType="Member")
    user.update(props)
    user.pop("passwordProfile", None)  # write-only: never stored, never returned
    if "createdDateTime" not in user:
        user["createdDateTime"] = iso(now)
    _count_licenses(tenant, user, +1)
    tenant.users.add(user)
    low = upn.lower()
    tenant.upn_index[upn if low == upn else low] = uid
    tenant.changes.record("user", uid, "create")
    return user


def update_user(tenant: Tenant, user: Obj, body: Any, now: datetime, *, service: bool = False) -> Obj:
    """Apply a Graph PATCH body; all-or-nothing. ``service``: as in :func:`create_user`."""
    writable = SERVICE_USER_WRITABLE if service else USER_WRITABLE
    props = check_properties(body, writable, USER_READ_ONLY, "user", "User")
    new_upn = props.get("userPrincipalName")
    if "userPrincipalName" in props and new_upn is None:
        raise bad_request("Invalid value specified for property 'userPrincipalName' of resource 'User'.")
    for required in ("displayName", "mailNickname", "accountEnabled"):
        if required in props and props[required] is None:
            raise bad_request(f"Invalid value specified for property '{required}' of resource 'User'.")
    if new_upn is not None and new_upn.lower() != user["userPrincipalName"].lower():
        _check_upn(tenant, new_upn, guest="#EXT#" in new_upn)
    if "userType" in props and props["userType"] not in ("Member", "Guest"):
        raise bad_request("Invalid value specified for property 'userType' of resource 'User'.")
    props.pop("passwordProfile", None)
    if new_upn is not None:
        del tenant.upn_index[user["userPrincipalName"].lower()]
        tenant.upn_index[new_upn.lower()] = user["id"]
    for k, v in props.items():
        if v is None:
            user.pop(k, None)
        else:
            user[k] = v
    if "mail" in props:
        props["proxyAddresses"] = None  # derived from mail: its change surfaces in delta too
    if props:
        tenant.users.touch(user["id"])
        tenant.changes.record("user", user["id"], "update", frozenset(props))
    return user


def soft_delete_user(tenant: Tenant, user: Obj, now: datetime) -> None:
    """Move a user to ``directory/deletedItems``; it leaves its groups (restorable for 30 days)."""
    tenant.users.remove(user["id"])
    del tenant.upn_index[user["userPrincipalName"].lower()]
    for gid, members in tenant.members.items():
        if members.pop(user["id"], None) is not None:
            tenant.changes.record(
                "group", gid, "member_remove", member_id=user["id"], member_type="#microsoft.graph.user"
            )
    _count_licenses(tenant, user, -1)
    tenant.changes.record("user", user["id"], "softdelete")
    user["deletedDateTime"] = iso(now)
    user["@odata.type"] = "#microsoft.graph.user"
    tenant.deleted.add(user)


def restore(tenant: Tenant, obj_id: str, now: datetime) -> Obj:
    """Restore a soft-deleted user or group; a UPN taken meanwhile is a conflict."""
    obj = tenant.deleted.get(obj_id)
    if obj is None:
        raise not_found(obj_id)
    if obj.get("@odata.type") == "#microsoft.graph.user":
        if obj["userPrincipalName"].lower() in tenant.upn_index:
            raise bad_request(
                "Another object with the same value for property userPrincipalName already exists.",
                code="Request_MultipleObjectsWithSameKeyValue",
            )
        tenant.deleted.remove(obj_id)
        obj.pop("deletedDateTime", None)
        obj.pop("@odata.type", None)
        tenant.users.add(obj)
        tenant.upn_index[obj["userPrincipalName"].lower()] = obj_id
        _count_licenses(tenant, obj, +1)
        tenant.changes.record("user", obj_id, "restore")
    else:
        tenant.deleted.remove(obj_id)
        obj.pop("deletedDateTime", None)
        obj.pop("@odata.type", None)
        tenant.groups.add(obj)
        tenant.members.setdefault(obj_id, {})
        tenant.changes.record("group", obj_id, "restore")
    return obj


def hard_delete(tenant: Tenant, obj_id: str) -> None:
    """Delete an object from ``directory/deletedItems`` for good."""
    obj = tenant.deleted.get(obj_id)
    if obj is None:
        raise not_found(obj_id)
    tenant.deleted.remove(obj_id)
    tenant.changes.record(_kind(obj), obj_id, "harddelete")


def purge_expired(tenant: Tenant, now: datetime, days: int = 30) -> int:
    """Hard-delete soft-deleted objects older than ``days``; returns how many were purged.

    Deleted items are kept in deletion order, so this stops at the first young one: O(1) when
    nothing is due, which lets the router call it on every request.
    """
    cutoff = iso(now - timedelta(days=days))
    due = []
    for obj in tenant.deleted.values():
        if obj["deletedDateTime"] >= cutoff:
            break
        due.append(obj["id"])
    for oid in due:
        tenant.changes.record(_kind(tenant.deleted.remove(oid)), oid, "harddelete")
    return len(due)


def _kind(obj: Obj) -> str:
    return "user" if obj.get("@odata.type") == "#microsoft.graph.user" else "group"


def assign_license(tenant: Tenant, user: Obj, body: Any, now: datetime) -> Obj:
    """``assignLicense``: add and remove SKUs, checking subscription, units and usage location."""
    if (
        not isinstance(body, dict)
        or not isinstance(body.get("addLicenses"), list)
        or not isinstance(body.get("removeLicenses"), list)
    ):
        raise bad_request("Both addLicenses and removeLicenses are required arrays.")
    adds = body["addLicenses"]
    removes = body["removeLicenses"]
    for a in adds:
        plans = a.get("disabledPlans") if isinstance(a, dict) else None
        if (
            not isinstance(a, dict)
            or not isinstance(a.get("skuId"), str)
            or not isinstance(plans or [], list)
            or any(not isinstance(p, str) for p in plans or [])
        ):
            raise bad_request("Invalid value specified for property 'addLicenses' of resource 'User'.")
    if any(not isinstance(r, str) for r in removes):
        raise bad_request("Invalid value specified for property 'removeLicenses' of resource 'User'.")
    current = {lic["skuId"]: lic for lic in user.get("assignedLicenses", [])}
    for a in adds:
        sku_id = a["skuId"].lower()
        if sku_id not in tenant.subscribed_skus:
            raise bad_request(f"License {sku_id} does not correspond to a valid company License.")
        if sku_id not in current and consumed_units(tenant, sku_id) >= tenant.subscribed_skus[sku_id]:
            raise bad_request(f"Subscription {sku_id} does not have any available licenses.")
    if adds and not user.get("usageLocation"):
        raise bad_request("License assignment cannot be done for user with invalid usage location.")
    for r in removes:
        if r.lower() not in current:
            raise bad_request(f"User does not have a corresponding license {r}.")
    for r in removes:
        current.pop(r.lower(), None)
    for a in adds:
        current[a["skuId"].lower()] = {
            "disabledPlans": list(a.get("disabledPlans") or []),
            "skuId": a["skuId"].lower(),
        }
    set_licenses(tenant, user, list(current.values()), now)
    return user


def set_licenses(tenant: Tenant, user: Obj, licenses: list[dict[str, Any]], now: datetime) -> None:
    """Set assignedLicenses and keep the tenant's consumed-unit counts (assignedPlans derive from it)."""
    _count_licenses(tenant, user, -1)
    user["assignedLicenses"] = licenses
    _count_licenses(tenant, user, +1)
    tenant.users.touch(user["id"])
    tenant.changes.record("user", user["id"], "update", frozenset({"assignedLicenses", "assignedPlans"}))


_EXTENSION_ATTRIBUTES = tuple(f"extensionAttribute{i}" for i in range(1, 16))


def assigned_plans(user: Obj) -> list[dict[str, Any]]:
    """The service plans of a user's licences, less the disabled ones (Graph's assignedPlans)."""
    plans = []
    for lic in user.get("assignedLicenses") or ():
        known = sku_catalogue.BY_ID.get(lic["skuId"])
        if known is None:
            continue
        disabled = lic.get("disabledPlans") or ()
        for p in known.plans:
            if p.id not in disabled:
                plans.append(
                    {
                        "assignedDateTime": user.get("createdDateTime"),
                        "capabilityStatus": "Enabled",
                        "service": p.name,
                        "servicePlanId": p.id,
                    }
                )
    return plans


def derived(tenant: Tenant) -> Callable[[Obj, Obj], None]:
    """Fills the properties a projected user selected but the sparse stored user derives or omits."""
    domain = tenant.default_domain

    def fill(out: Obj, stored: Obj) -> None:
        if "assignedPlans" in out and not stored.get("assignedPlans"):
            out["assignedPlans"] = assigned_plans(stored)
        if "netId" in out and out["netId"] is None:
            out["netId"] = net_id(stored["id"])
        if "securityIdentifier" in out and out["securityIdentifier"] is None:
            out["securityIdentifier"] = security_identifier(stored["id"])
        if "identities" in out and not out["identities"]:
            out["identities"] = [
                {
                    "signInType": "userPrincipalName",
                    "issuer": domain,
                    "issuerAssignedId": stored["userPrincipalName"],
                }
            ]
        if "proxyAddresses" in out and not out["proxyAddresses"] and stored.get("mail"):
            out["proxyAddresses"] = [f"SMTP:{stored['mail']}"]
        ext = out.get("onPremisesExtensionAttributes", False)
        if ext is None or (ext and len(ext) < 15):
            out["onPremisesExtensionAttributes"] = {k: (ext or {}).get(k) for k in _EXTENSION_ATTRIBUTES}

    return fill


def consumed_units(tenant: Tenant, sku_id: str) -> int:
    return tenant.consumed_units.get(sku_id, 0)


def _count_licenses(tenant: Tenant, user: Obj, delta: int) -> None:
    for lic in user.get("assignedLicenses", ()):
        tenant.consumed_units[lic["skuId"]] = tenant.consumed_units.get(lic["skuId"], 0) + delta


def require_user(tenant: Tenant, key: str) -> Obj:
    user = tenant.user(key)
    if user is None:
        raise not_found(key)
    return user


__all__ = [
    "GraphError",
    "assign_license",
    "consumed_units",
    "create_user",
    "hard_delete",
    "purge_expired",
    "require_user",
    "restore",
    "set_licenses",
    "soft_delete_user",
    "update_user",
]
