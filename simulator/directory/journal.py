"""Durable state in SQLite: every acknowledged write is on disk before its answer leaves.

The store commits after each write request; the journal writes what changed since the last commit
(dirty objects, new change-log entries, membership changes, the small per-tenant state) in one
transaction. SQLite's WAL makes a commit atomic and durable against a killed process, so a write
is either wholly there after a restart or not at all.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulator.directory.changes import Change, ChangeLog
from simulator.directory.collection import Collection
from simulator.directory.record import plain
from simulator.directory.tenant import COLLECTIONS, Tenant, stored_object

if TYPE_CHECKING:
    from simulator.directory.store import Store

JOURNAL_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tenants (id TEXT PRIMARY KEY, doc TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS objects (
    tenant TEXT NOT NULL, coll TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (tenant, coll, id));
CREATE TABLE IF NOT EXISTS members (
    tenant TEXT NOT NULL, grp TEXT NOT NULL, member TEXT NOT NULL, type TEXT NOT NULL,
    PRIMARY KEY (tenant, grp, member));
CREATE TABLE IF NOT EXISTS changes (tenant TEXT NOT NULL, version INTEGER NOT NULL, doc TEXT NOT NULL,
    PRIMARY KEY (tenant, version));
"""


#: A tenant's row is updated in place: it keeps its rowid, so tenants load in the order they were made
#: (``INSERT OR REPLACE`` deletes and re-inserts, moving a rewritten tenant to the end).
_UPSERT_TENANT = "INSERT INTO tenants VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc"


class JournalError(RuntimeError):
    """The data directory holds state this simulator cannot read."""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=plain)


def _change_doc(c: Change) -> str:
    """A change's row document: its JSON form (``Change.to_json``) less the version, the row's key."""
    return _dumps(c.to_json()[1:])


def _change_of_row(version: int, doc: str) -> Change:
    return Change.from_json([version, *json.loads(doc)])


def _tenant_doc(t: Tenant) -> str:
    """A tenant's row: its settings as a snapshot has them, and its change log's counters."""
    return _dumps({**t.settings_to_dict(), "changeLog": t.changes.counters()})


class Journal:
    """The SQLite file behind a durable simulator (``data_dir/state.db``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # created 0600 before SQLite opens it: it holds client secrets; SQLite gives its -wal and
        # -shm files the database file's mode
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        for existing in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if existing.exists():
                os.chmod(existing, 0o600)
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL: a commit survives a killed process (what we promise); FULL would add power-loss safety.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.Lock()
        #: tenant id -> (last written tenant doc, last written change-log version, floor)
        self._written: dict[str, tuple[str, int, int]] = {}
        self._meta_written: dict[str, str] = {}
        fmt = self._meta("format")
        if fmt is None:
            self._db.execute("INSERT INTO meta VALUES ('format', ?)", (str(JOURNAL_FORMAT),))
        elif int(fmt) > JOURNAL_FORMAT:
            raise JournalError(
                f"{path} was written by a newer ccsync (state format {fmt} > {JOURNAL_FORMAT}); "
                "upgrade ccsync or start with another --data-dir"
            )

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _meta(self, key: str) -> str | None:
        row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def has_state(self) -> bool:
        return (
            self._db.execute("SELECT 1 FROM tenants LIMIT 1").fetchone() is not None
            or self._meta("token_key") is not None
        )

    # -- reading ---------------------------------------------------------------------------

    def load(self, store: Store) -> None:
        """Replace ``store``'s tenants, token key and clock with what is on disk."""
        with self._lock:
            key = self._meta("token_key")
            tenants = [
                self._load_tenant(json.loads(doc))
                for (doc,) in self._db.execute("SELECT doc FROM tenants ORDER BY rowid")
            ]
            clock = json.loads(self._meta("clock") or "{}")
        with store.lock:
            store.reset()
            for t in tenants:
                store.add_tenant(t)
            if key:
                store.token_key = bytes.fromhex(key)
            if clock.get("virtual"):
                store.clock.set_virtual(datetime.fromisoformat(clock["virtual"]))
            self._written.clear()
            for t in tenants:
                self._written[t.id] = (_tenant_doc(t), t.changes.version, t.changes.floor)

    def _load_tenant(self, d: dict[str, Any]) -> Tenant:
        tid = d["id"]
        shared: dict[str, Any] = {}
        collections: dict[str, Collection] = {}
        for name in COLLECTIONS:
            rows = self._db.execute(
                "SELECT seq, doc FROM objects WHERE tenant=? AND coll=? ORDER BY seq", (tid, name)
            )
            collections[name] = Collection.restore(
                [(seq, stored_object(name, json.loads(doc), shared)) for seq, doc in rows]
            )
        # a group without members has no rows; every group has an entry, as in a live tenant
        members: dict[str, dict[str, str]] = {g: {} for g in collections["groups"].items}
        for grp, member, typ in self._db.execute(
            "SELECT grp, member, type FROM members WHERE tenant=? ORDER BY rowid", (tid,)
        ):
            members.setdefault(grp, {})[member] = sys.intern(typ)  # one string per type, not per row
        entries = (
            _change_of_row(v, doc)
            for v, doc in self._db.execute(
                "SELECT version, doc FROM changes WHERE tenant=? ORDER BY version", (tid,)
            )
        )
        return Tenant.from_parts(d, collections, members, ChangeLog.restore(d["changeLog"], entries))

    # -- writing ---------------------------------------------------------------------------

    def flush(self, store: Store) -> None:
        """Write everything that changed since the last flush, in one transaction (caller holds the store lock).

        Every tenant's changes commit together or not at all. The in-memory bookkeeping (dirty marks,
        what was written) changes only after the commit succeeded, so a failed flush can be retried
        or rolled back in memory (``Store.commit``) without anything being forgotten.
        """
        self._transaction(store, fresh=False)

    def rewrite(self, store: Store) -> None:
        """Forget what was written and write the whole store again (after a reset or snapshot load).

        One transaction: a failure leaves the previous state on disk, never an empty file.
        """
        self._transaction(store, fresh=True)

    def _transaction(self, store: Store, *, fresh: bool) -> None:
        with self._lock:
            db = self._db
            written = {} if fresh else dict(self._written)
            meta = {} if fresh else dict(self._meta_written)
            cleared: list[Collection] = []
            db.execute("BEGIN IMMEDIATE")
            try:
                if fresh:
                    for table in ("tenants", "objects", "members", "changes"):
                        db.execute(f"DELETE FROM {table}")
                for t in store.tenants.values():
                    if t.id in written:
                        self._write_changes(t, written, cleared)
                    else:
                        self._write_full(t, written, cleared)
                for gone in set(written) - set(store.tenants):
                    for table in ("tenants", "objects", "members", "changes"):
                        db.execute(
                            f"DELETE FROM {table} WHERE {'id' if table == 'tenants' else 'tenant'}=?", (gone,)
                        )
                    del written[gone]
                self._write_meta("token_key", store.token_key.hex(), meta)
                clock = store.clock
                self._write_meta(
                    "clock", _dumps({"virtual": clock.now().isoformat() if clock.is_virtual else None}), meta
                )
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            for coll in cleared:
                coll.dirty.clear()
            self._written = written
            self._meta_written = meta

    def _write_meta(self, key: str, value: str, meta: dict[str, str]) -> None:
        if meta.get(key) != value:
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))
            meta[key] = value

    def _write_full(
        self, t: Tenant, written: dict[str, tuple[str, int, int]], cleared: list[Collection]
    ) -> None:
        db = self._db
        doc = _tenant_doc(t)
        db.execute(_UPSERT_TENANT, (t.id, doc))
        for name in COLLECTIONS:
            coll: Collection = getattr(t, name)
            db.executemany(
                "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                ((t.id, name, obj["id"], seq, _dumps(obj)) for seq, obj in coll.iter_after(0)),
            )
            cleared.append(coll)
        db.executemany(
            "INSERT OR REPLACE INTO members VALUES (?, ?, ?, ?)",
            ((t.id, g, m, typ) for g, ms in t.members.items() for m, typ in ms.items()),
        )
        db.executemany(
            "INSERT OR REPLACE INTO changes VALUES (?, ?, ?)",
            ((t.id, c.version, _change_doc(c)) for c in t.changes.after(0)),
        )
        written[t.id] = (doc, t.changes.version, t.changes.floor)

    def _write_changes(
        self, t: Tenant, written: dict[str, tuple[str, int, int]], cleared: list[Collection]
    ) -> None:
        db = self._db
        last_doc, last_version, last_floor = written[t.id]
        for name in COLLECTIONS:
            coll: Collection = getattr(t, name)
            if not coll.dirty:
                continue
            for obj_id in coll.dirty:
                obj = coll.get(obj_id)
                if obj is None:
                    db.execute("DELETE FROM objects WHERE tenant=? AND coll=? AND id=?", (t.id, name, obj_id))
                else:
                    db.execute(
                        "INSERT OR REPLACE INTO objects VALUES (?, ?, ?, ?, ?)",
                        (t.id, name, obj_id, coll.seq(obj_id), _dumps(obj)),
                    )
            cleared.append(coll)
        for c in t.changes.after(last_version):
            db.execute("INSERT OR REPLACE INTO changes VALUES (?, ?, ?)", (t.id, c.version, _change_doc(c)))
            if c.op == "member_add":
                db.execute(
                    "DELETE FROM members WHERE tenant=? AND grp=? AND member=?", (t.id, c.obj_id, c.member_id)
                )
                db.execute(
                    "INSERT INTO members VALUES (?, ?, ?, ?)", (t.id, c.obj_id, c.member_id, c.member_type)
                )
            elif c.op == "member_remove":
                db.execute(
                    "DELETE FROM members WHERE tenant=? AND grp=? AND member=?", (t.id, c.obj_id, c.member_id)
                )
            elif c.op in ("harddelete", "softdelete") and c.kind == "group":
                db.execute("DELETE FROM members WHERE tenant=? AND grp=?", (t.id, c.obj_id))
        if t.changes.floor != last_floor:
            db.execute("DELETE FROM changes WHERE tenant=? AND version<=?", (t.id, t.changes.floor))
        doc = _tenant_doc(t)
        if doc != last_doc:
            db.execute(_UPSERT_TENANT, (t.id, doc))
        written[t.id] = (doc, t.changes.version, t.changes.floor)
