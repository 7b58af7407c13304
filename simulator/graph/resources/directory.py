"""``/directory/deletedItems`` (restore, purge) and ``/directoryObjects/{id}``."""

from __future__ import annotations

from simulator.directory import users as dir_users
from simulator.graph import auditing, odata
from simulator.graph.listing import list_collection, single
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import GraphError, not_found
from simulator.wire.message import GraphResponse

_TYPES = {
    "microsoft.graph.user": ("#microsoft.graph.user", odata.USER_SPEC),
    "microsoft.graph.group": ("#microsoft.graph.group", odata.GROUP_SPEC),
}


def list_deleted(ctx: Context, kind: str) -> GraphResponse:
    if kind.lower() not in _TYPES:
        if "." not in kind:  # ``deletedItems/{id}`` shares this route's shape
            return get_deleted(ctx, kind)
        raise GraphError(
            400,
            "Request_BadRequest",
            f"Type '{kind}' is not supported for deletedItems; use microsoft.graph.user or microsoft.graph.group.",
        )
    odata_type, spec = _TYPES[kind.lower()]
    items = ctx.tenant.deleted
    return list_collection(
        ctx,
        lambda: [o for o in items.values() if o.get("@odata.type") == odata_type],
        spec,
        path=f"/directory/deletedItems/{kind}",
        entity_set=f"directory/deletedItems/{kind}",
        derive=dir_users.derived(ctx.tenant) if spec is odata.USER_SPEC else None,
    )


def get_deleted(ctx: Context, oid: str) -> GraphResponse:
    obj = ctx.tenant.deleted.get(oid.lower())
    if obj is None:
        raise not_found(oid)
    spec = odata.USER_SPEC if obj.get("@odata.type") == "#microsoft.graph.user" else odata.GROUP_SPEC
    derive = dir_users.derived(ctx.tenant) if spec is odata.USER_SPEC else None
    return single(ctx, obj, spec, "directory/deletedItems", derive)


def restore(ctx: Context, oid: str) -> GraphResponse:
    obj = dir_users.restore(ctx.tenant, oid.lower(), ctx.now)
    kind = "users" if "userPrincipalName" in obj else "groups"
    if kind == "users":
        auditing.record(ctx, auditing.USER_MANAGEMENT, "Restore user", "Restore", [auditing.user_target(obj)])
    else:
        auditing.record(
            ctx, auditing.GROUP_MANAGEMENT, "Restore group", "Restore", [auditing.group_target(obj)]
        )
    return GraphResponse(
        200,
        {
            "@odata.context": f"{ctx.root}/$metadata#directoryObjects/$entity",
            "@odata.type": f"#microsoft.graph.{kind[:-1]}",
            **obj,
        },
    )


def purge(ctx: Context, oid: str) -> GraphResponse:
    obj = ctx.tenant.deleted.get(oid.lower())
    dir_users.hard_delete(ctx.tenant, oid.lower())
    if obj is not None:  # hard_delete refused an unknown id above
        if obj.get("@odata.type") == "#microsoft.graph.user":
            target, category, activity = (
                auditing.user_target(obj),
                auditing.USER_MANAGEMENT,
                "Hard delete user",
            )
        else:
            target, category, activity = (
                auditing.group_target(obj),
                auditing.GROUP_MANAGEMENT,
                "Hard delete group",
            )
        auditing.record(ctx, category, activity, "Delete", [target])
    return GraphResponse(204)


def get_directory_object(ctx: Context, oid: str) -> GraphResponse:
    found = ctx.tenant.directory_object(oid.lower())
    if found is None:
        raise not_found(oid)
    kind, obj = found
    return single(
        ctx,
        {"@odata.type": f"#microsoft.graph.{kind}", **obj},
        odata.DIRECTORY_OBJECT_SPEC,
        "directoryObjects",
    )


def register(router: GraphRouter) -> None:
    router.add("GET", "/directory/deletedItems/{kind}", list_deleted, perm.DELETED_READ)
    router.add("GET", "/directory/deletedItems/{oid}", get_deleted, perm.DELETED_READ)
    router.add("POST", "/directory/deletedItems/{oid}/restore", restore, perm.DELETED_WRITE)
    router.add("DELETE", "/directory/deletedItems/{oid}", purge, perm.DELETED_WRITE)
    router.add("GET", "/directoryObjects/{oid}", get_directory_object, perm.USERS_READ + perm.GROUPS_READ)
