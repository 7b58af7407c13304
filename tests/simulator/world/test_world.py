"""The world: world-file checking, the default world, and deterministic, realistic seeding."""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path

import pytest

from simulator.clouds import Cloud
from simulator.directory import skus
from simulator.directory.tenant import Tenant
from simulator.world import (
    DEFAULT_APPS,
    WorldError,
    build_world,
    default_world,
    load_world,
    parse_world,
    seed_tenant,
)
from simulator.world.people import new_id
from tests.simulator.conftest import START, new_store, snapshot_text

SMALL = """\
version: 1
seed: 7
traffic: documented
tenants:
  - name: Alpha
    cloud: commercial
    users: 40
    guests: 2
    licences: {P1+GOVERNANCE: 50%, P1: 25%}
    groups:
      - {name: Sync, members: 50%}
      - {name: Engineers, department: Engineering}
  - name: Beta
    cloud: china
    users: 30
    guests: 1
"""


def members_of(tenant: Tenant) -> list[dict]:
    return [u for u in tenant.users.values() if u["userType"] == "Member"]


@pytest.fixture(scope="module")
def default_tenants() -> dict[str, Tenant]:
    store = new_store()
    return {t.display_name: t for t in build_world(store, default_world())}


# -- determinism -------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_directory() -> None:
    spec = parse_world(SMALL)
    first, second = new_store(), new_store()
    build_world(first, spec)
    build_world(second, spec)
    assert snapshot_text(first) == snapshot_text(second)


def test_different_seed_gives_different_directory() -> None:
    spec = parse_world(SMALL)
    first, second = new_store(), new_store()
    build_world(first, spec)
    build_world(second, spec, seed=8)
    assert snapshot_text(first) != snapshot_text(second)


def test_cli_seed_overrides_the_file_seed() -> None:
    spec = parse_world(SMALL)
    from_file, from_cli = new_store(), new_store()
    build_world(from_file, spec)
    build_world(from_cli, spec, seed=7)
    assert snapshot_text(from_file) == snapshot_text(from_cli)


def test_adding_a_tenant_leaves_the_others_unchanged() -> None:
    beta_only = "seed: 7\ntenants:\n  - name: Beta\n    cloud: china\n    users: 30\n    guests: 1\n"
    (alone,) = build_world(new_store(), parse_world(beta_only))
    together = build_world(new_store(), parse_world(SMALL))[1]
    assert json.dumps(alone.to_dict(), sort_keys=True) == json.dumps(together.to_dict(), sort_keys=True)


def test_ids_are_the_uuid4_of_the_stream() -> None:
    ours, reference = random.Random(3), random.Random(3)
    for _ in range(1000):
        assert new_id(ours) == str(uuid.UUID(int=reference.getrandbits(128), version=4))


# -- the default world -------------------------------------------------------------------


def test_default_world_has_one_tenant_per_cloud_and_a_gcc_one(default_tenants: dict[str, Tenant]) -> None:
    kinds = sorted((t.cloud.value, t.flavor) for t in default_tenants.values())
    assert kinds == [
        ("china", "china"),
        ("commercial", "commercial"),
        ("commercial", "gcc"),
        ("dod", "dod"),
        ("gcch", "gcch"),
    ]
    for t in default_tenants.values():
        assert 200 <= len(members_of(t)) <= 500


def test_default_world_keeps_the_traffic_key() -> None:
    assert default_world().traffic == "off"


def test_initial_domains_fit_each_cloud(default_tenants: dict[str, Tenant]) -> None:
    suffix = {
        "commercial": ".onmicrosoft.com",
        "gcch": ".onmicrosoft.us",
        "dod": ".onmicrosoft.us",
        "china": ".partner.onmschina.cn",
    }
    for t in default_tenants.values():
        assert t.default_domain.endswith(suffix[t.cloud.value])


def test_guests_are_invited_b2b_users_with_ext_upns(default_tenants: dict[str, Tenant]) -> None:
    for t in default_tenants.values():
        guests = [u for u in t.users.values() if u["userType"] == "Guest"]
        assert guests
        for g in guests:
            assert re.fullmatch(
                r"[a-z0-9.]+_[a-z.]+#EXT#@" + re.escape(t.default_domain), g["userPrincipalName"]
            )
            assert g["creationType"] == "Invitation"
            assert g["showInAddressList"] is False
            assert g.get("assignedLicenses", []) == []


def test_some_members_are_unlicensed_and_some_have_p1_only(default_tenants: dict[str, Tenant]) -> None:
    p1_editions = {skus.P1.sku_id, skus.P1_GCCH.sku_id}
    for t in default_tenants.values():
        members = members_of(t)
        unlicensed = [u for u in members if not u.get("assignedLicenses", [])]
        p1_only = [
            u
            for u in members
            if {lic["skuId"] for lic in u.get("assignedLicenses", [])} <= p1_editions
            and u.get("assignedLicenses", [])
        ]
        assert len(unlicensed) >= 0.05 * len(members), t.display_name
        assert p1_only, t.display_name
        cross_cloud = [
            u
            for u in members
            if {lic["skuId"] for lic in u.get("assignedLicenses", [])} & skus.CROSS_CLOUD_SKUS
        ]
        assert cross_cloud, t.display_name


def test_gcch_tenant_also_buys_the_gcc_high_p1(default_tenants: dict[str, Tenant]) -> None:
    gcch = next(t for t in default_tenants.values() if t.cloud is Cloud.GCCH)
    assert skus.P1_GCCH.sku_id in gcch.subscribed_skus
    assert skus.P1.sku_id in gcch.subscribed_skus


def test_subscribed_skus_cover_every_assigned_unit(default_tenants: dict[str, Tenant]) -> None:
    for t in default_tenants.values():
        assigned: dict[str, int] = {}
        for u in t.users.values():
            for lic in u.get("assignedLicenses", []):
                assigned[lic["skuId"]] = assigned.get(lic["skuId"], 0) + 1
        assert assigned
        for sku_id, n in assigned.items():
            assert t.subscribed_skus[sku_id] >= n
            assert t.consumed_units[sku_id] == n


def test_every_app_has_a_secret_and_roles(default_tenants: dict[str, Tenant]) -> None:
    for t in default_tenants.values():
        by_name = {a.display_name: a for a in t.apps.values()}
        assert set(by_name) == {"ccsync admin", "ccsync reader"}
        assert "User.ReadWrite.CrossCloud" in by_name["ccsync admin"].roles
        assert not any("Write" in r for r in by_name["ccsync reader"].roles)
        for app in t.apps.values():
            assert app.secrets and len(app.secrets[0]) == 40
            assert app.roles
            assert t.applications.get(app.application_id)["passwordCredentials"]
            assert t.service_principals.get(app.sp_id)["appId"] == app.client_id


def test_upns_are_unique_ascii_and_verified(default_tenants: dict[str, Tenant]) -> None:
    for t in default_tenants.values():
        upns = [u["userPrincipalName"].lower() for u in t.users.values()]
        assert len(upns) == len(set(upns))
        for u in t.users.values():
            assert u["userPrincipalName"].isascii() and u["mailNickname"].isascii()
            assert u["userPrincipalName"].endswith("@" + t.default_domain)


def test_china_users_have_chinese_names_and_romanized_upns(default_tenants: dict[str, Tenant]) -> None:
    china = next(t for t in default_tenants.values() if t.cloud is Cloud.CHINA)
    for u in members_of(china):
        assert re.search(r"[\u4e00-\u9fff]", u["displayName"])
        assert re.fullmatch(r"[a-z]+\.[a-z]+\d*", u["mailNickname"])
        assert u["usageLocation"] == "CN"


def test_members_look_like_real_employees(default_tenants: dict[str, Tenant]) -> None:
    contoso = default_tenants["Contoso"]
    members = members_of(contoso)
    for u in members:
        for prop in (
            "givenName",
            "surname",
            "jobTitle",
            "department",
            "employeeId",
            "mobilePhone",
            "officeLocation",
            "employeeHireDate",
            "city",
            "state",
            "country",
        ):
            assert u[prop], prop
        assert u["businessPhones"] and u["usageLocation"] == "US" and u["showInAddressList"] is True
        assert u["displayName"] == f"{u['givenName']} {u['surname']}"
        assert u["createdDateTime"] <= "2025-01-15T09:30:00Z"
    assert any(not u["accountEnabled"] for u in members)
    with_ext = [
        u for u in members if (u.get("onPremisesExtensionAttributes") or {}).get("extensionAttribute1")
    ]
    assert 0 < len(with_ext) < len(members)


def test_groups_hold_the_cross_cloud_share_and_departments(default_tenants: dict[str, Tenant]) -> None:
    contoso = default_tenants["Contoso"]
    groups = {g["displayName"]: g for g in contoso.groups.values()}
    sync = contoso.members[groups["Cross-cloud sync users"]["id"]]
    assert len(sync) == round(0.4 * len(members_of(contoso)))
    engineering = contoso.members[groups["Engineering"]["id"]]
    assert engineering and all(contoso.users.get(uid)["department"] == "Engineering" for uid in engineering)
    assert all(g["securityEnabled"] and not g["mailEnabled"] for g in groups.values())


# -- seed_tenant -------------------------------------------------------------------------


def test_seed_tenant_creates_a_tenant_in_the_cloud_with_n_users() -> None:
    store = new_store()
    t = seed_tenant(store, name="Load Test", cloud="gcch", users=120, seed=3)
    assert store.tenant("loadtest.onmicrosoft.us") is t
    assert t.cloud is Cloud.GCCH and len(members_of(t)) == 120
    assert {a.display_name for a in t.apps.values()} == {a.name for a in DEFAULT_APPS}
    assert any(g["displayName"] == "Cross-cloud sync users" for g in t.groups.values())


def test_seed_tenant_refuses_a_domain_already_taken() -> None:
    store = new_store()
    seed_tenant(store, name="Dup", cloud="commercial", users=5)
    with pytest.raises(WorldError, match="already verified"):
        seed_tenant(store, name="Dup", cloud="commercial", users=5, seed=9)
    assert len(store.tenants) == 1


def test_seed_tenant_checks_its_arguments_like_a_world_file() -> None:
    with pytest.raises(WorldError, match="unknown licence 'P9'; use one of"):
        seed_tenant(new_store(), name="X", cloud="commercial", licences={"P9": "10%"})


# -- world-file errors -------------------------------------------------------------------

TENANT = "version: 1\ntenants:\n  - name: Contoso\n    cloud: commercial\n"


@pytest.mark.parametrize(
    ("text", "line", "problem", "fix"),
    [
        (
            "version: 1\ntenants:\n  - name: A\n    cloud: azure\n",
            4,
            "unknown cloud 'azure'",
            "use one of commercial, gcch, dod, china",
        ),
        (TENANT + "    usres: 3\n", 5, "unknown key 'usres'", "did you mean 'users'?"),
        (TENANT + "    users: many\n", 5, "users must be a whole number", "e.g. users: 300"),
        (TENANT + "    licences: {P3: 10%}\n", 5, "unknown licence 'P3'", "use one of P1, P2"),
        (
            TENANT + "    licences:\n      P1: 60%\n      P2: 50%\n",
            7,
            "add up to 110%",
            "lower the percentages",
        ),
        (
            TENANT + "    disabled_percent: 120%\n",
            5,
            "percentage from 0 to 100",
            "such as disabled_percent: 3%",
        ),
        (TENANT + "    groups:\n      - {name: X, members: 1.5}\n", 6, "percentage or a count", "40%"),
        (
            TENANT + "    groups:\n      - {name: X, department: Magic}\n",
            6,
            "unknown department 'Magic'",
            "Engineering",
        ),
        (
            TENANT + "    flavor: gcch\n",
            5,
            "flavor 'gcch' does not exist in cloud commercial",
            "commercial or gcc",
        ),
        (
            TENANT + "    domain: contoso.onmicrosoft.us\n",
            5,
            "not an initial domain",
            "ending in .onmicrosoft.com",
        ),
        (TENANT + "    locale: xx_YY\n", 5, "unknown locale 'xx_YY'", "faker locale"),
        (TENANT + "    groups: Engineering\n", 5, "groups must be a list", "write it as a list"),
        (
            TENANT + "  - name: contoso\n    cloud: gcch\n",
            5,
            "tenant name 'contoso' is used twice",
            "its own name",
        ),
        (
            "version: 1\ntraffic: heavy\ntenants: []\n",
            2,
            "unknown traffic profile 'heavy'",
            "off, documented, scaled",
        ),
        (
            "version: 1\ntenants:\n  - name: A\n    cloud: [gcch\n",
            5,
            "YAML syntax error",
            "fix the indentation",
        ),
    ],
)
def test_world_file_errors_name_the_line_and_the_fix(text: str, line: int, problem: str, fix: str) -> None:
    with pytest.raises(WorldError) as err:
        parse_world(text, source="world.yaml")
    message = str(err.value)
    assert message.startswith(f"world.yaml line {line}: ")
    assert problem in message and fix in message


def test_load_world_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "world.yaml"
    path.write_text(TENANT + "    cloud: gcch\n", encoding="utf-8")
    with pytest.raises(WorldError, match=r"world\.yaml line 5: duplicate key 'cloud'"):
        load_world(path)


def test_unknown_group_member_is_reported_at_build_time() -> None:
    spec = parse_world(
        TENANT + "    users: 3\n    groups:\n      - name: Pilots\n        members: [nobody.here]\n",
        source="world.yaml",
    )
    with pytest.raises(WorldError, match=r"world\.yaml line 7: group 'Pilots' lists 'nobody\.here'"):
        build_world(new_store(), spec)


def test_groups_can_name_their_members_and_leave_users_unchanged() -> None:
    (plain,) = build_world(new_store(), parse_world(TENANT + "    users: 5\n"))
    users = [u["mailNickname"] for u in plain.users.values()]
    spec = parse_world(
        TENANT + f"    users: 5\n    groups:\n      - {{name: Pilots, members: [{users[3]}, {users[1]}]}}\n"
    )
    (grouped,) = build_world(new_store(), spec)
    assert [u["mailNickname"] for u in grouped.users.values()] == users
    group = next(iter(grouped.groups.values()))
    assert [grouped.users.get(uid)["mailNickname"] for uid in grouped.members[group["id"]]] == [
        users[3],
        users[1],
    ]


def test_licence_counts_beyond_the_users_are_refused() -> None:
    spec = parse_world(TENANT + "    users: 10\n    licences: {P1: 8, SUITE: 5}\n", source="world.yaml")
    with pytest.raises(WorldError, match=r"world\.yaml line 3: licences cover 13 users .* has 10"):
        build_world(new_store(), spec)


def test_a_clash_with_the_store_adds_nothing() -> None:
    store = new_store()
    seed_tenant(store, name="Beta", cloud="china", users=3)
    with pytest.raises(WorldError, match=r"line 13: domain beta\.partner\.onmschina\.cn is already verified"):
        build_world(store, parse_world(SMALL))
    assert len(store.tenants) == 1


def test_the_traffic_profile_is_kept_on_the_spec() -> None:
    assert parse_world(SMALL).traffic == "documented"


def test_nothing_is_created_after_the_build(default_tenants: dict[str, Tenant]) -> None:
    now = "2025-01-15T09:30:00Z"
    for t in default_tenants.values():
        assert t.created < START
        for u in t.users.values():
            assert u["createdDateTime"] <= now
            assert u.get("externalUserStateChangeDateTime", now) <= now
        assert all(g["createdDateTime"] <= now for g in t.groups.values())


def test_a_seeded_tenant_starts_with_an_empty_change_log(default_tenants: dict[str, Tenant]) -> None:
    for t in default_tenants.values():
        assert len(t.changes) == 0 and t.changes.version > 0
