"""``/policies/crossTenantAccessPolicy``: cloud settings, default, partners, identity synchronization."""

from __future__ import annotations

import uuid
from typing import Any

from simulator.clouds import CLOUDS
from simulator.directory import policies as dir_policies
from simulator.directory.schema import check_other_string
from simulator.graph import auditing
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import GraphError, bad_request
from simulator.wire.message import GraphResponse

_BASE = "/policies/crossTenantAccessPolicy"
_PARTNER_WRITABLE = {
    "isServiceProvider",
    "inboundTrust",
    "b2bCollaborationOutbound",
    "b2bCollaborationInbound",
    "b2bDirectConnectOutbound",
    "b2bDirectConnectInbound",
    "tenantRestrictions",
    "automaticUserConsentSettings",
    "crossCloudMeetingConfiguration",
    "protectedContentSharing",
}
_DEFAULT_WRITABLE = _PARTNER_WRITABLE - {"isServiceProvider"} | {
    "invitationRedemptionIdentityProviderConfiguration"
}
_SYNC_WRITABLE = {
    "displayName",
    "userSyncInbound",
    "groupSyncInbound",
    "externalCloudAuthorizedApplicationId",
}
_CONSENT_KEYS = {"inboundAllowed", "outboundAllowed"}


def _object(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def _check_keys(body: dict[str, Any], allowed: set[str]) -> None:
    for k in body:
        if not k.startswith("@odata.") and k not in allowed:
            raise bad_request(f"Property '{k}' does not exist as a declared property or extension property.")


def _merge_settings(target: dict[str, Any], body: dict[str, Any]) -> None:
    """Apply partner/default settings; the two consent-style objects merge key by key."""
    for k, v in body.items():
        if k.startswith("@odata."):
            continue
        if k in ("automaticUserConsentSettings", "crossCloudMeetingConfiguration", "protectedContentSharing"):
            if v is not None:
                if (
                    not isinstance(v, dict)
                    or set(v) - _CONSENT_KEYS
                    or any(x is not None and not isinstance(x, bool) for x in v.values())
                ):
                    raise bad_request(
                        f"Invalid value specified for property '{k}'; expected inboundAllowed/outboundAllowed booleans."
                    )
                merged = dict(target.get(k) or {"inboundAllowed": None, "outboundAllowed": None})
                merged.update(v)
                target[k] = merged
            else:
                target[k] = None
        elif k == "isServiceProvider":
            if v is not None and not isinstance(v, bool):
                raise bad_request("Invalid value specified for property 'isServiceProvider'.")
            target[k] = v
        else:
            if v is not None and not isinstance(v, dict):
                raise bad_request(f"Invalid value specified for property '{k}'.")
            target[k] = v


def _audit(ctx: Context, category: str, activity: str, operation: str, target: dict[str, Any]) -> None:
    auditing.record(ctx, category, activity, operation, [target])


def _access(ctx: Context, activity: str, operation: str, target: dict[str, Any]) -> None:
    _audit(ctx, auditing.CROSS_TENANT_ACCESS, activity, operation, target)


def _sync(ctx: Context, activity: str, operation: str, target: dict[str, Any]) -> None:
    _audit(ctx, auditing.CROSS_TENANT_SYNC, activity, operation, target)


def _ctx_url(ctx: Context, tail: str) -> str:
    return f"{ctx.root}/$metadata#policies/crossTenantAccessPolicy{tail}"


def get_policy(ctx: Context) -> GraphResponse:
    return GraphResponse(200, {"@odata.context": _ctx_url(ctx, "/$entity"), **ctx.tenant.cross_tenant_policy})


def patch_policy(ctx: Context) -> GraphResponse:
    body = _object(ctx.json_body())
    _check_keys(body, {"displayName", "allowedCloudEndpoints", "definition"})
    before = dict(ctx.tenant.cross_tenant_policy)
    if "allowedCloudEndpoints" in body:
        values = body["allowedCloudEndpoints"]
        if not isinstance(values, list) or any(not isinstance(v, str) for v in values):
            raise bad_request(
                "Invalid value specified for property 'allowedCloudEndpoints'; expected an array of strings."
            )
        own = CLOUDS[ctx.tenant.cloud].cloud_instance
        for v in values:
            if v not in dir_policies.CLOUD_ENDPOINTS:
                raise bad_request(
                    f"Invalid value '{v}' for allowedCloudEndpoints; supported values are "
                    + ", ".join(dir_policies.CLOUD_ENDPOINTS)
                    + "."
                )
            if v == own:
                raise bad_request(
                    f"'{v}' is this tenant's own cloud; allowedCloudEndpoints lists other Microsoft clouds."
                )
        ctx.tenant.cross_tenant_policy["allowedCloudEndpoints"] = list(dict.fromkeys(values))
    if "displayName" in body:
        if not isinstance(body["displayName"], str):
            raise bad_request("Invalid value specified for property 'displayName'.")
        check_other_string(body["displayName"], "displayName", "crossTenantAccessPolicy")
        ctx.tenant.cross_tenant_policy["displayName"] = body["displayName"]
    policy = ctx.tenant.cross_tenant_policy
    # No activity is documented for the Microsoft cloud settings: logged as a company default change.
    changes = auditing.setting_changes(before, policy, ["displayName", "allowedCloudEndpoints"])
    target = auditing.policy_target(policy["id"], policy.get("displayName"), changes)
    _access(ctx, "Update the company default cross-tenant access setting", "Update", target)
    return GraphResponse(204)


def get_default(ctx: Context) -> GraphResponse:
    return GraphResponse(
        200, {"@odata.context": _ctx_url(ctx, "/default/$entity"), **ctx.tenant.cross_tenant_default}
    )


def patch_default(ctx: Context) -> GraphResponse:
    body = _object(ctx.json_body())
    _check_keys(body, _DEFAULT_WRITABLE)
    updated = dict(ctx.tenant.cross_tenant_default)
    _merge_settings(updated, body)
    consent = updated.get("automaticUserConsentSettings") or {}
    updated["automaticUserConsentSettings"] = {
        k: bool(consent.get(k)) for k in ("inboundAllowed", "outboundAllowed")
    }
    updated["isServiceDefault"] = False
    changes = auditing.setting_changes(ctx.tenant.cross_tenant_default, updated)
    ctx.tenant.cross_tenant_default = updated
    target = auditing.policy_target("default", "Default cross-tenant access settings", changes)
    _access(ctx, "Update the company default cross-tenant access setting", "Update", target)
    return GraphResponse(204)


def reset_default(ctx: Context) -> GraphResponse:
    saved = (ctx.tenant.cross_tenant_policy, ctx.tenant.partners, ctx.tenant.identity_sync)
    before = ctx.tenant.cross_tenant_default
    dir_policies.init_policies(ctx.tenant)
    ctx.tenant.cross_tenant_policy, ctx.tenant.partners, ctx.tenant.identity_sync = saved
    changes = auditing.setting_changes(before, ctx.tenant.cross_tenant_default)
    target = auditing.policy_target("default", "Default cross-tenant access settings", changes)
    _access(ctx, "Reset the cross-tenant access default setting", "Update", target)
    return GraphResponse(204)


def _tenant_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise bad_request(
            f"Invalid value '{value}' for property 'tenantId'; a tenant id is a GUID."
        ) from None


def _partner(ctx: Context, tid: str) -> dict[str, Any]:
    p = ctx.tenant.partners.get(tid.lower())
    if p is None:
        raise GraphError(
            404, "Directory_ObjectNotFound", "Unable to read the company information from the directory."
        )
    return p


def list_partners(ctx: Context) -> GraphResponse:
    return GraphResponse(
        200,
        {
            "@odata.context": _ctx_url(ctx, "/partners"),
            "value": [dict(p) for p in ctx.tenant.partners.values()],
        },
    )


def create_partner(ctx: Context) -> GraphResponse:
    body = _object(ctx.json_body())
    _check_keys(body, _PARTNER_WRITABLE | {"tenantId"})
    if "tenantId" not in body:
        raise bad_request("Property 'tenantId' is required.")
    tid = _tenant_id(body["tenantId"])
    if tid == ctx.tenant.id:
        raise bad_request("A tenant cannot be added as a partner of itself.")
    if tid in ctx.tenant.partners:
        raise GraphError(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "Another object with the same value for property tenantId already exists.",
            details=[
                {
                    "code": "ConflictingObjects",
                    "message": "Another object with the same value for property tenantId already exists.",
                    "target": "tenantId",
                }
            ],
        )
    other = ctx.store.tenants.get(tid)
    if other is not None and other.cloud is not ctx.tenant.cloud:
        instance = CLOUDS[other.cloud].cloud_instance
        if instance != CLOUDS[
            ctx.tenant.cloud
        ].cloud_instance and instance not in ctx.tenant.cross_tenant_policy.get("allowedCloudEndpoints", []):
            raise bad_request(
                f"Tenant {tid} is in another Microsoft cloud ({instance}). Enable that cloud in "
                "allowedCloudEndpoints (Microsoft cloud settings) before adding the tenant as a partner."
            )
    partner = dir_policies.new_partner(tid)
    settings = {k: v for k, v in body.items() if k != "tenantId"}
    _merge_settings(partner, settings)
    ctx.tenant.partners[tid] = partner
    changes = auditing.setting_changes({}, partner, ["tenantId", *settings])
    _access(
        ctx, "Add a partner to cross-tenant access setting", "Add", auditing.policy_target(tid, None, changes)
    )
    return GraphResponse(201, {"@odata.context": _ctx_url(ctx, "/partners/$entity"), **partner})


def get_partner(ctx: Context, tid: str) -> GraphResponse:
    return GraphResponse(200, {"@odata.context": _ctx_url(ctx, "/partners/$entity"), **_partner(ctx, tid)})


def patch_partner(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    body = _object(ctx.json_body())
    _check_keys(body, _PARTNER_WRITABLE)
    updated = dict(p)
    _merge_settings(updated, body)
    ctx.tenant.partners[p["tenantId"]] = updated
    target = auditing.policy_target(p["tenantId"], None, auditing.setting_changes(p, updated))
    _access(ctx, "Update a partner cross-tenant access setting", "Update", target)
    return GraphResponse(204)


def delete_partner(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    tid = p["tenantId"]
    del ctx.tenant.partners[tid]
    sync = ctx.tenant.identity_sync.pop(tid, None)
    target = auditing.policy_target(tid, None, auditing.setting_changes(p, {}))
    _access(ctx, "Delete partner specific cross-tenant access setting", "Delete", target)
    if sync is not None:  # the partner's identity synchronization goes with it
        _audit_sync_delete(ctx, tid, sync)
    return GraphResponse(204)


def _audit_sync_delete(ctx: Context, tid: str, sync: dict[str, Any]) -> None:
    target = auditing.policy_target(tid, sync.get("displayName"), auditing.setting_changes(sync, {}))
    _sync(ctx, "Delete a partner cross-tenant identity sync setting", "Delete", target)


def _sync_body(body: Any) -> dict[str, Any]:
    body = _object(body)
    _check_keys(body, _SYNC_WRITABLE | {"tenantId"})
    for key in ("userSyncInbound", "groupSyncInbound"):
        v = body.get(key)
        if v is not None and (
            not isinstance(v, dict)
            or set(v) - {"isSyncAllowed"}
            or not isinstance(v.get("isSyncAllowed"), bool)
        ):
            raise bad_request(
                f"Invalid value specified for property '{key}'; expected {{\"isSyncAllowed\": true|false}}."
            )
    for key in ("displayName", "externalCloudAuthorizedApplicationId"):
        if body.get(key) is not None and not isinstance(body[key], str):
            raise bad_request(f"Invalid value specified for property '{key}'.")
        check_other_string(body.get(key), key, "crossTenantIdentitySyncPolicyPartner")
    return body


def get_sync(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    s = ctx.tenant.identity_sync.get(p["tenantId"])
    if s is None:
        raise GraphError(
            404, "Directory_ObjectNotFound", "Unable to read the company information from the directory."
        )
    return GraphResponse(
        200,
        {
            "@odata.context": _ctx_url(ctx, f"/partners('{p['tenantId']}')/identitySynchronization/$entity"),
            **s,
        },
    )


def put_sync(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    body = _sync_body(ctx.json_body())
    if p["tenantId"] in ctx.tenant.identity_sync:
        raise GraphError(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "A conflicting object with one or more of the specified property values is present in the directory.",
            details=[
                {
                    "code": "ConflictingObjects",
                    "message": "A conflicting object with one or more of the specified property values is present in the directory.",
                    "target": "tenantId",
                }
            ],
        )
    created = ctx.tenant.identity_sync[p["tenantId"]] = {
        "tenantId": p["tenantId"],
        "displayName": body.get("displayName"),
        "userSyncInbound": body.get("userSyncInbound") or {"isSyncAllowed": False},
        "externalCloudAuthorizedApplicationId": body.get("externalCloudAuthorizedApplicationId"),
    }
    changes = auditing.setting_changes({}, created)
    target = auditing.policy_target(p["tenantId"], created["displayName"], changes)
    _sync(ctx, "Create a partner cross-tenant identity sync setting", "Add", target)
    return GraphResponse(204)


def patch_sync(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    s = ctx.tenant.identity_sync.get(p["tenantId"])
    if s is None:
        raise GraphError(
            404, "Directory_ObjectNotFound", "Unable to read the company information from the directory."
        )
    body = _sync_body(ctx.json_body())
    before = dict(s)
    s.update({k: v for k, v in body.items() if k != "tenantId" and not k.startswith("@odata.")})
    target = auditing.policy_target(p["tenantId"], s.get("displayName"), auditing.setting_changes(before, s))
    _sync(ctx, "Update a partner cross-tenant identity sync setting", "Update", target)
    return GraphResponse(204)


def delete_sync(ctx: Context, tid: str) -> GraphResponse:
    p = _partner(ctx, tid)
    sync = ctx.tenant.identity_sync.pop(p["tenantId"], None)
    if sync is None:
        raise GraphError(
            404, "Directory_ObjectNotFound", "Unable to read the company information from the directory."
        )
    _audit_sync_delete(ctx, p["tenantId"], sync)
    return GraphResponse(204)


def register(router: GraphRouter) -> None:
    router.add("GET", _BASE, get_policy, perm.POLICY_READ)
    router.add("PATCH", _BASE, patch_policy, perm.POLICY_WRITE)
    router.add("GET", f"{_BASE}/default", get_default, perm.POLICY_READ)
    router.add("PATCH", f"{_BASE}/default", patch_default, perm.POLICY_WRITE)
    router.add("POST", f"{_BASE}/default/resetToSystemDefault", reset_default, perm.POLICY_WRITE)
    router.add("GET", f"{_BASE}/partners", list_partners, perm.POLICY_READ)
    router.add("POST", f"{_BASE}/partners", create_partner, perm.POLICY_WRITE)
    router.add("GET", f"{_BASE}/partners/{{tid}}", get_partner, perm.POLICY_READ)
    router.add("PATCH", f"{_BASE}/partners/{{tid}}", patch_partner, perm.POLICY_WRITE)
    router.add("DELETE", f"{_BASE}/partners/{{tid}}", delete_partner, perm.POLICY_WRITE)
    router.add("GET", f"{_BASE}/partners/{{tid}}/identitySynchronization", get_sync, perm.POLICY_READ)
    router.add("PUT", f"{_BASE}/partners/{{tid}}/identitySynchronization", put_sync, perm.POLICY_WRITE)
    router.add("PATCH", f"{_BASE}/partners/{{tid}}/identitySynchronization", patch_sync, perm.POLICY_WRITE)
    router.add("DELETE", f"{_BASE}/partners/{{tid}}/identitySynchronization", delete_sync, perm.POLICY_WRITE)
