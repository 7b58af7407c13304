"""A stored user in a third of a dict's memory: common properties in slots, the rest in a small dict.

A million-user tenant holds a million users; as plain dicts of ~29 keys they alone take 850 MB.
``UserRecord`` is a ``MutableMapping`` with the same behaviour as the sparse dict it replaces (only
set keys exist, ``None`` is a value like any other, ``get``/``[]``/``in``/``pop``/``update``), so the
directory, the projector and ``$filter`` read it unchanged. What serializes stored objects (journal,
snapshots) turns it into a plain dict with :meth:`UserRecord.to_dict`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from typing import Any

#: Properties with a slot of their own, in the order a seeded user's dict had them (so ``$select=*``
#: keeps its key order); any other property lives in ``_extra``.
FIELDS: tuple[str, ...] = (
    "id",
    "userType",
    "createdDateTime",
    "accountEnabled",
    "displayName",
    "givenName",
    "surname",
    "userPrincipalName",
    "mailNickname",
    "mail",
    "jobTitle",
    "department",
    "companyName",
    "employeeId",
    "employeeType",
    "employeeHireDate",
    "officeLocation",
    "streetAddress",
    "city",
    "state",
    "postalCode",
    "country",
    "usageLocation",
    "preferredLanguage",
    "businessPhones",
    "mobilePhone",
    "showInAddressList",
    "onPremisesExtensionAttributes",
    "assignedLicenses",
)
_SLOTTED = frozenset(FIELDS)
#: String properties whose values repeat across users (departments, offices, ...): one object each
#: when users are loaded from JSON, as when they were seeded.
_POOLED = frozenset(
    {
        "userType",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "companyName",
        "employeeType",
        "employeeHireDate",
        "officeLocation",
        "streetAddress",
        "city",
        "state",
        "postalCode",
        "country",
        "usageLocation",
        "preferredLanguage",
    }
)
#: Values many users hold equal copies of, which a load shares (see ``UserRecord.from_json``).
_SHARED = ("assignedLicenses", "onPremisesExtensionAttributes")
_MISSING: Any = object()


class UserRecord(MutableMapping[str, Any]):
    """One stored user; behaves as the dict ``{property: value}`` of its set properties."""

    __slots__ = (*FIELDS, "_extra", "_seq")

    def __init__(self, data: Mapping[str, Any] | Iterable[tuple[str, Any]] = (), /, **kwargs: Any) -> None:
        #: properties without a slot (``@odata.type``, ``otherMails``, ...); None while there are none.
        self._extra: dict[str, Any] | None = None
        #: the sequence number the collection holding this user gave it (``Collection`` keeps it).
        self._seq = 0
        self.update(data, **kwargs)

    # -- the Mapping protocol ----------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        if key in _SLOTTED:
            value = getattr(self, key, _MISSING)
            if value is _MISSING:
                raise KeyError(key)
            return value
        extra = self._extra
        if extra is None:
            raise KeyError(key)
        return extra[key]

    def get(self, key: str, default: Any = None) -> Any:
        if key in _SLOTTED:
            return getattr(self, key, default)
        extra = self._extra
        return default if extra is None else extra.get(key, default)

    def __contains__(self, key: object) -> bool:
        if key in _SLOTTED:
            return hasattr(self, key)  # type: ignore[arg-type]
        extra = self._extra
        return extra is not None and key in extra

    def __setitem__(self, key: str, value: Any) -> None:
        if key in _SLOTTED:
            setattr(self, key, value)
        elif self._extra is None:
            self._extra = {key: value}
        else:
            self._extra[key] = value

    def __delitem__(self, key: str) -> None:
        if key in _SLOTTED:
            try:
                delattr(self, key)
            except AttributeError:
                raise KeyError(key) from None
            return
        extra = self._extra
        if extra is None:
            raise KeyError(key)
        del extra[key]
        if not extra:
            self._extra = None

    def __iter__(self) -> Iterator[str]:
        for name in FIELDS:
            if hasattr(self, name):
                yield name
        if self._extra is not None:
            yield from self._extra

    def __len__(self) -> int:
        n = 0
        for name in FIELDS:
            if hasattr(self, name):
                n += 1
        return n + (len(self._extra) if self._extra is not None else 0)

    def __bool__(self) -> bool:
        return hasattr(self, "id") or len(self) > 0

    def __repr__(self) -> str:
        return f"UserRecord({self.to_dict()!r})"

    # -- faster forms of the mixin methods ------------------------------------------------

    def pop(self, key: str, default: Any = _MISSING) -> Any:
        try:
            value = self[key]
        except KeyError:
            if default is _MISSING:
                raise
            return default
        del self[key]
        return value

    def update(self, other: Any = (), /, **kwargs: Any) -> None:
        if other.__class__ is dict or isinstance(other, Mapping):
            other = other.items()
        elif hasattr(other, "keys"):
            other = [(k, other[k]) for k in other.keys()]
        for key, value in other:
            self[key] = value
        for key, value in kwargs.items():
            self[key] = value

    def copy(self) -> UserRecord:
        return UserRecord(self)

    def to_dict(self) -> dict[str, Any]:
        """The user as a plain dict (for JSON), values shared, not copied."""
        out: dict[str, Any] = {}
        for name in FIELDS:
            value = getattr(self, name, _MISSING)
            if value is not _MISSING:
                out[name] = value
        if self._extra is not None:
            out.update(self._extra)
        return out

    @classmethod
    def from_json(cls, obj: Mapping[str, Any], shared: dict[str, Any] | None = None) -> UserRecord:
        """A user read back from JSON, with repeated values shared again as seeding shares them.

        ``mail`` becomes the same object as an equal ``userPrincipalName``, the pooled properties
        (department, city, ...) are interned, and equal licence lists and extension attributes are
        one object per ``shared`` pool (give one pool per load); a reloaded tenant then takes what
        the seeded one took. Sharing is safe because the directory replaces these values, never
        changes them in place.
        """
        rec = cls(obj)
        for name in _POOLED:
            value = getattr(rec, name, None)
            if value.__class__ is str:
                setattr(rec, name, sys.intern(value))
        if shared is not None:
            for name in _SHARED:
                value = getattr(rec, name, None)
                if value:
                    setattr(rec, name, shared.setdefault(name + json.dumps(value, sort_keys=True), value))
        upn = getattr(rec, "userPrincipalName", None)
        if upn is not None and getattr(rec, "mail", None) == upn:
            rec.mail = upn
        return rec


def plain(obj: Any) -> Any:
    """``json.dumps(..., default=plain)``: stored users as dicts; anything else stays unserializable."""
    if isinstance(obj, UserRecord):
        return obj.to_dict()
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
