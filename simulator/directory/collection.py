"""An ordered, id-keyed collection of directory objects with stable cursors for paging."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from simulator.directory.record import UserRecord

#: A stored directory object: a plain dict, or a ``UserRecord`` (which behaves as one).
Obj = MutableMapping[str, Any]


class Collection:
    """Objects in insertion order; each gets a sequence number that never changes or repeats.

    Paging walks by sequence number, so objects created during an enumeration land after
    every cursor already handed out: no duplicate, no omission of objects that existed.
    A ``UserRecord`` carries its own sequence number (a million users then need no id -> seq
    dict); plain dicts have theirs in ``_seq_of``. An object is in at most one collection at a time.
    """

    __slots__ = ("items", "_seq_of", "_order_seq", "_order_id", "_next", "_dead", "dirty", "tracking")

    def __init__(self) -> None:
        self.items: dict[str, Obj] = {}
        self._seq_of: dict[str, int] = {}
        self._order_seq: list[int] = []
        self._order_id: list[str] = []
        self._next = 1
        self._dead = 0
        #: ids added, removed or touched since the journal last wrote this collection.
        self.dirty: set[str] = set()
        #: False while a tenant is seeded in bulk (``Tenant.seeding``): nothing is marked dirty.
        self.tracking = True

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, obj_id: object) -> bool:
        return obj_id in self.items

    def get(self, obj_id: str) -> Obj | None:
        return self.items.get(obj_id)

    def add(self, obj: Obj) -> int:
        """Append ``obj`` (keyed by ``obj['id']``) and return its sequence number."""
        obj_id = obj["id"]
        if obj_id in self.items:
            raise KeyError(f"duplicate id {obj_id}")
        seq = self._next
        self._next += 1
        self.items[obj_id] = obj
        self._set_seq(obj_id, obj, seq)
        self._order_seq.append(seq)
        self._order_id.append(obj_id)
        if self.tracking:
            self.dirty.add(obj_id)
        return seq

    def _set_seq(self, obj_id: str, obj: Obj, seq: int) -> None:
        if obj.__class__ is UserRecord:
            obj._seq = seq  # type: ignore[union-attr]
        else:
            self._seq_of[obj_id] = seq

    def remove(self, obj_id: str) -> Obj:
        obj = self.items.pop(obj_id)
        self._seq_of.pop(obj_id, None)
        if self.tracking:
            self.dirty.add(obj_id)
        self._dead += 1
        if self._dead > 1024 and self._dead > len(self.items):
            self._compact()
        return obj

    def touch(self, obj_id: str) -> None:
        """Note an in-place change of ``obj_id`` so the journal writes it."""
        if self.tracking:
            self.dirty.add(obj_id)

    def seq(self, obj_id: str) -> int:
        obj = self.items[obj_id]
        return obj._seq if obj.__class__ is UserRecord else self._seq_of[obj_id]  # type: ignore[union-attr]

    def _live_seq(self, obj_id: str) -> int | None:
        obj = self.items.get(obj_id)
        if obj is None:
            return None
        return obj._seq if obj.__class__ is UserRecord else self._seq_of.get(obj_id)  # type: ignore[union-attr]

    def _compact(self) -> None:
        keep = [
            (s, i) for s, i in zip(self._order_seq, self._order_id, strict=True) if self._live_seq(i) == s
        ]
        self._order_seq = [s for s, _ in keep]
        self._order_id = [i for _, i in keep]
        self._dead = 0

    def iter_after(self, cursor: int = 0) -> Iterator[tuple[int, Obj]]:
        """Live objects with a sequence number above ``cursor``, in order."""
        start = bisect_right(self._order_seq, cursor)
        seqs, ids, seq_of, items = self._order_seq, self._order_id, self._seq_of, self.items
        record = UserRecord
        for k in range(start, len(seqs)):
            obj_id = ids[k]
            obj = items.get(obj_id)
            if obj is None:
                continue
            s = seqs[k]
            if (obj._seq if obj.__class__ is record else seq_of.get(obj_id)) == s:  # type: ignore[union-attr]
                yield s, obj

    def page(
        self, cursor: int, limit: int, keep: Callable[[Obj], bool] | None = None
    ) -> tuple[list[Obj], int | None]:
        """Up to ``limit`` objects after ``cursor`` that pass ``keep``; the next cursor or None."""
        out: list[Obj] = []
        last = cursor
        for s, obj in self.iter_after(cursor):
            if keep is not None and not keep(obj):
                last = s
                continue
            if len(out) == limit:
                return out, last
            out.append(obj)
            last = s
        return out, None

    def values(self) -> Iterator[Obj]:
        for _, obj in self.iter_after(0):
            yield obj

    def dump(self) -> list[dict[str, Any]]:
        """Objects in sequence order as plain dicts (for snapshots)."""
        return [o.to_dict() if o.__class__ is UserRecord else o for o in self.values()]  # type: ignore[union-attr,misc]

    @classmethod
    def restore(cls, rows: list[tuple[int, Obj]]) -> Collection:
        """Rebuild from ``(seq, obj)`` rows in seq order, keeping the sequence numbers (cursors stay valid)."""
        c = cls()
        for seq, obj in rows:
            c.items[obj["id"]] = obj
            c._set_seq(obj["id"], obj, seq)
            c._order_seq.append(seq)
            c._order_id.append(obj["id"])
        c._next = (rows[-1][0] + 1) if rows else 1
        return c

    @classmethod
    def load(cls, objs: list[Obj]) -> Collection:
        c = cls()
        c.tracking = False
        for o in objs:
            c.add(o)
        c.tracking = True
        return c
