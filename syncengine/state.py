"""The engine's durable state in SQLite: shadows, watermark, escrows, staged deletes, cycle history.

A shadow links one source user to its target user and remembers what was last exported. Every
shadow change is committed before the next object is processed, and the watermark (the delta
link) only after every change it covers: a killed engine resumes without losing or duplicating.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from syncengine.errors import SyncEngineError

STATE_FORMAT = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS shadows (
    source_id TEXT PRIMARY KEY,
    target_id TEXT,
    anchor TEXT,
    phase TEXT NOT NULL,             -- creating | linked | deprovisioned
    exported TEXT NOT NULL,          -- JSON of the attribute values last exported
    disabled INTEGER NOT NULL DEFAULT 0,
    source_upn TEXT,
    updated TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS shadows_target ON shadows(target_id);
CREATE TABLE IF NOT EXISTS escrows (
    source_id TEXT PRIMARY KEY, code TEXT NOT NULL, reason TEXT NOT NULL, attempts INTEGER NOT NULL,
    first_failed TEXT NOT NULL, is_reference INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS staged (source_id TEXT PRIMARY KEY, target_id TEXT, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cycles (id TEXT PRIMARY KEY, kind TEXT NOT NULL, began TEXT NOT NULL,
    ended TEXT, report TEXT);
-- every user in scope as of the last cycle, with whether it holds the licence the job needs: the
-- licence warning counts the whole scope, not only the users one incremental cycle touched
CREATE TABLE IF NOT EXISTS scope_licences (source_id TEXT PRIMARY KEY, licensed INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS logs (seq INTEGER PRIMARY KEY AUTOINCREMENT, cycle_id TEXT NOT NULL, record TEXT NOT NULL);
"""


class StateError(SyncEngineError, RuntimeError):
    """The state file is unusable (another job's, or a newer format)."""


@dataclass
class Shadow:
    """What the engine knows of one source user."""

    source_id: str
    target_id: str | None
    anchor: str | None
    phase: str
    exported: dict[str, Any]
    disabled: bool
    source_upn: str | None


class EngineState:
    """One job's state file. Thread-safe; each write is its own transaction unless batched."""

    def __init__(self, path: Path | str, job_key: str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._lock = threading.RLock()
        fmt = self.get_meta("format")
        if fmt is not None and int(fmt) > STATE_FORMAT:
            raise StateError(f"{path}: state format {fmt} is newer than this engine ({STATE_FORMAT})")
        owner = self.get_meta("job")
        if owner is not None and owner != job_key:
            raise StateError(f"{path} belongs to job {owner!r}, not {job_key!r}; use another state file")
        self.set_meta("format", str(STATE_FORMAT))
        self.set_meta("job", job_key)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one commit (the cycle commits every few hundred objects: the anchor and
        idempotent invitations, not per-object commits, are what make a resumed cycle exact)."""
        with self._lock:
            self._db.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- meta and watermark ------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str | None) -> None:
        with self._lock:
            if value is None:
                self._db.execute("DELETE FROM meta WHERE key=?", (key,))
            else:
                self._db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @property
    def watermark(self) -> str | None:
        """The delta link of the last completed cycle (None: the next cycle is an initial one)."""
        return self.get_meta("watermark")

    def commit_watermark(self, delta_link: str | None) -> None:
        self.set_meta("watermark", delta_link)

    def get_json(self, key: str) -> Any:
        raw = self.get_meta(key)
        return json.loads(raw) if raw else None

    def set_json(self, key: str, value: Any) -> None:
        self.set_meta(key, None if value is None else json.dumps(value, sort_keys=True))

    # -- shadows -----------------------------------------------------------------------------

    def shadow(self, source_id: str) -> Shadow | None:
        with self._lock:
            row = self._db.execute(
                "SELECT source_id, target_id, anchor, phase, exported, disabled, source_upn FROM shadows WHERE source_id=?",
                (source_id,),
            ).fetchone()
        return _shadow(row) if row else None

    def put_shadow(self, s: Shadow, now: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO shadows VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    s.source_id,
                    s.target_id,
                    s.anchor,
                    s.phase,
                    json.dumps(s.exported, sort_keys=True),
                    int(s.disabled),
                    s.source_upn,
                    now,
                ),
            )

    def count_shadows(self, phase: str = "linked") -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM shadows WHERE phase=?", (phase,)).fetchone()[0]

    def shadow_ids(self, phase: str = "linked") -> list[str]:
        """The source ids of every shadow in ``phase``."""
        with self._lock:
            return [r[0] for r in self._db.execute("SELECT source_id FROM shadows WHERE phase=?", (phase,))]

    def forget_links(self) -> None:
        """``resetScope: Full`` breaks the source↔target links."""
        with self._lock:
            self._db.execute("DELETE FROM shadows")

    # -- escrows and staged deletes ----------------------------------------------------------

    def escrow(self, source_id: str, code: str, reason: str, now: str, *, reference: bool = False) -> int:
        with self._lock:
            row = self._db.execute("SELECT attempts FROM escrows WHERE source_id=?", (source_id,)).fetchone()
            attempts = (row[0] if row else 0) + 1
            self._db.execute(
                "INSERT OR REPLACE INTO escrows VALUES (?, ?, ?, ?, COALESCE((SELECT first_failed FROM escrows WHERE source_id=?), ?), ?)",
                (source_id, code, reason, attempts, source_id, now, int(reference)),
            )
            return attempts

    def clear_escrow(self, source_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM escrows WHERE source_id=?", (source_id,))

    def escrows(self) -> list[tuple[str, str, str, int]]:
        with self._lock:
            return self._db.execute(
                "SELECT source_id, code, reason, attempts FROM escrows ORDER BY source_id"
            ).fetchall()

    def clear_escrows(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM escrows")

    def stage(self, source_id: str, target_id: str | None, reason: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO staged VALUES (?, ?, ?)", (source_id, target_id, reason))

    def staged(self) -> list[tuple[str, str | None, str]]:
        with self._lock:
            return self._db.execute(
                "SELECT source_id, target_id, reason FROM staged ORDER BY source_id"
            ).fetchall()

    def clear_staged(self) -> None:
        with self._lock:
            self._db.execute("DELETE FROM staged")

    # -- the licence view of the scope ------------------------------------------------------

    def scope_licence_counts(self, changes: dict[str, bool | None], *, replace: bool) -> tuple[int, int]:
        """(in scope, unlicensed) of the whole scope once ``changes`` apply, without writing.

        ``changes`` maps a source id to whether it is licensed, or None when it left the scope;
        ``replace`` (an initial cycle) means ``changes`` is the whole scope.
        """
        in_scope = sum(1 for v in changes.values() if v is not None)
        unlicensed = sum(1 for v in changes.values() if v is False)
        if replace:
            return in_scope, unlicensed
        with self._lock:
            rows = self._db.execute("SELECT source_id, licensed FROM scope_licences").fetchall()
        for sid, licensed in rows:
            if sid not in changes:
                in_scope += 1
                unlicensed += 0 if licensed else 1
        return in_scope, unlicensed

    def apply_scope_licences(self, changes: dict[str, bool | None], *, replace: bool) -> None:
        """Record ``changes`` (see ``scope_licence_counts``) in one transaction."""
        with self.transaction():
            if replace:
                self._db.execute("DELETE FROM scope_licences")
            self._db.executemany(
                "DELETE FROM scope_licences WHERE source_id = ?",
                [(sid,) for sid, v in changes.items() if v is None],
            )
            self._db.executemany(
                "INSERT OR REPLACE INTO scope_licences (source_id, licensed) VALUES (?, ?)",
                [(sid, int(v)) for sid, v in changes.items() if v is not None],
            )

    # -- cycles and logs ---------------------------------------------------------------------

    def begin_cycle(self, cycle_id: str, kind: str, began: str) -> None:
        with self._lock:
            self._db.execute(
                "INSERT OR REPLACE INTO cycles VALUES (?, ?, ?, NULL, NULL)", (cycle_id, kind, began)
            )

    def end_cycle(self, cycle_id: str, ended: str, report: dict[str, Any]) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE cycles SET ended=?, report=? WHERE id=?", (ended, json.dumps(report), cycle_id)
            )

    def cycles(self, limit: int = 20) -> list[dict[str, Any]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT id, kind, began, ended, report FROM cycles ORDER BY began DESC LIMIT ?", (limit,)
            ).fetchall()
        return [
            {
                "id": r[0],
                "kind": r[1],
                "began": r[2],
                "ended": r[3],
                "report": json.loads(r[4]) if r[4] else None,
            }
            for r in rows
        ]

    def add_logs(self, cycle_id: str, records: list[dict[str, Any]]) -> None:
        with self._lock:
            self._db.executemany(
                "INSERT INTO logs (cycle_id, record) VALUES (?, ?)",
                ((cycle_id, json.dumps(r)) for r in records),
            )

    def logs(self, cycle_id: str | None = None, limit: int = 1000) -> list[dict[str, Any]]:
        with self._lock:
            if cycle_id:
                rows = self._db.execute(
                    "SELECT record FROM logs WHERE cycle_id=? ORDER BY seq LIMIT ?", (cycle_id, limit)
                ).fetchall()
            else:
                rows = self._db.execute(
                    "SELECT record FROM logs ORDER BY seq DESC LIMIT ?", (limit,)
                ).fetchall()
        return [json.loads(r[0]) for r in rows]


def _shadow(row: tuple) -> Shadow:
    return Shadow(row[0], row[1], row[2], row[3], json.loads(row[4]), bool(row[5]), row[6])
