"""Write the format-1 fixtures beside this file: a snapshot and a data directory's journal (as SQL text).

They were written by the code of commit b31ac0f, before snapshots and the journal shared their
serialisation; ``test_formats.py`` loads them, so files written by that code keep loading. The files
must stay as they are: the script refuses to overwrite them. To make them again from that commit's code
(the ``git archive`` keeps the editable install of this checkout out of the way):

    git archive b31ac0f simulator syncengine | tar -x -C /tmp/old
    cd /tmp && PYTHONPATH=/tmp/old python -c "import runpy; runpy.run_path('<checkout>/tests/simulator/directory/formats/write_format_1.py', run_name='__main__')"
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from simulator.clock import Clock
from simulator.clouds import Cloud
from simulator.directory import groups as dir_groups
from simulator.directory import policies as dir_policies
from simulator.directory import users as dir_users
from simulator.directory.journal import Journal
from simulator.directory.store import Store
from simulator.world import seed_tenant

HERE = Path(__file__).resolve().parent
START = datetime(2025, 3, 1, 8, 0, tzinfo=UTC)


def lived_in(store: Store) -> None:
    """Two tenants with every kind of state: objects, soft-deleted ones, members, changes, policies."""
    source = seed_tenant(
        store, name="Format Source", cloud=Cloud.COMMERCIAL, users=4, guests=1, seed=11, now=START
    )
    target = seed_tenant(store, name="Format Target", cloud=Cloud.GCCH, users=2, seed=12, now=START)
    store.commit()
    clock = store.clock
    ids = list(source.users.items)
    hire = dir_users.create_user(
        source,
        {
            "accountEnabled": True,
            "displayName": "Format Hire",
            "mailNickname": "format.hire",
            "userPrincipalName": f"format.hire@{source.default_domain}",
            "passwordProfile": {"password": "Xy!12345678"},
        },
        clock.now(),
    )
    store.commit()
    clock.advance(timedelta(minutes=5))
    dir_users.update_user(source, source.users.get(ids[0]), {"jobTitle": "Archivist"}, clock.now())
    group = dir_groups.create_group(
        source,
        {
            "displayName": "Format Team",
            "mailEnabled": False,
            "mailNickname": "format-team",
            "securityEnabled": True,
        },
        clock.now(),
    )
    dir_groups.add_member(source, group, hire["id"])
    dir_groups.add_member(source, group, ids[1])
    store.commit()
    clock.advance(timedelta(minutes=5))
    dir_groups.remove_member(source, group, ids[1])
    dir_users.soft_delete_user(source, source.users.get(ids[2]), clock.now())
    partner = dir_policies.new_partner(target.id)
    source.partners[target.id] = partner
    source.identity_sync[target.id] = {"tenantId": target.id, "userSyncInbound": {"isSyncAllowed": True}}
    source.changes.reset()  # a forced delta reset: epoch 2
    store.commit()


def main() -> None:
    journal_sql, snapshot_json = HERE / "journal-format-1.sql", HERE / "snapshot-format-1.json"
    for existing in (journal_sql, snapshot_json):
        if existing.exists():
            raise SystemExit(f"{existing} exists: format-1 fixtures are written once, never again")
    store = Store(Clock(virtual_start=START))
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "state.db"
        store.journal = Journal(db)
        lived_in(store)
        store.journal.close()
        con = sqlite3.connect(db)
        dump = "\n".join(con.iterdump()) + "\n"
        con.close()
    journal_sql.write_text(dump, encoding="utf-8")
    snapshot_json.write_text(
        json.dumps(store.snapshot(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
