"""The world and its tenants: the endpoints document, reset, tenants listed and seeded, delta reset."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, Protocol

from flask import Blueprint, Response

from simulator.clouds import FLAVOR_CLOUD, Cloud
from simulator.endpoints import tenant_record
from simulator.web.control.messages import ControlError, json_body, json_response

if TYPE_CHECKING:
    from simulator.directory.store import Store
    from simulator.directory.tenant import Tenant
    from simulator.runtime import SimulatorConfig

MAX_SEEDED_USERS = 1_000_000


class World(Protocol):
    """What the world routes need of the simulator."""

    config: SimulatorConfig
    store: Store

    def endpoints(self) -> dict[str, Any]: ...

    def reset(self, *, empty: bool = False, seed: int | None = None, world: Any = None) -> None: ...

    def create_tenant(
        self,
        *,
        name: str,
        cloud: Cloud,
        flavor: str,
        users: int,
        seed: int | None,
        domain: str | None = None,
        tenant_id: str | None = None,
        licences: dict[str, Any] | None = None,
    ) -> Tenant: ...


def no_unknown_keys(body: dict[str, Any], known: set[str]) -> None:
    """A 400 naming a key the operation does not take (a typo would otherwise be silently ignored)."""
    unknown = sorted(set(body) - known)
    if unknown:
        near = difflib.get_close_matches(unknown[0], sorted(known), n=1)
        hint = f" Did you mean '{near[0]}'?" if near else f" Known keys: {', '.join(sorted(known))}."
        raise ControlError(400, "BadRequest", f"Unknown key '{unknown[0]}'.{hint}")


def _mapping(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    """An optional object in a request body (world-file syntax), or a 400 naming the key."""
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise ControlError(400, "BadRequest", f'\'{key}\' must be an object such as {{"P1": "100%"}}.')
    return value


def _seed(body: dict[str, Any], default: int | None = None) -> int | None:
    seed = body.get("seed", default)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise ControlError(400, "BadRequest", "'seed' must be an integer.")
    return seed


def world_blueprint(sim: World) -> Blueprint:
    """``/_simulator/endpoints``, ``/_simulator/reset``, ``/_simulator/tenants[...]``."""
    bp = Blueprint("world", __name__, url_prefix="/_simulator")

    @bp.get("/endpoints")
    def endpoints() -> Response:
        return json_response(200, sim.endpoints())

    @bp.post("/reset")
    def reset() -> Response:
        from simulator.world import WorldError, parse_world

        body = json_body()
        seed = _seed(body)
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
        no_unknown_keys(body, {"seed", "world", "empty"})
        try:
            sim.reset(empty=empty, seed=seed, world=world)
        except WorldError as exc:  # parsed, but cannot be built: reset put the started world back
            raise ControlError(
                400, "BadRequest", f"{exc} (the simulator is back to the world it started with)"
            ) from None
        return json_response(200, {"tenants": len(sim.store.tenants)})

    @bp.get("/tenants")
    def list_tenants() -> Response:
        with sim.store.lock:
            return json_response(200, {"value": [tenant_record(t) for t in sim.store.tenants.values()]})

    @bp.post("/tenants")
    def create_tenant() -> Response:
        from simulator.world import WorldError

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
        seed = _seed(body, sim.config.seed)
        for key in ("domain", "id"):
            if body.get(key) is not None and not isinstance(body[key], str):
                raise ControlError(400, "BadRequest", f"'{key}' must be a string.")
        no_unknown_keys(body, {"cloud", "flavor", "users", "name", "seed", "domain", "id", "licences"})
        try:
            tenant = sim.create_tenant(
                name=name,
                cloud=Cloud(cloud_name),
                flavor=flavor,
                users=users,
                seed=seed,
                domain=body.get("domain"),
                tenant_id=body.get("id"),
                licences=_mapping(body, "licences"),
            )
        except (WorldError, ValueError) as exc:
            raise ControlError(409 if "already" in str(exc) else 400, "BadRequest", str(exc)) from None
        return json_response(201, tenant_record(tenant))

    @bp.post("/tenants/<tenant_id>/delta/reset")
    def reset_delta(tenant_id: str) -> Response:
        with sim.store.lock:
            tenant = sim.store.tenant(tenant_id)
            if tenant is None:
                raise ControlError(404, "NotFound", f"No tenant '{tenant_id}'.")
            tenant.changes.reset()
        return json_response(200, {"tenant": tenant.id, "epoch": tenant.changes.epoch})

    return bp
