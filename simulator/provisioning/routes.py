"""The synchronization API on the wire: Graph routes over the provisioning service's API (``api.py``).

Application template instantiation, templates, jobs, schema, secrets, start / pause / restart,
validateCredentials and provisionOnDemand: each route parses the request, calls the service and shapes
Graph's response (as moto's ``responses.py`` does beside its models). The Graph router registers them
(``simulator/graph/resources/__init__.py``); this module needs of the router only the objects it is given.

Routes run without the store lock: the service serializes job work itself, and its cycles call back
into the router (which takes the store lock per request).
"""

from __future__ import annotations

from typing import Any

from simulator.directory.tenant import Tenant
from simulator.provisioning.api import TEMPLATE_ID, SynchronizationApi
from simulator.wire import permissions as perm
from simulator.wire.errors import not_found
from simulator.wire.message import GraphResponse
from simulator.wire.routing import RequestContext, RouteTable

Context = RequestContext[Tenant]

_BASE = "/servicePrincipals/{sid}/synchronization"


def register(router: RouteTable, service: SynchronizationApi) -> None:
    """Add the synchronization routes, served by ``service``, to ``router``."""

    def ctx_url(ctx: Context, tail: str) -> str:
        return f"{ctx.root}/$metadata#{tail}"

    def instantiate(ctx: Context, tid: str) -> GraphResponse:
        if tid.lower() != TEMPLATE_ID:
            raise not_found(tid)
        body = service.instantiate(ctx.tenant, ctx.json_body(), ctx.now)
        return GraphResponse(
            201, {"@odata.context": ctx_url(ctx, "microsoft.graph.applicationServicePrincipal"), **body}
        )

    def get_template(ctx: Context, tid: str) -> GraphResponse:
        if tid.lower() != TEMPLATE_ID:
            raise not_found(tid)
        return GraphResponse(200, {
            "@odata.context": ctx_url(ctx, "applicationTemplates/$entity"), "id": TEMPLATE_ID,
            "displayName": "Cross-tenant synchronization", "categories": ["identity"], "publisher": "Microsoft Corporation",
            "supportedProvisioningTypes": ["sync"], "supportedSingleSignOnModes": ["notSupported"],
        })  # fmt: skip

    def templates(ctx: Context, sid: str) -> GraphResponse:
        return GraphResponse(
            200,
            {
                "@odata.context": ctx_url(ctx, f"servicePrincipals('{sid}')/synchronization/templates"),
                "value": service.templates(ctx.tenant, sid),
            },
        )

    def list_jobs(ctx: Context, sid: str) -> GraphResponse:
        jobs = [service.job_json(j) for j in service.jobs_of(ctx.tenant, sid)]
        return GraphResponse(
            200,
            {
                "@odata.context": ctx_url(ctx, f"servicePrincipals('{sid}')/synchronization/jobs"),
                "value": jobs,
            },
        )

    def create_job(ctx: Context, sid: str) -> GraphResponse:
        job = service.create_job(ctx.tenant, sid, ctx.json_body(), ctx.now)
        return GraphResponse(
            201,
            {
                "@odata.context": ctx_url(ctx, f"servicePrincipals('{sid}')/synchronization/jobs/$entity"),
                **service.job_json(job),
            },
        )

    def get_job(ctx: Context, sid: str, jid: str) -> GraphResponse:
        job = service.job(ctx.tenant, sid, jid)
        return GraphResponse(
            200,
            {
                "@odata.context": ctx_url(ctx, f"servicePrincipals('{sid}')/synchronization/jobs/$entity"),
                **service.job_json(job),
            },
        )

    def delete_job(ctx: Context, sid: str, jid: str) -> GraphResponse:
        service.delete_job(service.job(ctx.tenant, sid, jid))
        return GraphResponse(204)

    def get_schema(ctx: Context, sid: str, jid: str) -> GraphResponse:
        job = service.job(ctx.tenant, sid, jid)
        return GraphResponse(
            200,
            {
                "@odata.context": ctx_url(
                    ctx, f"servicePrincipals('{sid}')/synchronization/jobs('{jid}')/schema/$entity"
                ),
                **service.schema(job),
            },
        )

    def put_schema(ctx: Context, sid: str, jid: str) -> GraphResponse:
        service.put_schema(
            ctx.tenant,
            service.job(ctx.tenant, sid, jid),
            ctx.json_body(),
            patch=ctx.request.method == "PATCH",
        )
        return GraphResponse(204)

    def put_secrets(ctx: Context, sid: str) -> GraphResponse:
        service.put_secrets(ctx.tenant, sid, ctx.json_body())
        return GraphResponse(204)

    def action(name: str) -> Any:
        def handler(ctx: Context, sid: str, jid: str) -> GraphResponse:
            job = service.job(ctx.tenant, sid, jid)
            if name == "start":
                service.start(ctx.tenant, job)
            elif name == "pause":
                service.pause(ctx.tenant, job)
            else:
                service.restart(ctx.tenant, job, ctx.json_body() if ctx.request.body else {})
            return GraphResponse(204)

        return handler

    def validate(ctx: Context, sid: str, jid: str | None = None) -> GraphResponse:
        job = service.job(ctx.tenant, sid, jid) if jid else None
        # the licence warning is kept off Graph: GET /_simulator/provisioning/configurations/{sp}/licence-warning
        service.validate_credentials(ctx.tenant, sid, ctx.json_body(), job)
        return GraphResponse(204)

    def on_demand(ctx: Context, sid: str, jid: str) -> GraphResponse:
        body = service.provision_on_demand(ctx.tenant, service.job(ctx.tenant, sid, jid), ctx.json_body())
        return GraphResponse(
            200, {"@odata.context": ctx_url(ctx, "microsoft.graph.stringKeyStringValuePair"), **body}
        )

    add = router.add
    add("POST", "/applicationTemplates/{tid}/instantiate", instantiate, perm.APPS_WRITE, locked=False)
    add(
        "GET",
        "/applicationTemplates/{tid}",
        get_template,
        perm.APPS_READ,
        locked=False,
    )
    add("GET", f"{_BASE}/templates", templates, perm.SYNC_READ, locked=False)
    add("POST", f"{_BASE}/jobs/validateCredentials", validate, perm.SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs", list_jobs, perm.SYNC_READ, locked=False)
    add("POST", f"{_BASE}/jobs", create_job, perm.SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs/{{jid}}", get_job, perm.SYNC_READ, locked=False)
    add("DELETE", f"{_BASE}/jobs/{{jid}}", delete_job, perm.SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs/{{jid}}/schema", get_schema, perm.SYNC_READ, locked=False)
    add("PUT", f"{_BASE}/jobs/{{jid}}/schema", put_schema, perm.SYNC_WRITE, locked=False)
    add("PATCH", f"{_BASE}/jobs/{{jid}}/schema", put_schema, perm.SYNC_WRITE, locked=False)
    add("PUT", f"{_BASE}/secrets", put_secrets, perm.SYNC_WRITE, locked=False)
    for name in ("start", "pause", "restart"):
        add("POST", f"{_BASE}/jobs/{{jid}}/{name}", action(name), perm.SYNC_WRITE, locked=False)
    add("POST", f"{_BASE}/jobs/{{jid}}/validateCredentials", validate, perm.SYNC_WRITE, locked=False)
    add("POST", f"{_BASE}/jobs/{{jid}}/provisionOnDemand", on_demand, perm.SYNC_WRITE, locked=False)
