"""``/applications`` and ``/servicePrincipals`` with secrets and ``appRoleAssignedTo``."""

from __future__ import annotations

import re

from simulator.directory import apps as dir_apps
from simulator.directory.collection import Obj
from simulator.directory.schema import APPLICATION_WRITABLE, SERVICE_PRINCIPAL_WRITABLE, check_properties
from simulator.graph import odata
from simulator.graph.listing import list_collection, single
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import not_found
from simulator.wire.message import GraphResponse

_ALT_KEY = re.compile(r"^\(appId='([^']+)'\)$", re.IGNORECASE)


def _find(coll, key: str) -> Obj:  # noqa: ANN001
    m = _ALT_KEY.match(key) if key.startswith("(") else None
    if m:
        found = next((o for o in coll.values() if o["appId"].lower() == m.group(1).lower()), None)
    else:
        found = coll.get(key.lower())
    if found is None:
        raise not_found(m.group(1) if m else key)
    return found


def list_apps(ctx: Context) -> GraphResponse:
    return list_collection(ctx, ctx.tenant.applications, odata.APPLICATION_SPEC, path="/applications")


def get_app(ctx: Context, aid: str) -> GraphResponse:
    return single(ctx, _find(ctx.tenant.applications, aid), odata.APPLICATION_SPEC, "applications")


def create_app(ctx: Context) -> GraphResponse:
    app = dir_apps.create_application(ctx.tenant, ctx.json_body(), ctx.now)
    return GraphResponse(
        201,
        {"@odata.context": f"{ctx.root}/$metadata#applications/$entity", **app},
        {"Location": f"{ctx.root}/applications/{app['id']}"},
    )


def update_app(ctx: Context, aid: str) -> GraphResponse:
    app = _find(ctx.tenant.applications, aid)
    ctx.tenant.applications.touch(app["id"])
    app.update(
        check_properties(
            ctx.json_body(), APPLICATION_WRITABLE, frozenset({"id", "appId"}), "application", "Application"
        )
    )
    return GraphResponse(204)


def delete_app(ctx: Context, aid: str) -> GraphResponse:
    app = _find(ctx.tenant.applications, aid)
    ctx.tenant.applications.remove(app["id"])
    ctx.tenant.apps.pop(app["appId"], None)
    sp = next((s for s in ctx.tenant.service_principals.values() if s["appId"] == app["appId"]), None)
    if sp is not None:  # as in Entra, the home tenant's service principal goes with its application
        delete_sp(ctx, sp["id"])
    return GraphResponse(204)


def add_password(ctx: Context, aid: str) -> GraphResponse:
    app = _find(ctx.tenant.applications, aid)
    body = ctx.json_body() if ctx.request.body else {}
    cred = dir_apps.add_password(ctx.tenant, app, body, ctx.now)
    return GraphResponse(
        200, {"@odata.context": f"{ctx.root}/$metadata#microsoft.graph.passwordCredential", **cred}
    )


def remove_password(ctx: Context, aid: str) -> GraphResponse:
    app = _find(ctx.tenant.applications, aid)
    dir_apps.remove_password(ctx.tenant, app, ctx.json_body())
    return GraphResponse(204)


def list_sps(ctx: Context) -> GraphResponse:
    return list_collection(
        ctx, ctx.tenant.service_principals, odata.SERVICE_PRINCIPAL_SPEC, path="/servicePrincipals"
    )


def get_sp(ctx: Context, sid: str) -> GraphResponse:
    return single(
        ctx, _find(ctx.tenant.service_principals, sid), odata.SERVICE_PRINCIPAL_SPEC, "servicePrincipals"
    )


def create_sp(ctx: Context) -> GraphResponse:
    sp = dir_apps.create_service_principal(ctx.tenant, ctx.json_body())
    return GraphResponse(
        201,
        {"@odata.context": f"{ctx.root}/$metadata#servicePrincipals/$entity", **sp},
        {"Location": f"{ctx.root}/servicePrincipals/{sp['id']}"},
    )


def update_sp(ctx: Context, sid: str) -> GraphResponse:
    sp = _find(ctx.tenant.service_principals, sid)
    props = check_properties(
        ctx.json_body(),
        SERVICE_PRINCIPAL_WRITABLE,
        frozenset({"id", "appId"}),
        "servicePrincipal",
        "ServicePrincipal",
    )
    sp.update(props)
    ctx.tenant.service_principals.touch(sp["id"])
    return GraphResponse(204)


def delete_sp(ctx: Context, sid: str) -> GraphResponse:
    sp = _find(ctx.tenant.service_principals, sid)
    ctx.tenant.service_principals.remove(sp["id"])
    for a in [
        a
        for a in ctx.tenant.app_role_assignments.values()
        if a["resourceId"] == sp["id"] or a["principalId"] == sp["id"]
    ]:
        ctx.tenant.app_role_assignments.remove(a["id"])
    return GraphResponse(204)


def list_assigned_to(ctx: Context, sid: str) -> GraphResponse:
    sp = _find(ctx.tenant.service_principals, sid)
    items = ctx.tenant.app_role_assignments
    return list_collection(
        ctx,
        lambda: [a for a in items.values() if a["resourceId"] == sp["id"]],
        odata.GENERIC_SPEC,
        path=f"/servicePrincipals/{sid}/appRoleAssignedTo",
        entity_set=f"servicePrincipals('{sp['id']}')/appRoleAssignedTo",
    )


def create_assigned_to(ctx: Context, sid: str) -> GraphResponse:
    sp = _find(ctx.tenant.service_principals, sid)
    a = dir_apps.assign_app_role(ctx.tenant, sp, ctx.json_body(), ctx.now)
    return GraphResponse(
        201,
        {
            "@odata.context": f"{ctx.root}/$metadata#servicePrincipals('{sp['id']}')/appRoleAssignedTo/$entity",
            **a,
        },
    )


def delete_assigned_to(ctx: Context, sid: str, aid: str) -> GraphResponse:
    sp = _find(ctx.tenant.service_principals, sid)
    a = ctx.tenant.app_role_assignments.get(aid)
    if a is None or a["resourceId"] != sp["id"]:
        raise not_found(aid)
    ctx.tenant.app_role_assignments.remove(aid)
    return GraphResponse(204)


def register(router: GraphRouter) -> None:
    router.add("GET", "/applications", list_apps, perm.APPS_READ)
    router.add("POST", "/applications", create_app, perm.APPS_WRITE)
    router.add("GET", "/applications/{aid}", get_app, perm.APPS_READ)
    router.add("PATCH", "/applications/{aid}", update_app, perm.APPS_WRITE)
    router.add("DELETE", "/applications/{aid}", delete_app, perm.APPS_WRITE)
    router.add("POST", "/applications/{aid}/addPassword", add_password, perm.APPS_WRITE)
    router.add("POST", "/applications/{aid}/removePassword", remove_password, perm.APPS_WRITE)
    router.add("GET", "/servicePrincipals", list_sps, perm.APPS_READ)
    router.add("POST", "/servicePrincipals", create_sp, perm.APPS_WRITE)
    router.add("GET", "/servicePrincipals/{sid}", get_sp, perm.APPS_READ)
    router.add("PATCH", "/servicePrincipals/{sid}", update_sp, perm.APPS_WRITE)
    router.add("DELETE", "/servicePrincipals/{sid}", delete_sp, perm.APPS_WRITE)
    router.add("GET", "/servicePrincipals/{sid}/appRoleAssignedTo", list_assigned_to, perm.APP_ROLES_READ)
    router.add("POST", "/servicePrincipals/{sid}/appRoleAssignedTo", create_assigned_to, perm.APP_ROLES_WRITE)
    router.add(
        "DELETE", "/servicePrincipals/{sid}/appRoleAssignedTo/{aid}", delete_assigned_to, perm.APP_ROLES_WRITE
    )
