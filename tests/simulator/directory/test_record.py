"""UserRecord: a stored user that behaves exactly as the sparse dict it replaces."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from simulator.directory.collection import Collection
from simulator.directory.record import FIELDS, UserRecord, plain

SEEDED_SHAPE = {
    "id": "0b6c9d3e-1f2a-4b5c-8d7e-9f0a1b2c3d4e",
    "userType": "Member",
    "createdDateTime": "2024-05-01T10:00:00Z",
    "accountEnabled": True,
    "displayName": "Megan Bowen",
    "userPrincipalName": "megan.bowen@contoso.onmicrosoft.com",
    "businessPhones": ["+1 425 555 0109"],
    "onPremisesExtensionAttributes": {"extensionAttribute1": "CC1005"},
    "otherMails": ["megan@fabrikam.com"],
    "@odata.type": "#microsoft.graph.user",
}


def test_reads_writes_and_deletes_like_a_dict() -> None:
    rec, ref = UserRecord(SEEDED_SHAPE), dict(SEEDED_SHAPE)
    assert rec == ref and ref == rec and len(rec) == len(ref)
    assert rec["displayName"] == "Megan Bowen" and rec["otherMails"] == ["megan@fabrikam.com"]
    assert rec.get("jobTitle") is None and rec.get("jobTitle", "x") == "x" and rec.get("nope", 1) == 1
    assert "jobTitle" not in rec and "displayName" in rec and "@odata.type" in rec and "nope" not in rec
    with pytest.raises(KeyError):
        rec["jobTitle"]
    with pytest.raises(KeyError):
        rec["nope"]
    rec["jobTitle"] = None  # None is a value like any other: the key exists
    assert "jobTitle" in rec and rec["jobTitle"] is None and rec.get("jobTitle", "x") is None
    assert rec.pop("jobTitle") is None and "jobTitle" not in rec
    assert rec.pop("jobTitle", "gone") == "gone"
    with pytest.raises(KeyError):
        rec.pop("jobTitle")
    with pytest.raises(KeyError):
        del rec["surname"]
    del rec["@odata.type"]
    assert "@odata.type" not in rec
    rec.update({"city": "Redmond"}, surname="Bowen")
    ref.pop("@odata.type")
    ref.update(city="Redmond", surname="Bowen")
    assert rec == ref and dict(rec) == ref and {**rec} == ref and rec.to_dict() == ref
    assert rec.setdefault("city", "Paris") == "Redmond" and rec.setdefault("state", "WA") == "WA"


def test_a_random_edit_history_leaves_record_and_dict_equal() -> None:
    rng = random.Random(5)
    keys = [*FIELDS[:12], "otherMails", "identities", "@odata.type", "deletedDateTime"]
    rec: UserRecord = UserRecord()
    ref: dict[str, Any] = {}
    assert not rec and len(rec) == 0 and list(rec) == []
    for step in range(3000):
        key = rng.choice(keys)
        op = rng.random()
        if op < 0.5:
            value = rng.choice([None, True, step, f"v{step}", [step]])
            rec[key] = value
            ref[key] = value
        elif op < 0.8:
            assert rec.pop(key, "-") == ref.pop(key, "-")
        else:
            assert (key in rec) == (key in ref) and rec.get(key) == ref.get(key)
        assert len(rec) == len(ref) and set(rec) == set(ref) and rec == ref
        assert bool(rec) == bool(ref)


def test_method_names_are_properties_like_any_other() -> None:
    rec = UserRecord(id="x")
    for key in ("get", "items", "keys", "_extra", "_seq", "to_dict", "__class__"):
        assert key not in rec and rec.get(key) is None
        rec[key] = key.upper()
        assert rec[key] == key.upper()
    assert rec.to_dict()["items"] == "ITEMS" and isinstance(rec, UserRecord)


def test_slotted_properties_come_first_in_field_order_then_the_others_as_set() -> None:
    rec = UserRecord({"zeta": 1, "mail": "m", "id": "i", "alpha": 2, "userType": "Member"})
    assert list(rec) == ["id", "userType", "mail", "zeta", "alpha"]


def test_json_sees_a_plain_object() -> None:
    rec = UserRecord(SEEDED_SHAPE)
    text = json.dumps({"value": [rec]}, default=plain, sort_keys=True)
    assert text == json.dumps({"value": [SEEDED_SHAPE]}, sort_keys=True)
    with pytest.raises(TypeError):
        json.dumps(object(), default=plain)


def test_reloaded_users_share_repeated_values_again() -> None:
    shared: dict[str, Any] = {}
    rows = [
        json.loads(
            json.dumps(
                {
                    "id": f"u{i}",
                    "userPrincipalName": f"u{i}@contoso.onmicrosoft.com",
                    "mail": f"u{i}@contoso.onmicrosoft.com",
                    "department": "Engineering",
                    "assignedLicenses": [{"skuId": "s1", "disabledPlans": []}],
                    "onPremisesExtensionAttributes": {"extensionAttribute1": "CC1005"},
                }
            )
        )
        for i in range(3)
    ]
    a, b, c = (UserRecord.from_json(r, shared) for r in rows)
    assert a == rows[0]
    assert a["mail"] is a["userPrincipalName"]
    assert a["department"] is b["department"] is c["department"]
    assert a["assignedLicenses"] is b["assignedLicenses"] is c["assignedLicenses"]
    assert a["onPremisesExtensionAttributes"] is c["onPremisesExtensionAttributes"]


def test_a_collection_pages_records_by_the_sequence_number_they_carry() -> None:
    coll = Collection()
    users = [UserRecord(id=f"u{i}", displayName=f"User {i}") for i in range(5)]
    groups = [{"id": f"g{i}"} for i in range(2)]
    for u in users[:3]:
        coll.add(u)
    coll.add(groups[0])
    for u in users[3:]:
        coll.add(u)
    assert [coll.seq(o["id"]) for o in [*users[:3], groups[0], *users[3:]]] == [1, 2, 3, 4, 5, 6]
    coll.remove("u1")
    coll.add(users[1])  # back, with a new sequence number: after every cursor handed out
    assert coll.seq("u1") == 7
    assert [o["id"] for o in coll.values()] == ["u0", "u2", "g0", "u3", "u4", "u1"]
    page, cursor = coll.page(0, 2)
    assert [o["id"] for o in page] == ["u0", "u2"] and cursor == 3
    assert [s for s, _ in coll.iter_after(3)] == [4, 5, 6, 7]
    assert coll.dump()[0] == {"id": "u0", "displayName": "User 0"} and type(coll.dump()[0]) is dict
    again = Collection.restore([(coll.seq(o["id"]), o) for o in coll.values()])
    assert [s for s, _ in again.iter_after(0)] == [1, 3, 4, 5, 6, 7] and again.seq("u1") == 7


def test_compaction_keeps_records_that_moved_back() -> None:
    coll = Collection()
    users = [UserRecord(id=f"u{i}") for i in range(3000)]
    for u in users:
        coll.add(u)
    for u in users[:2000]:
        coll.remove(u["id"])
    coll.add(users[0])
    assert [o["id"] for o in coll.values()] == [u["id"] for u in users[2000:]] + ["u0"]
    assert len(coll._order_id) < 2000  # compacted
