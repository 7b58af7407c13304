"""The simulator's one store: every tenant of every cloud, behind one lock."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from simulator.clock import Clock
from simulator.directory.audit import AuditLog
from simulator.directory.tenant import COLLECTIONS, Tenant

SNAPSHOT_FORMAT = 1
log = logging.getLogger(__name__)


class SnapshotError(ValueError):
    """A snapshot that cannot be loaded (newer format, not a snapshot, damaged)."""


class Store:
    """Tenants keyed by id (and verified domain), the clock, and the lock that serializes writes."""

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock = clock or Clock()
        self.lock = threading.RLock()
        self.tenants: dict[str, Tenant] = {}
        self._domains: dict[str, str] = {}
        #: Signs paging and delta tokens; the runtime keeps it in the data dir so tokens survive restarts.
        self.token_key: bytes = os.urandom(32)
        #: Durable state (``simulator.directory.journal.Journal``) or None for memory only.
        self.journal: Any = None
        self._rewrite = False
        #: Directory audits and provisioning logs per tenant (memory only; not in snapshots).
        self.audit = AuditLog(self.clock)

    def add_tenant(self, tenant: Tenant) -> Tenant:
        with self.lock:
            if tenant.id in self.tenants:
                raise ValueError(f"tenant {tenant.id} already exists")
            for d in tenant.domains:
                if d.lower() in self._domains:
                    raise ValueError(f"domain {d} is already verified by another tenant")
            self.tenants[tenant.id] = tenant
            tenant.changes.clock = self.clock
            for d in tenant.domains:
                self._domains[d.lower()] = tenant.id
            return tenant

    def tenant(self, key: str) -> Tenant | None:
        """A tenant by id (GUID) or by one of its verified domains."""
        t = self.tenants.get(key.lower())
        if t is None:
            tid = self._domains.get(key.lower())
            t = self.tenants.get(tid) if tid else None
        return t

    def reset(self) -> None:
        with self.lock:
            self.tenants.clear()
            self._domains.clear()
            self._rewrite = True

    def commit(self) -> None:
        """Make every change so far durable (with a journal), else just forget the dirty marks.

        Called after each write request while the lock is held, before the answer is sent.
        """
        with self.lock:
            if self.journal is None:
                for t in self.tenants.values():
                    for name in COLLECTIONS:
                        getattr(t, name).dirty.clear()
            else:
                try:
                    if self._rewrite:
                        self.journal.rewrite(self)
                        self._rewrite = False
                    else:
                        self.journal.flush(self)
                except Exception:
                    self._roll_back()
                    raise

    def _roll_back(self) -> None:
        """After a failed commit: make memory what the disk holds again (server and disk never disagree).

        The failed transaction was rolled back, so the disk holds the state of the last good commit;
        reloading it drops the unwritten changes and every dirty mark with them.
        """
        log.error("a commit to %s failed; the directory is rolled back to the last commit", self.journal.path)
        self.journal.load(self)
        self._rewrite = False

    # -- snapshots -----------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """The whole state as a versioned, JSON-able document."""
        with self.lock:
            return {
                "format": SNAPSHOT_FORMAT,
                "kind": "ccsync-snapshot",
                "clock": {"virtual": self.clock.now().isoformat() if self.clock.is_virtual else None},
                "tenants": [t.to_dict() for t in self.tenants.values()],
            }

    def restore(self, doc: Any) -> None:
        """Replace the whole state with a snapshot; nothing changes if the snapshot is refused."""
        if not isinstance(doc, dict) or doc.get("kind") != "ccsync-snapshot":
            raise SnapshotError('not a ccsync snapshot (missing "kind": "ccsync-snapshot")')
        fmt = doc.get("format")
        if not isinstance(fmt, int):
            raise SnapshotError('snapshot has no integer "format"')
        if fmt > SNAPSHOT_FORMAT:
            raise SnapshotError(
                f"snapshot format {fmt} is newer than this simulator understands ({SNAPSHOT_FORMAT}); "
                "upgrade ccsync to load it"
            )
        try:
            tenants = [Tenant.from_dict(t) for t in doc["tenants"]]
        except Exception as exc:  # building is side-effect free: any failure means a damaged snapshot
            raise SnapshotError(f"snapshot is damaged: {exc!r}") from exc
        virtual = _snapshot_clock(doc.get("clock"))
        seen_ids: set[str] = set()
        seen_domains: set[str] = set()
        for t in tenants:
            if t.id in seen_ids:
                raise SnapshotError(f"snapshot is damaged: tenant {t.id} appears twice")
            seen_ids.add(t.id)
            for d in t.domains:
                if d.lower() in seen_domains:
                    raise SnapshotError(f"snapshot is damaged: domain {d} is verified by two tenants")
                seen_domains.add(d.lower())
        # everything is checked: from here on nothing can refuse the snapshot half-way
        with self.lock:
            self.reset()
            for t in tenants:
                self.add_tenant(t)
            if virtual is not None:
                self.clock.set_virtual(virtual)


def _snapshot_clock(clock: Any) -> Any:
    """The snapshot's virtual time (a checked ``datetime``) or None; ``SnapshotError`` if unusable."""
    from datetime import datetime

    from simulator.clock import ClockRangeError, check_virtual_time

    if clock is None:
        return None
    if not isinstance(clock, dict):
        raise SnapshotError('snapshot "clock" must be an object such as {"virtual": null}')
    virtual = clock.get("virtual")
    if virtual is None:
        return None
    try:
        when = datetime.fromisoformat(virtual)
        if when.tzinfo is None:
            raise ValueError("no time zone")
        check_virtual_time(when)
    except (TypeError, ValueError) as exc:
        detail = str(exc) if isinstance(exc, ClockRangeError) else "an ISO-8601 date-time with a time zone"
        raise SnapshotError(f'snapshot "clock.virtual" must be {detail}: {virtual!r}') from None
    return when
