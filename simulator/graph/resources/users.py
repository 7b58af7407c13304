"""``/users``: list, count, get by id or UPN, create, update, soft delete, licences, memberships."""

from __future__ import annotations

from simulator.directory import skus
from simulator.directory import users as dir_users
from simulator.graph import auditing, delta, odata
from simulator.graph.listing import count_collection, list_collection, render, single
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.message import GraphResponse


def list_users(ctx: Context) -> GraphResponse:
    return list_collection(
        ctx, ctx.tenant.users, _spec(ctx), path="/users", derive=dir_users.derived(ctx.tenant)
    )


def _spec(ctx: Context) -> odata.ResourceSpec:
    """Graph's v1.0 user; the service's internal view (with its anchors) for SyncFabric only."""
    return odata.user_spec_for(ctx.caller.app_id)


def count_users(ctx: Context) -> GraphResponse:
    return count_collection(ctx, ctx.tenant.users, _spec(ctx))


def get_user(ctx: Context, uid: str) -> GraphResponse:
    return single(
        ctx, dir_users.require_user(ctx.tenant, uid), _spec(ctx), "users", dir_users.derived(ctx.tenant)
    )


def create_user(ctx: Context) -> GraphResponse:
    body = ctx.json_body()
    user = dir_users.create_user(ctx.tenant, body, ctx.now, service=_service(ctx))
    added = auditing.object_changes({}, user, body)
    auditing.record(ctx, auditing.USER_MANAGEMENT, "Add user", "Add", [auditing.user_target(user, added)])
    return GraphResponse(201, _entity(ctx, user), {"Location": f"{ctx.root}/users/{user['id']}"})


def _service(ctx: Context) -> bool:
    """Whether the caller is the provisioning service (it alone writes the directory's anchors)."""
    return odata.user_spec_for(ctx.caller.app_id) is odata.SERVICE_USER_SPEC


def _entity(ctx: Context, user: dict) -> dict:
    """A user as Graph answers a write: the default properties."""
    shown = render([user], odata.Query(), odata.USER_SPEC, dir_users.derived(ctx.tenant))[0]
    return {"@odata.context": f"{ctx.root}/$metadata#users/$entity", **shown}


def update_user(ctx: Context, uid: str) -> GraphResponse:
    user = dir_users.require_user(ctx.tenant, uid)
    body, before = ctx.json_body(), dict(user)
    dir_users.update_user(ctx.tenant, user, body, ctx.now, service=_service(ctx))
    changed = auditing.object_changes(before, user, body)
    auditing.record(
        ctx, auditing.USER_MANAGEMENT, "Update user", "Update", [auditing.user_target(user, changed)]
    )
    return GraphResponse(204)


def delete_user(ctx: Context, uid: str) -> GraphResponse:
    user = dir_users.require_user(ctx.tenant, uid)
    dir_users.soft_delete_user(ctx.tenant, user, ctx.now)
    auditing.record(ctx, auditing.USER_MANAGEMENT, "Delete user", "Delete", [auditing.user_target(user)])
    return GraphResponse(204)


def assign_license(ctx: Context, uid: str) -> GraphResponse:
    user = dir_users.require_user(ctx.tenant, uid)
    before = {"assignedLicenses": list(user.get("assignedLicenses") or [])}
    dir_users.assign_license(ctx.tenant, user, ctx.json_body(), ctx.now)
    changed = auditing.object_changes(before, user, ["assignedLicenses"])
    auditing.record(
        ctx, auditing.USER_MANAGEMENT, "Change user license", "Update", [auditing.user_target(user, changed)]
    )
    return GraphResponse(200, {**_entity(ctx, user), "assignedLicenses": user["assignedLicenses"]})


def license_details(ctx: Context, uid: str) -> GraphResponse:
    user = dir_users.require_user(ctx.tenant, uid)

    def details() -> list[dict]:
        out = []
        for lic in user.get("assignedLicenses", []):
            known = skus.BY_ID.get(lic["skuId"])
            plans = [
                {
                    "servicePlanId": p.id,
                    "servicePlanName": p.name,
                    "provisioningStatus": "Success",
                    "appliesTo": "User",
                }
                for p in (known.plans if known else ())
                if p.id not in lic.get("disabledPlans", [])
            ]
            out.append(
                {
                    "id": f"{lic['skuId']}_{user['id']}",
                    "skuId": lic["skuId"],
                    "skuPartNumber": known.part_number if known else None,
                    "servicePlans": plans,
                }
            )
        return out

    return list_collection(
        ctx,
        details,
        odata.GENERIC_SPEC,
        path=f"/users/{uid}/licenseDetails",
        entity_set=f"users('{user['id']}')/licenseDetails",
    )


def member_of(ctx: Context, uid: str) -> GraphResponse:
    user = dir_users.require_user(ctx.tenant, uid)
    t = ctx.tenant

    def groups() -> list[dict]:
        return [
            {"@odata.type": "#microsoft.graph.group", **t.groups.items[g]}
            for g, m in t.members.items()
            if user["id"] in m and g in t.groups
        ]

    return list_collection(
        ctx, groups, odata.DIRECTORY_OBJECT_SPEC, path=f"/users/{uid}/memberOf", entity_set="directoryObjects"
    )


def register(router: GraphRouter) -> None:
    router.add("GET", "/users/delta", delta.users_delta, perm.USERS_READ)
    router.add("GET", "/users", list_users, perm.USERS_READ)
    router.add("GET", "/users/$count", count_users, perm.USERS_READ)
    router.add("POST", "/users", create_user, perm.USERS_WRITE)
    router.add("GET", "/users/{uid}", get_user, perm.USERS_READ)
    router.add("PATCH", "/users/{uid}", update_user, perm.USERS_WRITE)
    router.add("DELETE", "/users/{uid}", delete_user, perm.USERS_WRITE)
    router.add("POST", "/users/{uid}/assignLicense", assign_license, perm.LICENSES_WRITE)
    router.add("GET", "/users/{uid}/licenseDetails", license_details, perm.LICENSES_READ)
    router.add("GET", "/users/{uid}/memberOf", member_of, perm.USERS_READ)
