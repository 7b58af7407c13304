"""Snapshots and data directories written by earlier code keep loading, and the two formats agree.

``formats/`` holds a snapshot and a journal (as SQL text) written by the code of commit b31ac0f from
one state (``formats/write_format_1.py``), before both went through the same serialisation.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from simulator.clock import Clock
from simulator.clouds import Cloud
from simulator.directory import users as dir_users
from simulator.directory.journal import Journal
from simulator.directory.record import UserRecord
from simulator.directory.store import Store
from simulator.directory.tenant import Tenant
from simulator.world import seed_tenant

FORMATS = Path(__file__).resolve().parent / "formats"
WRITTEN_AT = datetime(2025, 3, 1, 8, 10, tzinfo=UTC)


def format_1_snapshot() -> dict[str, Any]:
    return json.loads((FORMATS / "snapshot-format-1.json").read_text(encoding="utf-8"))


def format_1_data_dir(tmp_path: Path) -> Path:
    """A ``state.db`` rebuilt from the SQL text of the one the old code wrote."""
    db = tmp_path / "state.db"
    con = sqlite3.connect(db)
    con.executescript((FORMATS / "journal-format-1.sql").read_text(encoding="utf-8"))
    con.close()
    return db


def state(store: Store) -> dict[str, Any]:
    """The store's snapshot with its tenants by id (a journal loads them in the order last written)."""
    doc = store.snapshot()
    doc["tenants"] = sorted(doc["tenants"], key=lambda t: t["id"])
    return doc


def by_name(store: Store) -> dict[str, Tenant]:
    return {t.display_name: t for t in store.tenants.values()}


def assert_the_written_state(store: Store) -> None:
    """What ``write_format_1.lived_in`` made, as the live objects see it."""
    assert store.clock.is_virtual and store.clock.now() == WRITTEN_AT
    tenants = by_name(store)
    assert sorted(tenants) == ["Format Source", "Format Target"]
    source, target = tenants["Format Source"], tenants["Format Target"]
    assert (source.cloud, target.cloud) == (Cloud.COMMERCIAL, Cloud.GCCH)
    hire = source.user("FORMAT.HIRE@formatsource.onmicrosoft.com")
    assert hire is not None and type(hire) is UserRecord
    assert len(source.users) == 5 and len(target.users) == 2
    assert [type(o) for o in source.deleted.values()] == [UserRecord]
    team = next(g for g in source.groups.values() if g["displayName"] == "Format Team")
    assert list(source.members[team["id"]]) == [hire["id"]]
    assert all(g in source.members for g in source.groups.items)
    assert sum(source.consumed_units.values()) == sum(
        len(u.get("assignedLicenses", ())) for u in source.users.values()
    )
    log = source.changes
    assert (log.version, log.floor, log.epoch, len(log)) == (22, 13, 2, 9)
    ops = [c.op for c in log.after(0)]
    assert ops[:2] == ["create", "update"] and "member_remove" in ops and "softdelete" in ops
    removed = next(c for c in log.after(0) if c.op == "member_remove" and c.obj_id == team["id"])
    assert removed.member_type == "#microsoft.graph.user" and removed.at == (WRITTEN_AT.timestamp())
    assert next(c for c in log.after(0) if c.op == "update").props == frozenset({"jobTitle"})
    assert (target.changes.version, target.changes.floor, target.changes.epoch) == (8, 8, 1)
    assert list(source.partners) == [target.id]
    assert source.identity_sync[target.id]["userSyncInbound"] == {"isSyncAllowed": True}
    assert {a.display_name for a in source.apps.values()} == {"ccsync admin", "ccsync reader"}
    assert all(a.secrets and len(a.secret_key_ids) == len(a.secrets) for a in source.apps.values())


def test_a_format_1_snapshot_loads() -> None:
    store = Store(Clock())
    store.restore(format_1_snapshot())
    assert_the_written_state(store)


def test_a_format_1_data_directory_loads(tmp_path: Path) -> None:
    journal = Journal(format_1_data_dir(tmp_path))
    store = Store(Clock())
    journal.load(store)
    journal.close()
    assert_the_written_state(store)


def test_the_old_journal_and_the_old_snapshot_of_one_state_load_as_the_same_state(tmp_path: Path) -> None:
    from_snapshot = Store(Clock())
    from_snapshot.restore(format_1_snapshot())
    from_journal = Store(Clock())
    journal = Journal(format_1_data_dir(tmp_path))
    journal.load(from_journal)
    journal.close()
    assert state(from_journal) == state(from_snapshot)


def test_a_format_1_data_directory_takes_new_writes_and_keeps_them(tmp_path: Path) -> None:
    db = format_1_data_dir(tmp_path)
    store = Store(Clock())
    store.journal = Journal(db)
    store.journal.load(store)
    source = by_name(store)["Format Source"]
    store.clock.advance(timedelta(minutes=1))
    with store.lock:
        hire = source.user("format.hire@formatsource.onmicrosoft.com")
        dir_users.update_user(source, hire, {"city": "Tromsø"}, store.clock.now())
        source.cross_cloud_sync["microsoftonline.us"] = {"enabled": False, "permissions": []}
        store.commit()
    expected = state(store)
    store.journal.close()

    reopened = Store(Clock())
    journal = Journal(db)
    journal.load(reopened)
    journal.close()
    assert state(reopened) == expected
    again = by_name(reopened)["Format Source"]
    assert again.user("format.hire@formatsource.onmicrosoft.com")["city"] == "Tromsø"
    assert again.changes.version == 23


def test_the_targets_cross_cloud_sync_switch_survives_a_restart_of_a_data_directory(tmp_path: Path) -> None:
    start = datetime(2025, 6, 1, tzinfo=UTC)
    store = Store(Clock(virtual_start=start))
    store.journal = Journal(tmp_path / "state.db")
    target = seed_tenant(store, name="Switch Target", cloud=Cloud.GCCH, users=2, seed=3, now=start)
    store.commit()
    with store.lock:
        target.cross_cloud_sync["microsoftonline.com"] = {"enabled": False, "permissions": []}
        store.commit()
    store.journal.close()

    reopened = Store(Clock())
    journal = Journal(tmp_path / "state.db")
    journal.load(reopened)
    journal.close()
    assert reopened.tenants[target.id].cross_cloud_sync == {
        "microsoftonline.com": {"enabled": False, "permissions": []}
    }
