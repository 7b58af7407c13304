"""The control plane under ``/_simulator/``: endpoints, reset, tenants, clock, snapshots.

Plain HTTP on loopback; never reachable through a tenant's Graph root.
"""

from __future__ import annotations

import json
import logging
import os
import re
from datetime import datetime
from typing import TYPE_CHECKING, Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from simulator.clock import ClockRangeError, iso, parse_duration
from simulator.clouds import FLAVOR_CLOUD, Cloud
from simulator.directory.store import SnapshotError
from simulator.endpoints import tenant_record
from simulator.web.control_error import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.runtime import Simulator

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
MAX_SEEDED_USERS = 1_000_000


def _free_domain(sim: Simulator, name: str, cloud: Cloud) -> str:
    """The tenant's initial domain, numbered when another tenant already has it (``acme2.onmicrosoft.com``)."""
    from simulator.world.spec import default_domain

    base = default_domain(name, cloud)
    label, suffix = base.split(".", 1)
    candidate, n = base, 1
    while sim.store.tenant(candidate) is not None:
        n += 1
        candidate = f"{label}{n}.{suffix}"
    return candidate


def _no_unknown_keys(body: dict[str, Any], known: set[str]) -> None:
    """A 400 naming a key the operation does not take (a typo would otherwise be silently ignored)."""
    unknown = sorted(set(body) - known)
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f" Did you mean '{near[0]}'?" if near else f" Known keys: {', '.join(sorted(known))}."
        raise ControlError(400, "BadRequest", f"Unknown key '{unknown[0]}'.{hint}")


def _mapping(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    """An optional object in a request body (world-file syntax), or a 400 naming the key."""
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise ControlError(400, "BadRequest", f'\'{key}\' must be an object such as {{"P1": "100%"}}.')
    return value


def create_control_app(sim: Simulator) -> Flask:
    app = Flask("ccsync-control")
    app.config["MAX_CONTENT_LENGTH"] = 512 * 1024 * 1024

    @app.get("/_simulator/endpoints")
    def endpoints() -> Response:
        return json_response(200, sim.endpoints())

    @app.post("/_simulator/reset")
    def reset() -> Response:
        from simulator.world import WorldError, parse_world

        body = json_body()
        seed = body.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError(400, "BadRequest", "'seed' must be an integer.")
        world = body.get("world")
        if world is not None:
            if not isinstance(world, str):
                raise ControlError(400, "BadRequest", "'world' must be the world file's YAML text.")
            try:
                world = parse_world(world, "the reset request's world")
            except WorldError as exc:
                raise ControlError(400, "BadRequest", str(exc)) from None
        empty = body.get("empty", False)
        if not isinstance(empty, bool):
            raise ControlError(400, "BadRequest", "'empty' must be true or false.")
        _no_unknown_keys(body, {"seed", "world", "empty"})
        try:
            sim.reset(empty=empty, seed=seed, world=world)
        except WorldError as exc:  # parsed, but cannot be built (e.g. licence shares): not half a world
            sim.reset()
            sim.store.commit()
            sim.refresh_endpoints_file()
            raise ControlError(
                400, "BadRequest", f"{exc} (the simulator is back to the world it started with)"
            ) from None
        sim.store.commit()
        sim.refresh_endpoints_file()
        return json_response(200, {"tenants": len(sim.store.tenants)})

    @app.get("/_simulator/tenants")
    def list_tenants() -> Response:
        with sim.store.lock:
            return json_response(200, {"value": [tenant_record(t) for t in sim.store.tenants.values()]})

    @app.post("/_simulator/tenants")
    def create_tenant() -> Response:
        from simulator.world import WorldError, seed_tenant

        body = json_body()
        cloud_name = body.get("cloud")
        if cloud_name not in {c.value for c in Cloud}:
            raise ControlError(
                400, "BadRequest", f"'cloud' must be one of {', '.join(c.value for c in Cloud)}."
            )
        flavor = body.get("flavor") or cloud_name
        if FLAVOR_CLOUD.get(flavor) is not Cloud(cloud_name):
            raise ControlError(400, "BadRequest", f"flavor '{flavor}' does not live in cloud '{cloud_name}'.")
        users = body.get("users", 0)
        if not isinstance(users, int) or isinstance(users, bool) or not 0 <= users <= MAX_SEEDED_USERS:
            raise ControlError(400, "BadRequest", f"'users' must be an integer from 0 to {MAX_SEEDED_USERS}.")
        name = body.get("name") or f"Tenant {len(sim.store.tenants) + 1}"
        if not isinstance(name, str) or len(name) > 256:
            raise ControlError(400, "BadRequest", "'name' must be a string of at most 256 characters.")
        seed = body.get("seed", sim.config.seed)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise ControlError(400, "BadRequest", "'seed' must be an integer.")
        for key in ("domain", "id"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ControlError(400, "BadRequest", f"'{key}' must be a string.")
        _no_unknown_keys(body, {"cloud", "flavor", "users", "name", "seed", "domain", "id", "licences"})
        domain = body.get("domain")
        if domain is None:
            domain = _free_domain(sim, name, Cloud(cloud_name))
        try:
            # seed_tenant builds outside the store and takes the lock only to add: Graph keeps answering
            tenant = seed_tenant(
                sim.store,
                name=name,
                cloud=Cloud(cloud_name),
                flavor=flavor,
                users=users,
                seed=seed,
                domain=domain,
                tenant_id=body.get("id"),
                licences=_mapping(body, "licences"),
            )
        except (WorldError, ValueError) as exc:
            raise ControlError(409 if "already" in str(exc) else 400, "BadRequest", str(exc)) from None
        sim.store.commit()
        sim.refresh_endpoints_file()
        return json_response(201, tenant_record(tenant))

    @app.post("/_simulator/tenants/<tenant_id>/delta/reset")
    def reset_delta(tenant_id: str) -> Response:
        with sim.store.lock:
            tenant = sim.store.tenant(tenant_id)
            if tenant is None:
                raise ControlError(404, "NotFound", f"No tenant '{tenant_id}'.")
            tenant.changes.reset()
            sim.store.commit()
        return json_response(200, {"tenant": tenant.id, "epoch": tenant.changes.epoch})

    @app.get("/_simulator/clock")
    def get_clock() -> Response:
        return json_response(200, {"now": iso(sim.clock.now()), "virtual": sim.clock.is_virtual})

    @app.post("/_simulator/clock")
    def set_clock() -> Response:
        body = json_body()
        mode = body.get("mode")
        if mode == "virtual":
            start = body.get("now")
            try:
                when = datetime.fromisoformat(start.replace("Z", "+00:00")) if start else None
            except (AttributeError, ValueError):
                raise ControlError(
                    400, "BadRequest", "'now' must be an ISO-8601 date-time such as 2026-01-01T00:00:00Z."
                ) from None
            if when is not None and when.tzinfo is None:
                raise ControlError(400, "BadRequest", "'now' needs a time zone, e.g. a trailing Z.")
            try:
                sim.clock.set_virtual(when)
            except ClockRangeError as exc:
                raise ControlError(400, "BadRequest", f"'now': {exc}.") from None
        elif mode == "real":
            sim.clock.set_real()
        else:
            raise ControlError(400, "BadRequest", "'mode' must be 'virtual' or 'real'.")
        sim.store.commit()
        return json_response(200, {"now": iso(sim.clock.now()), "virtual": sim.clock.is_virtual})

    @app.post("/_simulator/clock/advance")
    def advance_clock() -> Response:
        body = json_body()
        try:
            delta = parse_duration(body.get("by", ""))
        except (ValueError, TypeError) as exc:
            raise ControlError(400, "BadRequest", f"'by' {exc}") from None
        try:
            ran = sim.advance_clock(delta)  # each cycle due on the way runs at its time, before the answer
        except ClockRangeError as exc:
            raise ControlError(400, "BadRequest", f"'by': {exc}.") from None
        except ValueError as exc:
            raise ControlError(409, "Conflict", str(exc)) from None
        return json_response(200, {"now": iso(sim.clock.now()), "virtual": True, "cyclesRun": ran})

    from simulator.web.control_provisioning import register_provisioning_routes

    register_provisioning_routes(app, sim)
    from simulator.web.control_licence_warning import register_licence_warning_routes

    register_licence_warning_routes(app, sim)
    from simulator.web.control_cross_cloud_sync import register_cross_cloud_sync_routes

    register_cross_cloud_sync_routes(app, sim)

    @app.post("/_simulator/provisioning/run")
    def run_provisioning() -> Response:
        return json_response(200, {"cyclesRun": sim.provisioning.run_due()})

    @app.get("/_simulator/provisioning/jobs")
    def provisioning_jobs() -> Response:
        with sim.provisioning.lock:
            jobs = [
                {"tenantId": j.tenant_id, "servicePrincipalId": j.sp_id, **sim.provisioning.job_json(j)}
                for j in sim.provisioning.jobs.values()
            ]
        return json_response(200, {"value": jobs})

    @app.get("/_simulator/snapshot")
    def get_snapshot() -> Response:
        return Response(json.dumps(sim.store.snapshot(), sort_keys=True), content_type="application/json")

    @app.put("/_simulator/snapshot")
    def put_snapshot() -> Response:
        _load(json_body())
        return json_response(200, {"tenants": len(sim.store.tenants)})

    @app.post("/_simulator/snapshot/save")
    def save_named() -> Response:
        name = _snapshot_name(json_body())
        path = sim.data_dir / "snapshots" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # it holds client secrets
        with os.fdopen(fd, "w") as fh:
            fh.write(json.dumps(sim.store.snapshot(), sort_keys=True))
        tmp.replace(path)
        return json_response(200, {"name": name, "path": str(path)})

    @app.post("/_simulator/snapshot/load")
    def load_named() -> Response:
        name = _snapshot_name(json_body())
        path = sim.data_dir / "snapshots" / f"{name}.json"
        if not path.exists():
            raise ControlError(404, "NotFound", f"No snapshot named '{name}' in {path.parent}.")
        try:
            doc = json.loads(path.read_text())
        except ValueError as exc:
            raise ControlError(400, "BadRequest", f"Snapshot file {path} is not JSON: {exc}") from None
        _load(doc)
        return json_response(200, {"name": name, "tenants": len(sim.store.tenants)})

    def _load(doc: dict[str, Any]) -> None:
        try:
            sim.store.restore(doc)
        except SnapshotError as exc:
            raise ControlError(400, "BadRequest", str(exc)) from None
        sim.store.commit()
        sim.refresh_endpoints_file()

    def _snapshot_name(body: dict[str, Any]) -> str:
        name = body.get("name")
        if not isinstance(name, str) or not _NAME.match(name):
            raise ControlError(400, "BadRequest", "'name' must be 1-64 letters, digits, '.', '_' or '-'.")
        return name

    from simulator.web.control_traffic import register_traffic_routes

    register_traffic_routes(app, sim)
    from simulator.web.control_licences import register_licence_routes

    register_licence_routes(app, sim)

    @app.errorhandler(ControlError)
    def control_error(exc: ControlError) -> Response:
        return json_response(exc.status, {"error": {"code": exc.code, "message": exc.message}})

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return json_response(
            exc.code or 400, {"error": {"code": exc.name.replace(" ", ""), "message": exc.description}}
        )

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unhandled error in control plane")
        return json_response(
            500,
            {
                "error": {
                    "code": "InternalError",
                    "message": "Unexpected error in the simulator; see its log.",
                }
            },
        )

    from simulator.web.locality import CsrfTokens, LocalityGuard

    app.extensions["ccsync.csrf"] = csrf = CsrfTokens()
    from simulator.web.console import register_console

    register_console(app, sim)
    app.wsgi_app = LocalityGuard(app.wsgi_app, form_prefix="/console/", csrf=csrf)  # type: ignore[method-assign]
    return app
