"""Populate a store from a world spec: tenants, people, licences, groups and apps, deterministically.

Every tenant draws from its own seeded streams (``"{seed}:{tenant name}:{part}"``), so adding a
tenant, a group or an app to a world leaves everything else byte-identical.
"""

from __future__ import annotations

import gc
import random
import string
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import Any

from simulator.clouds import Cloud
from simulator.directory import cross_cloud_sync
from simulator.directory.apps import register_app
from simulator.directory.collection import Obj
from simulator.directory.groups import create_group
from simulator.directory.policies import init_policies
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.directory.users import create_user, set_licenses
from simulator.world.people import (
    LocalePeople,
    ascii_name,
    iter_guests,
    iter_members,
    locale_people,
    new_id,
)
from simulator.world.spec import (
    DEFAULT_SEED,
    AppSpec,
    GroupSpec,
    LicenceSpec,
    Share,
    TenantSpec,
    WorldError,
    WorldSpec,
    tenant_spec,
)

#: What :func:`seed_tenant` gives a tenant unless told otherwise (same keys as a world file).
SEED_DEFAULT_LICENCES: Mapping[str, str] = MappingProxyType(
    {"P1+ID_GOVERNANCE": "55%", "SUITE": "15%", "P1": "15%", "P2": "5%"}
)
SEED_DEFAULT_GROUPS: tuple[Mapping[str, str], ...] = tuple(
    MappingProxyType(g)
    for g in (
        {
            "name": "Cross-cloud sync users",
            "members": "40%",
            "description": "Users in scope of cross-cloud sync",
        },
        {"name": "Engineering", "department": "Engineering"},
        {"name": "Sales", "department": "Sales"},
        {"name": "Finance", "department": "Finance"},
    )
)
_SECRET_ALPHABET = string.ascii_letters + string.digits + "_-.~"
_USER_TYPE = "#microsoft.graph.user"


#: A tenant at least this large is moved out of the cyclic GC's sight once built (see ``_gc_paused``).
FREEZE_AT_USERS = 100_000


@contextmanager
def _gc_paused(*, freeze: bool = False) -> Iterator[None]:
    """Pause the cyclic GC while millions of acyclic objects are created (it rescans them all, often).

    With ``freeze``, a build that succeeds then moves every object the GC tracks to its permanent
    generation (``gc.freeze``): a million seeded users are two million tracked objects (records,
    phone lists) that each later full collection would traverse for ~1.5 s, stalling requests, to
    find nothing (they form no cycles). Reference counting still frees them when they go.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        if freeze:
            gc.freeze()
    finally:
        if enabled:
            gc.enable()


class PeopleCache:
    """Name pools per locale, so each locale asks faker only once (per build, or per simulator)."""

    def __init__(self) -> None:
        self._pools: dict[str, LocalePeople] = {}

    def get(self, locale: str) -> LocalePeople:
        if locale not in self._pools:
            self._pools[locale] = locale_people(locale)
        return self._pools[locale]


def build_world(
    store: Store,
    spec: WorldSpec,
    seed: int | None = None,
    *,
    now: datetime | None = None,
    people: PeopleCache | None = None,
) -> list[Tenant]:
    """Create every tenant of ``spec`` in ``store``; same spec and seed give the same directory.

    ``seed`` (the CLI's ``--seed``) wins over the file's ``seed``. Nothing is added if any tenant
    clashes with one already in the store (same id or domain). ``people`` may be kept across builds
    (its pools depend only on the locale): a test kit resetting per test saves half the build.
    """
    effective = seed if seed is not None else spec.seed if spec.seed is not None else DEFAULT_SEED
    now = now or store.clock.now()
    for t_spec in spec.tenants:  # fail before seeding, not after a million users
        _check_free(store, t_spec.id, t_spec.domain, t_spec.where)
    people = people or PeopleCache()
    tenants = [build_tenant(t, effective, now, people) for t in spec.tenants]
    with store.lock:
        for t, t_spec in zip(tenants, spec.tenants, strict=True):
            _check_free(store, t.id, t.default_domain, t_spec.where)
        for t in tenants:
            store.add_tenant(t)
    return tenants


def seed_tenant(
    store: Store,
    *,
    name: str,
    cloud: Cloud | str,
    flavor: str | None = None,
    users: int = 100,
    seed: int | None = DEFAULT_SEED,
    domain: str | None = None,
    tenant_id: str | None = None,
    licences: Mapping[str, str | int] | None = None,
    groups: Iterable[Mapping[str, Any]] | None = None,
    guests: int = 0,
    disabled_percent: float = 2.0,
    locale: str | None = None,
    now: datetime | None = None,
) -> Tenant:
    """Create one tenant in ``cloud`` with ``users`` seeded people (the control plane's seed request).

    ``licences`` and ``groups`` use the world-file syntax; when omitted the tenant gets
    :data:`SEED_DEFAULT_LICENCES` and :data:`SEED_DEFAULT_GROUPS`. Raises :class:`WorldError`.
    """
    data: dict[str, Any] = {
        "name": name,
        "cloud": str(cloud),
        "users": users,
        "guests": guests,
        "disabled_percent": disabled_percent,
        "licences": dict(SEED_DEFAULT_LICENCES if licences is None else licences),
        "groups": list(SEED_DEFAULT_GROUPS if groups is None else groups),
    }
    optional = {"flavor": flavor, "domain": domain, "id": tenant_id, "locale": locale}
    data.update({k: v for k, v in optional.items() if v is not None})
    spec = tenant_spec(data, source=f"tenant '{name}'")
    _check_free(store, spec.id, spec.domain, spec.where)
    seed = DEFAULT_SEED if seed is None else seed
    tenant = build_tenant(spec, seed, now or store.clock.now(), PeopleCache())
    with store.lock:
        _check_free(store, tenant.id, tenant.default_domain, spec.where)
        store.add_tenant(tenant)
    return tenant


def build_tenant(spec: TenantSpec, seed: int, now: datetime, people: PeopleCache | None = None) -> Tenant:
    """One tenant, fully populated but not yet in a store."""
    with _gc_paused(freeze=spec.users + spec.guests >= FREEZE_AT_USERS):
        return _build_tenant(spec, seed, now.astimezone(UTC), people or PeopleCache())


def _build_tenant(spec: TenantSpec, seed: int, now: datetime, people: PeopleCache) -> Tenant:
    def stream(part: str) -> random.Random:
        return random.Random(f"{seed}:{spec.name}:{part}")

    rng = stream("tenant")
    generated_id = new_id(rng)
    created = now - timedelta(days=3 * 365 + rng.randrange(5 * 365), seconds=rng.randrange(86400))
    tenant = Tenant(spec.id or generated_id, spec.cloud, spec.flavor, spec.name, spec.domain, created)
    # Seeded objects are the tenant's starting state: no change-log entries, no dirty marks.
    with tenant.seeding():
        init_policies(tenant)
        _populate(tenant, spec, stream, now, created, people)
    return tenant


def _populate(
    tenant: Tenant,
    spec: TenantSpec,
    stream: Callable[[str], random.Random],
    now: datetime,
    created: datetime,
    people: PeopleCache,
) -> None:
    pools = people.get(spec.locale)
    taken: dict[str, int] = {}
    members = [
        create_user(tenant, body, now, object_id=oid, trusted=True)
        for oid, body in iter_members(
            pools,
            stream("users"),
            spec.users,
            domain=spec.domain,
            company=spec.name,
            disabled_percent=spec.disabled_percent,
            now=now,
            since=created,
            taken=taken,
        )
    ]
    _license(tenant, spec, members, stream("licences"), now)
    for oid, body in iter_guests(
        pools, stream("guests"), spec.guests, domain=spec.domain, now=now, since=created, taken=taken
    ):
        create_user(tenant, body, now, object_id=oid, trusted=True)
    group_rng = stream("groups")
    for g in spec.groups:
        _group(tenant, g, members, group_rng, now, created)
    app_rng = stream("apps")
    for a in spec.apps:
        _app(tenant, a, app_rng, now)
    if spec.cross_cloud_sync:
        for source_cloud, on in spec.cross_cloud_sync:
            cross_cloud_sync.set_enabled(tenant, source_cloud, on)


def _check_free(store: Store, tenant_id: str | None, domain: str, where: str) -> None:
    if tenant_id is not None and store.tenant(tenant_id) is not None:
        raise WorldError(f"{where}: tenant id {tenant_id} already exists; remove it first or give another id")
    if store.tenant(domain) is not None:
        raise WorldError(
            f"{where}: domain {domain} is already verified by another tenant; give this tenant another domain"
        )


def _license(tenant: Tenant, spec: TenantSpec, members: list[Obj], rng: random.Random, now: datetime) -> None:
    """Assign each licence bundle to its share of members (disjoint), and buy the units (+10 %)."""
    counts = _licence_counts(spec.licences, len(members))
    if sum(counts) > len(members):
        raise WorldError(
            f"{spec.where}: licences cover {sum(counts)} users but tenant '{spec.name}' has {len(members)}; "
            "lower the counts or add users"
        )
    order = list(range(len(members)))
    rng.shuffle(order)
    assigned: dict[str, int] = {}
    start = 0
    for lic, count in zip(spec.licences, counts, strict=True):
        for s in lic.skus:
            assigned[s.sku_id] = assigned.get(s.sku_id, 0) + count
        # One list per bundle, shared by its users: the directory replaces a user's licences, never
        # changes the list in place.
        licences = [{"skuId": s.sku_id, "disabledPlans": []} for s in lic.skus]
        for k in order[start : start + count]:
            set_licenses(tenant, members[k], licences, now)
        start += count
    for sku_id, n in assigned.items():
        tenant.subscribed_skus[sku_id] = max(1, n + (n + 9) // 10)


def _licence_counts(licences: Iterable[LicenceSpec], total: int) -> list[int]:
    """Members per bundle: counts as given; percentages rounded on their running sum.

    Rounding each percentage on its own can cover more members than there are (10 users at 55 %, 15 %,
    15 % and 5 %: 6 + 2 + 2 + 1 = 11); rounding the running sum gives 6 + 1 + 2 + 0 = 9, i.e. always
    ``round(total × sum of percentages)``, never more than ``total``, and the same counts whenever
    the shares come out whole.
    """
    counts = []
    running = 0.0
    for lic in licences:
        if lic.share.count is not None:
            counts.append(lic.share.count)
            continue
        before = Share(percent=running).of(total)
        running += lic.share.percent or 0.0
        counts.append(Share(percent=running).of(total) - before)
    return counts


def _group(
    tenant: Tenant, spec: GroupSpec, members: list[Obj], rng: random.Random, now: datetime, since: datetime
) -> None:
    gid = new_id(rng)
    created = since + timedelta(days=rng.randrange(30), seconds=rng.randrange(86400))
    body = {
        "displayName": spec.name,
        "description": spec.description,
        "mailEnabled": False,
        "mailNickname": (ascii_name(spec.name.replace(" ", "-")) or "group")[:64],
        "securityEnabled": True,
        "createdDateTime": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    group = create_group(tenant, body, now, object_id=gid, trusted=True)
    # Seeded members are existing users of a security group, so add_member's checks cannot fail;
    # writing them directly stores one shared member-type string instead of one per membership.
    group_members = tenant.members[group["id"]]
    for uid in _group_members(tenant, spec, members, rng):
        group_members[uid] = _USER_TYPE


def _group_members(tenant: Tenant, spec: GroupSpec, members: list[Obj], rng: random.Random) -> Iterable[str]:
    if isinstance(spec.members, Share):
        count = spec.members.of(len(members))
        if count > len(members):
            raise WorldError(
                f"{spec.where}: group '{spec.name}' wants {count} members but the tenant has "
                f"{len(members)} users; lower the count"
            )
        return [members[k]["id"] for k in sorted(rng.sample(range(len(members)), count))]
    if isinstance(spec.members, tuple):
        ids = []
        for local in spec.members:
            uid = tenant.upn_index.get(f"{local}@{tenant.default_domain}")
            if uid is None:
                raise WorldError(
                    f"{spec.where}: group '{spec.name}' lists '{local}' but no user "
                    f"{local}@{tenant.default_domain} exists; use the local part of a seeded user's UPN"
                )
            ids.append(uid)
        return dict.fromkeys(ids)
    if spec.department is not None:
        return [u["id"] for u in members if u.get("department") == spec.department]
    return []


def _app(tenant: Tenant, spec: AppSpec, rng: random.Random, now: datetime) -> None:
    client_id, app_oid, sp_oid, key_id = (new_id(rng) for _ in range(4))
    raw = "".join(rng.choices(_SECRET_ALPHABET, k=37))
    secret = spec.secret or f"{raw[:3]}8Q~{raw[3:]}"
    cred = register_app(
        tenant,
        spec.name,
        list(spec.permissions),
        now,
        client_id=spec.client_id or client_id,
        secret=secret,
        object_ids=(app_oid, sp_oid),
    )
    # register_app draws the password's keyId from uuid4; pin it so the snapshot is reproducible.
    app = tenant.applications.get(cred.application_id)
    if app is not None:
        for n, password in enumerate(app["passwordCredentials"]):
            password["keyId"] = key_id if n == 0 else new_id(rng)
        cred.secret_key_ids = [p["keyId"] for p in app["passwordCredentials"]]
