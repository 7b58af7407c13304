"""Snapshots and the journal keep users exactly: records out as plain JSON, back in as records."""

from __future__ import annotations

import json
from pathlib import Path

from simulator.clouds import Cloud
from simulator.directory import users as dir_users
from simulator.directory.journal import Journal
from simulator.directory.record import UserRecord
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.world import seed_tenant
from tests.simulator.conftest import new_store, snapshot_text


def lived_in(store: Store) -> Tenant:
    """A seeded tenant with the changes that give users other shapes: created, patched, deleted."""
    t = seed_tenant(store, name="Persist", cloud=Cloud.COMMERCIAL, users=60, guests=3, seed=9)
    store.commit()
    now = store.clock.now()
    ids = list(t.users.items)
    created = dir_users.create_user(
        t,
        {
            "accountEnabled": True,
            "displayName": "New Hire",
            "mailNickname": "new.hire",
            "userPrincipalName": f"New.Hire@{t.default_domain}",
            "passwordProfile": {"password": "Xy!12345678"},
            "passwordPolicies": "DisablePasswordExpiration",
        },
        now,
    )
    dir_users.update_user(t, t.users.get(ids[1]), {"jobTitle": None, "faxNumber": "+1 555"}, now)
    dir_users.soft_delete_user(t, t.users.get(ids[2]), now)
    assert "passwordProfile" not in created
    store.commit()
    return t


def test_a_snapshot_round_trip_is_byte_identical() -> None:
    store = new_store()
    lived_in(store)
    for sort_keys in (True, False):
        text = snapshot_text(store, sort_keys=sort_keys)
        again = new_store()
        again.restore(json.loads(text))
        assert snapshot_text(again, sort_keys=sort_keys) == text
    t = next(iter(again.tenants.values()))
    assert all(type(u) is UserRecord for u in t.users.values())
    assert [type(o) for o in t.deleted.values()] == [UserRecord]
    assert all(type(g) is dict for g in t.groups.values())


def test_a_restored_tenant_indexes_and_counts_as_the_live_one() -> None:
    store = new_store()
    t = lived_in(store)
    again = new_store()
    again.restore(json.loads(snapshot_text(store)))
    r = again.tenants[t.id]
    assert r.upn_index == t.upn_index and "new.hire@persist.onmicrosoft.com" in r.upn_index
    assert r.consumed_units == t.consumed_units
    assert list(r.users.items) == list(t.users.items)
    assert r.user("NEW.HIRE@persist.onmicrosoft.com") == t.user("new.hire@persist.onmicrosoft.com")


def test_the_journal_round_trip_keeps_every_user_and_cursor(tmp_path: Path) -> None:
    store = new_store()
    store.journal = Journal(tmp_path / "state.db")
    t = lived_in(store)  # a full write, then incremental ones
    dir_users.update_user(t, next(iter(t.users.values())), {"city": "Oslo"}, store.clock.now())
    store.commit()
    before = snapshot_text(store)
    store.journal.close()

    reopened = new_store()
    journal = Journal(tmp_path / "state.db")
    journal.load(reopened)
    journal.close()
    assert snapshot_text(reopened) == before
    r = reopened.tenants[t.id]
    assert all(type(u) is UserRecord for u in r.users.values())
    assert [(s, u["id"]) for s, u in r.users.iter_after(0)] == [
        (s, u["id"]) for s, u in t.users.iter_after(0)
    ]
    assert r.user("NEW.HIRE@persist.onmicrosoft.com") is not None


def test_tenants_come_back_from_the_journal_in_the_order_they_were_made(tmp_path: Path) -> None:
    # the endpoints document names "the first tenant of a cloud": a restart must not change which one
    store = new_store()
    store.journal = Journal(tmp_path / "state.db")
    made = [
        seed_tenant(
            store, name=f"Order {n}", cloud=Cloud.COMMERCIAL, users=3, domain=f"order{n}.onmicrosoft.com"
        )
        for n in range(3)
    ]
    store.commit()
    dir_users.update_user(made[0], next(iter(made[0].users.values())), {"city": "Oslo"}, store.clock.now())
    made[0].display_name = "Order 0, renamed"  # the tenant's own row is rewritten, not only its objects
    store.commit()
    store.journal.close()

    reopened = new_store()
    journal = Journal(tmp_path / "state.db")
    journal.load(reopened)
    journal.close()
    assert list(reopened.tenants) == [t.id for t in made]
