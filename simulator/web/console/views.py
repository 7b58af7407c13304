"""The console's routes: thin — read from :mod:`.read`, act through the simulator's own services."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Response, g, redirect, render_template, request, url_for

from simulator.clock import iso, parse_duration
from simulator.web.console import read
from simulator.web.locality import CSRF_COOKIE, CSRF_FIELD, CsrfTokens
from simulator.wire.errors import GraphError

if TYPE_CHECKING:
    from simulator.web.console import ConsoleSimulator

TEMPLATES = Path(__file__).parent / "templates"
ACTIONS = ("create", "update", "delete", "disable", "stagedDelete", "other")
STATUSES = ("success", "failure", "skipped", "warning")
ADVANCE_CHOICES = (
    ("PT1M", "1 minute"),
    ("PT40M", "40 minutes (one cycle)"),
    ("PT6H", "6 hours"),
    ("P1D", "1 day"),
)


class ActionError(Exception):
    """A console action was refused; shown to the admin with this status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _page() -> int:
    try:
        return max(int(request.args.get("page", "0")), 0)
    except ValueError:
        return 0


def _when(value: Any) -> str:
    """A Graph time or a datetime, shown as ``2026-01-01 10:40:00 UTC``."""
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        parsed = read.parse_time(value)
        if parsed is None:
            return value
        value = parsed
    return iso(value).replace("T", " ").replace("Z", " UTC")


def _span(delta: timedelta | None) -> str:
    if delta is None:
        return "—"
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "now"
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return " ".join(f"{v} {u}" for v, u in ((hours, "h"), (minutes, "min"), (secs, "s")) if v)


def console_blueprint(sim: ConsoleSimulator, csrf: CsrfTokens) -> Blueprint:
    bp = Blueprint("console", __name__, url_prefix="/console", template_folder=str(TEMPLATES))
    checks = read.LicenceChecks()

    @bp.before_request
    def csrf_cookie() -> None:
        cookie = request.cookies.get(CSRF_COOKIE)
        g.new_cookie = None
        if not cookie:
            cookie = g.new_cookie = CsrfTokens.new_cookie()
        g.csrf_token = csrf.token(cookie)

    @bp.after_request
    def headers(resp: Response) -> Response:
        if g.get("new_cookie"):
            resp.set_cookie(CSRF_COOKIE, g.new_cookie, httponly=True, samesite="Strict", path="/console/")
        # The console's pages use only their own inline style: no framing, no foreign resources.
        resp.headers["Content-Security-Policy"] = (
            "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; "
            "frame-ancestors 'none'; base-uri 'none'"
        )
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        resp.headers["Cache-Control"] = "no-store"
        return resp

    @bp.app_template_filter("when")
    def when_filter(value: Any) -> str:
        return _when(value)

    @bp.app_template_filter("span")
    def span_filter(value: timedelta | None) -> str:
        return _span(value)

    @bp.app_template_filter("pct")
    def pct_filter(value: float | None) -> str:
        return "—" if value is None else f"{max(value, 0) * 100:.0f} %"

    @bp.app_template_filter("pretty")
    def pretty_filter(value: Any) -> str:
        return json.dumps(value, indent=1, sort_keys=True) if not isinstance(value, str) else value

    def render(template: str, status: int = 200, **ctx: Any) -> tuple[str, int]:
        with sim.store.lock:
            tenants = sorted(
                (
                    {"id": t.id, "name": t.display_name, "cloud": t.cloud.value}
                    for t in sim.store.tenants.values()
                ),
                key=lambda t: t["name"].lower(),
            )
        return (
            render_template(
                template,
                csrf_field=CSRF_FIELD,
                csrf_token=g.csrf_token,
                clock_now=sim.clock.now(),
                clock_virtual=sim.clock.is_virtual,
                all_tenants=tenants,
                notice=request.args.get("notice", ""),
                **ctx,
            ),
            status,
        )

    def source_tenant() -> Any:
        """The tenant a page is about: ``?tenant=``, else the first with a configuration, else the first."""
        key = request.args.get("tenant") or request.form.get("tenant") or ""
        if key:
            return read.tenant_of(sim, key)
        with sim.provisioning.lock:
            first = next(iter(sorted(sim.provisioning.jobs.values(), key=lambda j: j.created)), None)
        if first is not None and first.tenant_id in sim.store.tenants:
            return sim.store.tenants[first.tenant_id]
        with sim.store.lock:
            tenants = sorted(sim.store.tenants.values(), key=lambda t: t.display_name.lower())
        if not tenants:
            raise read.NotFound("The simulator has no tenants (it was reset empty).")
        return tenants[0]

    @bp.errorhandler(read.NotFound)
    def not_found(exc: read.NotFound) -> tuple[str, int]:
        return render("message.html", 404, title="Not found", message=str(exc))

    @bp.errorhandler(ActionError)
    def refused(exc: ActionError) -> tuple[str, int]:
        return render("message.html", exc.status, title="Not done", message=exc.message)

    # -- pages -------------------------------------------------------------------------------

    @bp.get("/")
    def tenants() -> tuple[str, int]:
        return render("tenants.html", clouds=read.clouds(sim))

    @bp.get("/tenants/<tenant_id>")
    def tenant(tenant_id: str) -> tuple[str, int]:
        t = read.tenant_of(sim, tenant_id)
        return render(
            "tenant.html",
            tenant=t,
            settings=read.access_settings(sim, t),
            configurations=read.configurations(sim, t),
        )

    @bp.get("/configurations")
    def configurations() -> tuple[str, int]:
        t = source_tenant()
        return render("configurations.html", tenant=t, configurations=read.configurations(sim, t, checks))

    @bp.get("/configurations/<sp_id>/unlicensed")
    def unlicensed(sp_id: str) -> tuple[str, int]:
        t = source_tenant()
        job = read.job_of(sim, t, sp_id)
        report = checks.report(sim, t, job)
        if report is None:
            raise read.NotFound("The configuration has no target tenant yet (no saved credentials).")
        page = read.paged(report.unlicensed, _page())
        return render(
            "unlicensed.html",
            tenant=t,
            configuration=read.configuration(sim, t, job),
            report=report,
            page=page,
        )

    @bp.get("/logs")
    def logs() -> tuple[str, int]:
        t = source_tenant()
        flt = read.LogFilter.from_args(request.args)
        page = read.provisioning_logs(sim, t, flt, _page())
        args = {k: v for k, v in request.args.items() if k != "page" and v}
        return render(
            "logs.html",
            400 if flt.errors else 200,
            tenant=t,
            flt=flt,
            page=page,
            actions=ACTIONS,
            statuses=STATUSES,
            query=args,
            configurations=read.configurations(sim, t),
            page_url=lambda n: url_for("console.logs", **{**args, "page": n}),
        )

    @bp.get("/logs/<record_id>")
    def log_record(record_id: str) -> tuple[str, int]:
        t = source_tenant()
        return render("log_record.html", tenant=t, record=read.provisioning_record(sim, t, record_id))

    @bp.get("/audit")
    def audit() -> tuple[str, int]:
        t = source_tenant()
        service = request.args.get("service", "")
        if service not in ("", "provisioning", "syncfabric"):
            service = ""
        page = read.audit_logs(sim, t, service, _page())
        return render(
            "audit.html",
            tenant=t,
            service=service,
            page=page,
            page_url=lambda n: url_for("console.audit", tenant=t.id, service=service, page=n),
        )

    @bp.get("/traffic")
    def traffic() -> tuple[str, int]:
        return render("traffic.html", traffic=read.traffic(sim))

    @bp.get("/time")
    def time() -> tuple[str, int]:
        return render("time.html", due=read.due_cycles(sim), choices=ADVANCE_CHOICES)

    # -- actions (form posts; the locality guard checked origin and CSRF token) ----------------

    def back(endpoint: str, notice: str, **args: Any) -> Response:
        return redirect(url_for(endpoint, **args, notice=notice), code=303)  # type: ignore[return-value]

    @bp.post("/time/advance")
    def advance() -> Response:
        text = request.form.get("by", "")
        try:
            delta = parse_duration(text)
        except ValueError as exc:
            raise ActionError(400, f"'{text}' is {exc}") from None
        if not sim.clock.is_virtual:
            raise ActionError(409, "The clock is real; switch it to virtual time first (on this page).")
        ran = sim.advance_clock(delta)
        return back("console.time", f"Advanced the clock by {text}: {ran} cycle(s) ran.")

    @bp.post("/time/virtual")
    def virtual() -> Response:
        if not sim.clock.is_virtual:
            sim.clock.set_virtual()
        return back("console.time", "The clock is virtual: it moves only when advanced.")

    @bp.post("/configurations/<sp_id>/<verb>")
    def job_action(sp_id: str, verb: str) -> Response:
        t = source_tenant()
        job = read.job_of(sim, t, sp_id)
        name = read.configuration(sim, t, job)["name"]
        if verb == "start":
            sim.provisioning.start(t, job)
            return back("console.configurations", f"Started provisioning for {name}.", tenant=t.id)
        if verb == "pause":
            sim.provisioning.pause(t, job)
            return back("console.configurations", f"Paused provisioning for {name}.", tenant=t.id)
        if verb == "provision":
            return provision_on_demand(t, job, name)
        raise read.NotFound(f"No action '{verb}'.")

    def provision_on_demand(t: Any, job: Any, name: str) -> Response:
        who = request.form.get("user", "").strip()
        with sim.store.lock:
            user = t.users.get(who.lower()) if who else None
            if user is None and who:
                uid = t.upn_index.get(who.lower())
                user = t.users.get(uid) if uid else None
        if user is None:
            raise ActionError(400, f"No user '{who}' in {t.display_name}: give a user's object id or UPN.")
        rule = job.schema["synchronizationRules"][0]["id"]
        body = {
            "parameters": [{"ruleId": rule, "subjects": [{"objectId": user["id"], "objectTypeName": "User"}]}]
        }
        try:
            result = sim.provisioning.provision_on_demand(t, job, body)
        except GraphError as exc:
            raise ActionError(exc.status, exc.message) from None
        outcome = json.loads(result["value"])[0]
        html, status = render("on_demand.html", tenant=t, name=name, user=user, outcome=outcome)
        return Response(html, status=status)

    return bp
