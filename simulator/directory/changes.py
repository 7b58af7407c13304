"""The change log of one tenant: what changed when, so delta rounds cost O(changes), not O(tenant)."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from simulator.clock import Clock

#: How long an entry is kept: a delta token lives 7 days (graph/delta.py), plus a day for rounds
#: that span time. Older entries can serve no valid token, so they are dropped as the log grows.
RETENTION_S = 8 * 86400
#: Retention is applied once per this many recorded entries (amortised; the drop is a slice).
_TRIM_EVERY = 4096


class Change(NamedTuple):
    """One recorded change. ``props`` is None when the whole object counts as changed."""

    version: int
    at: float
    kind: str  # "user" | "group"
    obj_id: str
    op: str  # create | update | softdelete | restore | harddelete | member_add | member_remove
    props: frozenset[str] | None = None
    member_id: str | None = None
    member_type: str | None = None

    def to_json(self) -> list[Any]:
        """The change as snapshots and the journal store it: ``[version, at, kind, id, op, props, member, type]``."""
        props = sorted(self.props) if self.props is not None else None
        return [
            self.version,
            self.at,
            self.kind,
            self.obj_id,
            self.op,
            props,
            self.member_id,
            self.member_type,
        ]

    @classmethod
    def from_json(cls, row: list[Any]) -> Change:
        """A change from its JSON form (``to_json``)."""
        v, at, kind, oid, op, props, mid, mtype = row
        return cls(v, at, kind, oid, op, frozenset(props) if props is not None else None, mid, mtype)


class ChangeLog:
    """Append-only, version-numbered changes; old entries are dropped once no valid token can need them."""

    __slots__ = ("version", "floor", "epoch", "_entries", "_versions", "clock", "recording")

    def __init__(self) -> None:
        #: Set by the store when the tenant joins it; entries are stamped with its time.
        self.clock: Clock | None = None
        self.version = 0
        #: Entries at or below ``floor`` are gone: a token older than it must start over.
        self.floor = 0
        #: Bumped by a forced reset: tokens of an older epoch get 410 Gone.
        self.epoch = 1
        self._entries: list[Change] = []
        self._versions: list[int] = []
        #: False while a tenant is seeded in bulk (``Tenant.seeding``): versions advance, nothing is kept.
        self.recording = True

    def record(
        self,
        kind: str,
        obj_id: str,
        op: str,
        props: frozenset[str] | None = None,
        member_id: str | None = None,
        member_type: str | None = None,
    ) -> int:
        self.version += 1
        if not self.recording:
            return self.version
        at = self.clock.timestamp() if self.clock is not None else 0.0
        self._entries.append(Change(self.version, at, kind, obj_id, op, props, member_id, member_type))
        self._versions.append(self.version)
        if self.version % _TRIM_EVERY == 0 and self.clock is not None:
            self.drop_older_than(at - RETENTION_S)
        return self.version

    def since(self, after: int, until: int, kind: str) -> list[Change]:
        """Changes of ``kind`` with ``after < version <= until``, oldest first."""
        start = bisect_right(self._versions, after)
        stop = bisect_right(self._versions, until)
        return [c for c in self._entries[start:stop] if c.kind == kind]

    def after(self, version: int) -> list[Change]:
        """Every change (any kind) with a version above ``version``."""
        return self._entries[bisect_right(self._versions, version) :]

    def forget(self) -> None:
        """Drop every entry (after bulk seeding: the initial round enumerates those objects anyway)."""
        self._entries.clear()
        self._versions.clear()
        self.floor = self.version

    def drop_older_than(self, cutoff: float) -> None:
        """Drop entries recorded before ``cutoff`` (epoch seconds); tokens that old have expired."""
        k = 0
        while k < len(self._entries) and self._entries[k].at < cutoff:
            k += 1
        if k:
            self.floor = self._entries[k - 1].version
            del self._entries[:k]
            del self._versions[:k]

    def reset(self) -> None:
        """Invalidate every outstanding delta token (the service-side reset that answers 410)."""
        self.epoch += 1

    def __len__(self) -> int:
        return len(self._entries)

    def counters(self) -> dict[str, int]:
        """``version``, ``floor`` and ``epoch``: the log without its entries."""
        return {"version": self.version, "floor": self.floor, "epoch": self.epoch}

    def to_dict(self) -> dict[str, Any]:
        """The whole log as a snapshot stores it: its counters and its entries (``Change.to_json``)."""
        return {**self.counters(), "entries": [c.to_json() for c in self._entries]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ChangeLog:
        return cls.restore(d, (Change.from_json(row) for row in d["entries"]))

    @classmethod
    def restore(cls, counters: Mapping[str, int], entries: Iterable[Change]) -> ChangeLog:
        """A log from its ``counters()`` and its entries, oldest first (snapshots and the journal)."""
        log = cls()
        log.version, log.floor, log.epoch = counters["version"], counters["floor"], counters["epoch"]
        for c in entries:
            log._entries.append(c)
            log._versions.append(c.version)
        return log
