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
from simulator.directory.tenant import _COLLECTIONS, AppCredential, Tenant, stored_object

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


class JournalError(RuntimeError):
    """The data directory holds state this simulator cannot read."""


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, default=plain)


def _change_row(c: Change) -> str:
    return _dumps(
        [
            c.at,
            c.kind,
            c.obj_id,
            c.op,
            sorted(c.props) if c.props is not None else None,
            c.member_id,
            c.member_type,
        ]
    )


def _tenant_doc(t: Tenant) -> str:
    """Everything of a tenant except its collections, members and change entries (small)."""
    return _dumps(
        {
            "id": t.id,
            "cloud": t.cloud.value,
            "flavor": t.flavor,
            "displayName": t.display_name,
            "defaultDomain": t.default_domain,
            "domains": t.domains,
            "created": t.created.isoformat(),
            "subscribedSkus": t.subscribed_skus,
            "apps": [a.to_dict() for a in t.apps.values()],
            "crossTenantPolicy": t.cross_tenant_policy,
            "crossTenantDefault": t.cross_tenant_default,
            "partners": t.partners,
            "identitySync": t.identity_sync,
            "changeLog": {"version": t.changes.version, "floor": t.changes.floor, "epoch": t.changes.epoch},
        }
    )


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
        from simulator.clouds import Cloud

        t = Tenant(
            d["id"],
            Cloud(d["cloud"]),
            d["flavor"],
            d["displayName"],
            d["defaultDomain"],
            datetime.fromisoformat(d["created"]),
        )
        t.domains = d["domains"]
        t.subscribed_skus = d["subscribedSkus"]
        t.apps = {a["client_id"]: AppCredential(**a) for a in d["apps"]}
        t.cross_tenant_policy = d["crossTenantPolicy"]
        t.cross_tenant_default = d["crossTenantDefault"]
        t.partners = d["partners"]
        t.identity_sync = d["identitySync"]
        shared: dict[str, Any] = {}
        for name in _COLLECTIONS:
            rows = self._db.execute(
                "SELECT seq, doc FROM objects WHERE tenant=? AND coll=? ORDER BY seq", (t.id, name)
            )
            coll = Collection.restore(
                [(seq, stored_object(name, json.loads(doc), shared)) for seq, doc in rows]
            )
            setattr(t, name, coll)
        for g in t.groups.items:
            t.members[g] = {}
        for grp, member, typ in self._db.execute(
            "SELECT grp, member, type FROM members WHERE tenant=? ORDER BY rowid", (t.id,)
        ):
            t.members.setdefault(grp, {})[member] = sys.intern(typ)  # one string per type, not per row
        t.index_upns()
        t.count_licences()
        log_meta = d["changeLog"]
        entries = [
            [v, *json.loads(doc)]
            for v, doc in self._db.execute(
                "SELECT version, doc FROM changes WHERE tenant=? ORDER BY version", (t.id,)
            )
        ]
        t.changes = ChangeLog.from_dict({**log_meta, "entries": entries})
        return t

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
        db.execute("INSERT OR REPLACE INTO tenants VALUES (?, ?)", (t.id, doc))
        for name in _COLLECTIONS:
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
            ((t.id, c.version, _change_row(c)) for c in t.changes.after(0)),
        )
        written[t.id] = (doc, t.changes.version, t.changes.floor)

    def _write_changes(
        self, t: Tenant, written: dict[str, tuple[str, int, int]], cleared: list[Collection]
    ) -> None:
        db = self._db
        last_doc, last_version, last_floor = written[t.id]
        for name in _COLLECTIONS:
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
            db.execute("INSERT OR REPLACE INTO changes VALUES (?, ?, ?)", (t.id, c.version, _change_row(c)))
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
            db.execute("INSERT OR REPLACE INTO tenants VALUES (?, ?)", (t.id, doc))
        written[t.id] = (doc, t.changes.version, t.changes.floor)
