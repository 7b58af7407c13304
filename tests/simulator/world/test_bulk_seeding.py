"""Seeding in bulk: no per-object bookkeeping left behind, shared values, any tenant size."""

from __future__ import annotations

import gc

import pytest

from simulator.clouds import Cloud
from simulator.directory.record import UserRecord
from simulator.directory.tenant import COLLECTIONS, Tenant
from simulator.directory.users import create_user
from simulator.world import build, build_tenant, seed_tenant, tenant_spec
from simulator.world.build import SEED_DEFAULT_LICENCES, _licence_counts
from tests.simulator.conftest import START, new_store


def test_seeding_leaves_no_change_log_entries_and_no_dirty_marks() -> None:
    spec = tenant_spec({"name": "Bulk", "cloud": "commercial", "users": 200, "guests": 5})
    t = build_tenant(spec, 42, START)
    assert len(t.changes) == 0 and t.changes.after(0) == []
    assert t.changes.version > 0 and t.changes.floor == t.changes.version
    for name in COLLECTIONS:
        assert not getattr(t, name).dirty, name
    # bookkeeping is back on once the tenant is built
    store = new_store()
    store.add_tenant(t)
    body = {
        "accountEnabled": True,
        "displayName": "Later",
        "mailNickname": "later",
        "userPrincipalName": f"later@{t.default_domain}",
        "passwordProfile": {"password": "Xy!12345678"},
    }
    create_user(t, body, START)
    assert len(t.changes) == 1 and len(t.users.dirty) == 1


def test_nothing_is_recorded_while_seeding_runs() -> None:
    t = Tenant(
        "b0000000-0000-4000-8000-000000000001",
        Cloud.COMMERCIAL,
        "commercial",
        "T",
        "t.onmicrosoft.com",
        START,
    )
    with t.seeding():
        for i in range(3):
            create_user(
                t,
                {"userPrincipalName": f"u{i}@t.onmicrosoft.com", "displayName": f"U{i}"},
                START,
                trusted=True,
            )
        assert len(t.changes) == 0 and not t.users.dirty and t.changes.version == 3
    assert t.changes.recording and t.users.tracking


def test_a_tenant_in_a_store_is_not_seeded_in_bulk() -> None:
    store = new_store()
    t = seed_tenant(store, name="Joined", cloud=Cloud.COMMERCIAL, users=3)
    with pytest.raises(RuntimeError, match="before it joins a store"):
        with t.seeding():
            pass


def test_seeded_users_are_records_sharing_their_repeated_values() -> None:
    t = seed_tenant(new_store(), name="Shared", cloud=Cloud.COMMERCIAL, users=400)
    users = list(t.users.values())
    assert all(type(u) is UserRecord for u in users)
    licensed = [u for u in users if u.get("assignedLicenses")]
    assert len({id(u["assignedLicenses"]) for u in licensed}) == len(SEED_DEFAULT_LICENCES)
    by_value: dict[str, set[int]] = {}
    for u in users:
        for prop in ("employeeHireDate", "officeLocation", "department"):
            by_value.setdefault(f"{prop}={u[prop]}", set()).add(id(u[prop]))
        ext = u.get("onPremisesExtensionAttributes")
        if ext:
            by_value.setdefault(f"ext={ext}", set()).add(id(ext))
        assert u["mail"] is u["userPrincipalName"]
        assert "showInAddressList" in u
    assert all(len(ids) == 1 for ids in by_value.values())
    assert all(m == "#microsoft.graph.user" for ms in t.members.values() for m in ms.values())
    assert len({id(m) for ms in t.members.values() for m in ms.values()}) == 1


@pytest.mark.parametrize("users", [0, 1, 2, 3, 7, 10, 11, 19, 33])
def test_the_default_licences_fit_any_tenant_size(users: int) -> None:
    t = seed_tenant(new_store(), name=f"Small {users}", cloud=Cloud.COMMERCIAL, users=users)
    licensed = [u for u in t.users.values() if u.get("assignedLicenses")]
    assert len(licensed) == int(users * 0.9 + 0.5)
    for sku_id, units in t.consumed_units.items():
        assert units <= t.subscribed_skus[sku_id]


def test_percent_shares_are_rounded_on_their_running_sum() -> None:
    spec = tenant_spec(
        {"name": "R", "cloud": "commercial", "licences": {"P1": "50%", "P2": "50%", "SUITE": 2}}
    )
    assert _licence_counts(spec.licences, 1) == [1, 0, 2]
    assert _licence_counts(spec.licences, 5) == [3, 2, 2]
    assert _licence_counts(spec.licences, 1000) == [500, 500, 2]


def test_a_large_tenant_is_moved_out_of_the_cyclic_gcs_sight(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build, "FREEZE_AT_USERS", 50)
    frozen = gc.get_freeze_count()
    try:
        t = seed_tenant(new_store(), name="Frozen", cloud=Cloud.COMMERCIAL, users=60)
        assert gc.get_freeze_count() > frozen
        seeded = {id(u) for u in t.users.values()}
        assert not any(id(o) in seeded for o in gc.get_objects())  # no collection traverses them
    finally:
        gc.unfreeze()


def test_a_small_tenant_stays_in_the_gcs_sight() -> None:
    frozen = gc.get_freeze_count()
    seed_tenant(new_store(), name="Thawed", cloud=Cloud.COMMERCIAL, users=60)
    assert gc.get_freeze_count() == frozen
