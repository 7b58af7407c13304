"""``/groups``: CRUD, members (``$ref`` add and remove), transitive members."""

from __future__ import annotations

from simulator.directory import groups as dir_groups
from simulator.directory.collection import Obj
from simulator.graph import auditing, delta, odata
from simulator.graph.listing import count_collection, list_collection, single
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import bad_request, not_found
from simulator.wire.message import GraphResponse


def _group(ctx: Context, gid: str) -> Obj:
    g = ctx.tenant.groups.get(gid.lower())
    if g is None:
        raise not_found(gid)
    return g


def list_groups(ctx: Context) -> GraphResponse:
    return list_collection(ctx, ctx.tenant.groups, odata.GROUP_SPEC, path="/groups")


def count_groups(ctx: Context) -> GraphResponse:
    return count_collection(ctx, ctx.tenant.groups, odata.GROUP_SPEC)


def get_group(ctx: Context, gid: str) -> GraphResponse:
    return single(ctx, _group(ctx, gid), odata.GROUP_SPEC, "groups")


def create_group(ctx: Context) -> GraphResponse:
    body = ctx.json_body()
    binds = body.pop("members@odata.bind", None) if isinstance(body, dict) else None
    if binds is not None:  # checked before the group exists: a refused create creates nothing
        dir_groups.bind_member_ids(ctx.tenant, {"id": "", "groupTypes": body.get("groupTypes")}, binds)
    group = dir_groups.create_group(ctx.tenant, body, ctx.now)
    if binds:
        dir_groups.update_group(ctx.tenant, group, {"members@odata.bind": binds})
    added = auditing.object_changes({}, group, body)
    auditing.record(ctx, auditing.GROUP_MANAGEMENT, "Add group", "Add", [auditing.group_target(group, added)])
    _audit_member_adds(ctx, group, set())
    return GraphResponse(
        201,
        {"@odata.context": f"{ctx.root}/$metadata#groups/$entity", **group},
        {"Location": f"{ctx.root}/groups/{group['id']}"},
    )


def update_group(ctx: Context, gid: str) -> GraphResponse:
    group, body = _group(ctx, gid), ctx.json_body()
    before, members_before = dict(group), set(ctx.tenant.members.get(group["id"], {}))
    dir_groups.update_group(ctx.tenant, group, body)
    if set(body) != {"members@odata.bind"}:
        changed = auditing.object_changes(before, group, body)
        auditing.record(
            ctx, auditing.GROUP_MANAGEMENT, "Update group", "Update", [auditing.group_target(group, changed)]
        )
    _audit_member_adds(ctx, group, members_before)
    return GraphResponse(204)


def delete_group(ctx: Context, gid: str) -> GraphResponse:
    group = _group(ctx, gid)
    dir_groups.delete_group(ctx.tenant, group, ctx.now)
    auditing.record(ctx, auditing.GROUP_MANAGEMENT, "Delete group", "Delete", [auditing.group_target(group)])
    return GraphResponse(204)


def _audit_member_adds(ctx: Context, group: Obj, before: set[str]) -> None:
    """One "Add member to group" per member the request added (``members@odata.bind``)."""
    for mid in ctx.tenant.members.get(group["id"], {}):
        if mid not in before:
            targets = auditing.membership_targets(ctx, group, mid, added=True)
            auditing.record(ctx, auditing.GROUP_MANAGEMENT, "Add member to group", "Assign", targets)


def _member_objects(ctx: Context, ids: list[str]) -> list[Obj]:
    out = []
    for mid in ids:
        found = ctx.tenant.directory_object(mid)
        if found is not None:
            kind, obj = found
            out.append({"@odata.type": f"#microsoft.graph.{kind}", **obj})
    return out


def list_members(ctx: Context, gid: str) -> GraphResponse:
    g = _group(ctx, gid)
    return list_collection(
        ctx,
        lambda: _member_objects(ctx, list(ctx.tenant.members.get(g["id"], {}))),
        odata.DIRECTORY_OBJECT_SPEC,
        path=f"/groups/{gid}/members",
        entity_set="directoryObjects",
    )


def count_members(ctx: Context, gid: str) -> GraphResponse:
    g = _group(ctx, gid)
    return count_collection(
        ctx,
        lambda: _member_objects(ctx, list(ctx.tenant.members.get(g["id"], {}))),
        odata.DIRECTORY_OBJECT_SPEC,
    )


def list_transitive(ctx: Context, gid: str) -> GraphResponse:
    g = _group(ctx, gid)
    return list_collection(
        ctx,
        lambda: _member_objects(ctx, dir_groups.transitive_member_ids(ctx.tenant, g["id"])),
        odata.DIRECTORY_OBJECT_SPEC,
        path=f"/groups/{gid}/transitiveMembers",
        entity_set="directoryObjects",
    )


def add_member_ref(ctx: Context, gid: str) -> GraphResponse:
    g = _group(ctx, gid)
    body = ctx.json_body()
    if not isinstance(body, dict) or not isinstance(body.get("@odata.id"), str):
        raise bad_request("The request body must contain an '@odata.id' reference to a directory object.")
    member_id = dir_groups.reference_id(body["@odata.id"])
    dir_groups.add_member(ctx.tenant, g, member_id)
    targets = auditing.membership_targets(ctx, g, member_id, added=True)
    auditing.record(ctx, auditing.GROUP_MANAGEMENT, "Add member to group", "Assign", targets)
    return GraphResponse(204)


def remove_member_ref(ctx: Context, gid: str, mid: str) -> GraphResponse:
    g = _group(ctx, gid)
    dir_groups.remove_member(ctx.tenant, g, mid.lower())
    targets = auditing.membership_targets(ctx, g, mid.lower(), added=False)
    auditing.record(ctx, auditing.GROUP_MANAGEMENT, "Remove member from group", "Unassign", targets)
    return GraphResponse(204)


def register(router: GraphRouter) -> None:
    router.add("GET", "/groups/delta", delta.groups_delta, perm.GROUPS_READ)
    router.add("GET", "/groups", list_groups, perm.GROUPS_READ)
    router.add("GET", "/groups/$count", count_groups, perm.GROUPS_READ)
    router.add("POST", "/groups", create_group, perm.GROUPS_WRITE)
    router.add("GET", "/groups/{gid}", get_group, perm.GROUPS_READ)
    router.add("PATCH", "/groups/{gid}", update_group, perm.GROUPS_WRITE)
    router.add("DELETE", "/groups/{gid}", delete_group, perm.GROUPS_WRITE)
    router.add("GET", "/groups/{gid}/members", list_members, perm.GROUPS_READ)
    router.add("GET", "/groups/{gid}/members/$count", count_members, perm.GROUPS_READ)
    router.add("POST", "/groups/{gid}/members/$ref", add_member_ref, perm.MEMBERS_WRITE)
    router.add("DELETE", "/groups/{gid}/members/{mid}/$ref", remove_member_ref, perm.MEMBERS_WRITE)
    router.add("GET", "/groups/{gid}/transitiveMembers", list_transitive, perm.GROUPS_READ)
