"""The synchronization API: application template instantiation, templates, jobs, schema, secrets,
start / pause / restart / validateCredentials / provisionOnDemand (the Entra provisioning service).

Routes run without the store lock: the service serializes job work itself, and its cycles call back
into the router (which takes the store lock per request).
"""

from __future__ import annotations

from typing import Any

from simulator.graph import permissions as perm
from simulator.graph.router import Context, GraphRouter
from simulator.provisioning.api import TEMPLATE_ID, SynchronizationApi
from simulator.wire.errors import not_found
from simulator.wire.message import GraphResponse

_SYNC_READ = (
    "Synchronization.Read.All",
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
_SYNC_WRITE = (
    "Synchronization.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Application.ReadWrite.All",
    "Directory.ReadWrite.All",
)
_BASE = "/servicePrincipals/{sid}/synchronization"


def register(router: GraphRouter, service: SynchronizationApi) -> None:
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
        perm.APPS_READ + ("Application.Read.All",),
        locked=False,
    )
    add("GET", f"{_BASE}/templates", templates, _SYNC_READ, locked=False)
    add("POST", f"{_BASE}/jobs/validateCredentials", validate, _SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs", list_jobs, _SYNC_READ, locked=False)
    add("POST", f"{_BASE}/jobs", create_job, _SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs/{{jid}}", get_job, _SYNC_READ, locked=False)
    add("DELETE", f"{_BASE}/jobs/{{jid}}", delete_job, _SYNC_WRITE, locked=False)
    add("GET", f"{_BASE}/jobs/{{jid}}/schema", get_schema, _SYNC_READ, locked=False)
    add("PUT", f"{_BASE}/jobs/{{jid}}/schema", put_schema, _SYNC_WRITE, locked=False)
    add("PATCH", f"{_BASE}/jobs/{{jid}}/schema", put_schema, _SYNC_WRITE, locked=False)
    add("PUT", f"{_BASE}/secrets", put_secrets, _SYNC_WRITE, locked=False)
    for name in ("start", "pause", "restart"):
        add("POST", f"{_BASE}/jobs/{{jid}}/{name}", action(name), _SYNC_WRITE, locked=False)
    add("POST", f"{_BASE}/jobs/{{jid}}/validateCredentials", validate, _SYNC_WRITE, locked=False)
    add("POST", f"{_BASE}/jobs/{{jid}}/provisionOnDemand", on_demand, _SYNC_WRITE, locked=False)
