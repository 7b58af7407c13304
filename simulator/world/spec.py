"""A world file: the tenants, people, licences, groups and apps the simulator starts with.

The YAML is read node by node (``yaml.compose``) so every error names the file, the line and the fix.
Python mappings (control-plane requests) go through the same checks via ``yaml``'s representer.
"""

from __future__ import annotations

import difflib
import os
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any, NoReturn

import yaml
from faker.config import AVAILABLE_LOCALES

from simulator.clouds import CLOUDS, Cloud
from simulator.directory import skus
from simulator.directory.skus import Sku
from simulator.world.people import DEPARTMENTS, ascii_name

#: Seed used when neither the CLI nor the world file gives one.
DEFAULT_SEED = 42
TRAFFIC_PROFILES = ("off", "documented", "scaled")
#: The initial (``*.onmicrosoft.*``) domain suffix of each cloud.
INITIAL_DOMAIN_SUFFIX = {
    Cloud.COMMERCIAL: ".onmicrosoft.com",
    Cloud.GCCH: ".onmicrosoft.us",
    Cloud.DOD: ".onmicrosoft.us",
    Cloud.CHINA: ".partner.onmschina.cn",
}
DEFAULT_LOCALE = {Cloud.COMMERCIAL: "en_US", Cloud.GCCH: "en_US", Cloud.DOD: "en_US", Cloud.CHINA: "zh_CN"}

_DOMAIN = re.compile(
    r"^(?=.{4,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$"
)
_EXAMPLE_GUID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
_WORLD_KEYS = ("version", "seed", "traffic", "tenants")
_TENANT_KEYS = tuple(
    "name cloud flavor domain id locale users disabled_percent guests licences licenses groups apps "
    "cross_cloud_sync".split()
)
_GROUP_KEYS = ("name", "members", "department", "description")
_APP_KEYS = ("name", "permissions", "client_id", "secret")
_PERMISSION = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z][A-Za-z0-9]*)+$")


class WorldError(ValueError):
    """A world file or seed request that cannot be used; the message names the place and the fix."""


@dataclass(frozen=True)
class Share:
    """How many users: a percentage of the tenant's member users, or an exact count."""

    percent: float | None = None
    count: int | None = None

    def of(self, total: int) -> int:
        """The number of users this share selects out of ``total``."""
        if self.count is not None:
            return self.count
        return int(total * (self.percent or 0.0) / 100.0 + 0.5)

    def __str__(self) -> str:
        return f"{self.percent:g}%" if self.count is None else str(self.count)


@dataclass(frozen=True)
class LicenceSpec:
    """One licence bundle (one or more SKUs assigned together) and the share of users who get it."""

    skus: tuple[Sku, ...]
    share: Share


@dataclass(frozen=True)
class GroupSpec:
    """A security group; members are a share of users, named users, or a department."""

    name: str
    members: Share | tuple[str, ...] | None = None
    department: str | None = None
    description: str | None = None
    #: "file line N", for errors found while building (unknown member names).
    where: str = ""


@dataclass(frozen=True)
class AppSpec:
    """An app registration with a client secret and granted application permissions."""

    name: str
    permissions: tuple[str, ...]
    client_id: str | None = None
    secret: str | None = None


#: Application permissions of the default apps.
ADMIN_PERMISSIONS = tuple(
    """Application.ReadWrite.All AppRoleAssignment.ReadWrite.All AuditLog.Read.All Directory.ReadWrite.All
    Group.ReadWrite.All GroupMember.ReadWrite.All LicenseAssignment.ReadWrite.All Organization.Read.All
    Policy.Read.All Policy.ReadWrite.CrossTenantAccess Synchronization.ReadWrite.All User.Invite.All
    User.ReadWrite.All User.ReadWrite.CrossCloud""".split()
)
READER_PERMISSIONS = tuple(
    "AuditLog.Read.All Directory.Read.All Group.Read.All Organization.Read.All Policy.Read.All User.Read.All".split()
)
#: Apps every tenant gets when its ``apps`` key is absent.
DEFAULT_APPS = (AppSpec("ccsync admin", ADMIN_PERMISSIONS), AppSpec("ccsync reader", READER_PERMISSIONS))


@dataclass(frozen=True)
class TenantSpec:
    """One tenant of a world: where it lives and what it is seeded with."""

    name: str
    cloud: Cloud
    flavor: str
    domain: str
    locale: str
    users: int = 100
    disabled_percent: float = 2.0
    guests: int = 0
    licences: tuple[LicenceSpec, ...] = ()
    groups: tuple[GroupSpec, ...] = ()
    apps: tuple[AppSpec, ...] = DEFAULT_APPS
    id: str | None = None
    where: str = ""
    #: the target's "cross-cloud synchronization" setting per source cloud (simulator-only; on unless
    #: listed false here: simulator/directory/cross_cloud_sync.py)
    cross_cloud_sync: tuple[tuple[str, bool], ...] = ()


@dataclass(frozen=True)
class WorldSpec:
    """A whole world file."""

    tenants: tuple[TenantSpec, ...]
    version: int = 1
    seed: int | None = None
    #: throttling profile name; reserved (``off``, ``documented`` or ``scaled``).
    traffic: str = "off"
    source: str = "<world>"


def default_domain(name: str, cloud: Cloud) -> str:
    """The initial domain a tenant called ``name`` gets in ``cloud`` (``contoso.onmicrosoft.com``)."""
    slug = ascii_name(name.replace(" ", "")) or "tenant"
    return slug[:27] + INITIAL_DOMAIN_SUFFIX[cloud]


def load_world(path: str | os.PathLike[str]) -> WorldSpec:
    """Read and check a world file; raise :class:`WorldError` naming the line and the fix."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except OSError as exc:
        raise WorldError(f"{path}: cannot read the world file ({exc.strerror}); check the path") from exc
    return parse_world(text, source=str(path))


def default_world() -> WorldSpec:
    """The default world shipped with ccsync (``simulator/world/default.yaml``)."""
    ref = resources.files("simulator.world").joinpath("default.yaml")
    return parse_world(ref.read_text(encoding="utf-8"), source="default.yaml")


def parse_world(text: str, source: str = "<world>") -> WorldSpec:
    """Check world-file YAML text; ``source`` names it in error messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f" line {mark.line + 1}" if mark else ""
        problem = exc.problem or exc.context or "invalid YAML"
        raise WorldError(
            f"{source}{line}: YAML syntax error: {problem}; fix the indentation or quoting there"
        ) from None
    except yaml.YAMLError as exc:
        raise WorldError(f"{source}: YAML error: {exc}; fix the file's syntax") from None
    if root is None:
        raise WorldError(f"{source}: the world file is empty; start it with 'version: 1' and 'tenants:'")
    return _Reader(source).world(root)


def tenant_spec(data: Mapping[str, Any], source: str = "seed request") -> TenantSpec:
    """Check a tenant given as a Python mapping (same keys as in a world file)."""
    try:
        node = yaml.representer.SafeRepresenter(sort_keys=False).represent_data(_plain(data))
    except yaml.YAMLError as exc:
        raise WorldError(f"{source}: {exc}; use only text, numbers, lists and mappings") from None
    return _Reader(source).tenant(node)


def _plain(value: Any) -> Any:
    """Plain Python data the YAML representer understands (enums to text, tuples to lists)."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value


class _Reader:
    """Turns YAML nodes into specs, failing with the node's line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._constructor = yaml.SafeLoader("")

    def where(self, node: yaml.Node | None) -> str:
        mark = getattr(node, "start_mark", None)
        return f"{self.source} line {mark.line + 1}" if mark is not None else self.source

    def fail(self, node: yaml.Node | None, problem: str, fix: str) -> NoReturn:
        raise WorldError(f"{self.where(node)}: {problem}; {fix}")

    # -- generic nodes -------------------------------------------------------------------

    def mapping(self, node: yaml.Node, what: str, allowed: tuple[str, ...]) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(node, f"{what} must be a mapping of key: value", f"allowed keys: {', '.join(allowed)}")
        try:
            self._constructor.flatten_mapping(node)
        except yaml.MarkedYAMLError as exc:
            self.fail(node, f"bad merge key in {what}: {exc.problem}", "merge ('<<') only mappings")
        out: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if key not in allowed:
                close = difflib.get_close_matches(str(key), allowed, n=1)
                hint = f"did you mean '{close[0]}'? " if close else ""
                self.fail(
                    key_node, f"unknown key '{key}' in {what}", f"{hint}allowed keys: {', '.join(allowed)}"
                )
            if key in out:
                self.fail(key_node, f"duplicate key '{key}' in {what}", "keep only one of them")
            out[key] = value_node
        return out

    def sequence(self, node: yaml.Node, what: str, example: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.fail(node, f"{what} must be a list", f"write it as a list, e.g. {example}")
        return list(node.value)

    def text(self, node: yaml.Node, what: str) -> str:
        # Raw text, so YAML 1.1 booleans such as `off` or `no` stay the words the user wrote.
        if not isinstance(node, yaml.ScalarNode) or node.tag.endswith(":null") or node.value == "":
            self.fail(node, f"{what} must be text", f"give {what} a value")
        return str(node.value)

    def integer(self, node: yaml.Node, what: str, minimum: int = 0) -> int:
        value = self._value(node)
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
            self.fail(
                node, f"{what} must be a whole number ≥ {minimum}, not {_show(node)}", f"e.g. {what}: 300"
            )
        return value

    def percent(self, node: yaml.Node, what: str, example: str = "") -> float:
        value = self._value(node)
        if isinstance(value, str) and value.strip().endswith("%"):
            try:
                value = float(value.strip()[:-1])
            except ValueError:
                value = None
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= 100:
            self.fail(
                node,
                f"{what} must be a percentage from 0 to 100, not {_show(node)}",
                f"write a percentage such as {example or what + ': 3%'}",
            )
        return float(value)

    def share(self, node: yaml.Node, what: str, example: str) -> Share:
        value = self._value(node)
        if isinstance(value, str) and value.strip().endswith("%"):
            return Share(percent=self.percent(node, what, example))
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return Share(count=value)
        self.fail(
            node,
            f"{what} must be a percentage or a count of users, not {_show(node)}",
            f"write a percentage or a count, e.g. {example}",
        )

    def choice(self, node: yaml.Node, what: str, options: Sequence[str], fold: bool = True) -> str:
        value = self.text(node, what)
        value = value.lower() if fold else value
        if value not in options:
            self.fail(node, f"unknown {what} '{value}'", f"use one of {', '.join(options)}")
        return value

    def guid(self, node: yaml.Node, what: str) -> str:
        try:
            return str(uuid.UUID(self.text(node, what)))
        except ValueError:
            self.fail(
                node,
                f"{what} {_show(node)} is not a GUID",
                f"use a GUID such as {_EXAMPLE_GUID} or leave it out",
            )

    def _value(self, node: yaml.Node) -> Any:
        if not isinstance(node, yaml.ScalarNode):
            return None
        return self._constructor.construct_object(node, deep=True)

    # -- world parts ---------------------------------------------------------------------

    def world(self, root: yaml.Node) -> WorldSpec:
        keys = self.mapping(root, "the world file", _WORLD_KEYS)
        version = self.integer(keys["version"], "version", 1) if "version" in keys else 1
        if version != 1:
            self.fail(
                keys["version"], f"unsupported world file version {version}", "this ccsync reads version: 1"
            )
        seed = self.integer(keys["seed"], "seed") if "seed" in keys else None
        traffic = (
            self.choice(keys["traffic"], "traffic profile", TRAFFIC_PROFILES) if "traffic" in keys else "off"
        )
        if "tenants" not in keys:
            self.fail(root, "the world file has no 'tenants' list", "add 'tenants:' with at least one tenant")
        tenants = [self.tenant(n) for n in self.sequence(keys["tenants"], "tenants", "- name: Contoso")]
        self._check_unique(tenants, keys["tenants"])
        return WorldSpec(tuple(tenants), version, seed, traffic, self.source)

    def _check_unique(self, tenants: list[TenantSpec], node: yaml.SequenceNode) -> None:
        seen: set[tuple[str, str]] = set()
        for t, t_node in zip(tenants, node.value, strict=True):
            for kind, value in (("name", t.name.lower()), ("domain", t.domain), ("id", t.id)):
                if value is None:
                    continue
                if (kind, value) in seen:
                    self.fail(
                        t_node, f"tenant {kind} '{value}' is used twice", f"give each tenant its own {kind}"
                    )
                seen.add((kind, value))

    def tenant(self, node: yaml.Node) -> TenantSpec:
        keys = self.mapping(node, "a tenant", _TENANT_KEYS)
        if "name" not in keys:
            self.fail(node, "a tenant has no name", "add 'name: Contoso' (the organization's displayName)")
        name = self.text(keys["name"], "name")
        if "cloud" not in keys:
            self.fail(node, f"tenant '{name}' has no cloud", f"add 'cloud:' with one of {_choices(Cloud)}")
        cloud = Cloud(self.choice(keys["cloud"], "cloud", [c.value for c in Cloud]))
        flavors = CLOUDS[cloud].flavors
        flavor = flavors[0]
        if "flavor" in keys:
            flavor = self.text(keys["flavor"], "flavor").lower()
            if flavor not in flavors:
                note = " (gcc tenants live in cloud commercial)" if flavor == "gcc" else ""
                problem = f"flavor '{flavor}' does not exist in cloud {cloud}{note}"
                self.fail(keys["flavor"], problem, f"use {' or '.join(flavors)}, or leave flavor out")
        suffix = INITIAL_DOMAIN_SUFFIX[cloud]
        domain = default_domain(name, cloud)
        if "domain" in keys:
            domain = self.text(keys["domain"], "domain").lower()
            if not _DOMAIN.match(domain) or not domain.endswith(suffix) or domain == suffix[1:]:
                fix = f"use a name ending in {suffix}, e.g. {default_domain(name, cloud)}"
                self.fail(keys["domain"], f"'{domain}' is not an initial domain of cloud {cloud}", fix)
        tenant_id = self.guid(keys["id"], "tenant id") if "id" in keys else None
        locale = DEFAULT_LOCALE[cloud]
        if "locale" in keys:
            locale = self.text(keys["locale"], "locale").replace("-", "_")
            if locale not in AVAILABLE_LOCALES:
                close = difflib.get_close_matches(locale, AVAILABLE_LOCALES, n=3) or ["en_US", "zh_CN"]
                self.fail(
                    keys["locale"],
                    f"unknown locale '{locale}'",
                    f"use a faker locale such as {', '.join(close)}",
                )
        if "licences" in keys and "licenses" in keys:
            self.fail(keys["licenses"], "both 'licences' and 'licenses' are given", "keep one of them")
        lic_node = keys.get("licences") or keys.get("licenses")
        return TenantSpec(
            name=name,
            cloud=cloud,
            flavor=flavor,
            domain=domain,
            locale=locale,
            users=self.integer(keys["users"], "users") if "users" in keys else 100,
            disabled_percent=self.percent(keys["disabled_percent"], "disabled_percent")
            if "disabled_percent" in keys
            else 2.0,
            guests=self.integer(keys["guests"], "guests") if "guests" in keys else 0,
            licences=self.licences(lic_node) if lic_node is not None else (),
            groups=self.groups(keys["groups"]) if "groups" in keys else (),
            apps=self.apps(keys["apps"]) if "apps" in keys else DEFAULT_APPS,
            id=tenant_id,
            where=self.where(node),
            cross_cloud_sync=self.cross_cloud_sync(keys["cross_cloud_sync"], cloud)
            if "cross_cloud_sync" in keys
            else (),
        )

    def cross_cloud_sync(self, node: yaml.Node, cloud: Cloud) -> tuple[tuple[str, bool], ...]:
        example = "cross_cloud_sync: {commercial: false}"
        if not isinstance(node, yaml.MappingNode):
            self.fail(
                node, "cross_cloud_sync must be a mapping of source cloud: true|false", f"e.g. {example}"
            )
        out: list[tuple[str, bool]] = []
        for key_node, value_node in node.value:
            source = self.choice(key_node, "source cloud", [c.value for c in Cloud])
            if CLOUDS[Cloud(source)].cloud_instance == CLOUDS[cloud].cloud_instance:
                self.fail(
                    key_node, f"'{source}' is the tenant's own cloud", "name another cloud, e.g. " + example
                )
            value = self._value(value_node)
            if not isinstance(value, bool):
                self.fail(
                    value_node, f"cross_cloud_sync of {source} must be true or false", f"e.g. {example}"
                )
            out.append((source, value))
        return tuple(out)

    def licences(self, node: yaml.Node) -> tuple[LicenceSpec, ...]:
        if not isinstance(node, yaml.MappingNode):
            self.fail(
                node, "licences must be a mapping of licence: share", "e.g. licences: {P1: 20%, SUITE: 10%}"
            )
        out: list[LicenceSpec] = []
        total = 0.0
        for key_node, value_node in node.value:
            if any(key_node.value == other.value for other, _ in node.value[: len(out)]):
                self.fail(key_node, f"licence '{key_node.value}' is listed twice", "keep only one of them")
            names = self.text(key_node, "licence").split("+")
            bundle = tuple(self._sku(key_node, n.strip()) for n in names)
            if len({s.sku_id for s in bundle}) != len(bundle):
                self.fail(
                    key_node, f"licence bundle '{key_node.value}' names a SKU twice", "name each SKU once"
                )
            share = self.share(value_node, f"the share of {key_node.value}", f"{key_node.value}: 20%")
            total += share.percent or 0.0
            if total > 100.0 + 1e-9:
                self.fail(
                    value_node,
                    f"licence shares add up to {total:g}%, more than 100%",
                    "lower the percentages (users not covered stay unlicensed)",
                )
            out.append(LicenceSpec(bundle, share))
        return tuple(out)

    def _sku(self, node: yaml.Node, name: str) -> Sku:
        try:
            return skus.sku(name)
        except KeyError:
            by_part = {p.lower(): s for p, s in skus.CATALOGUE.items()}
            if name.lower() in by_part:
                return by_part[name.lower()]
        known = ["P1", "P2", "GOVERNANCE", "ID_GOVERNANCE", "SUITE", *skus.CATALOGUE]
        self.fail(node, f"unknown licence '{name}'", f"use one of {', '.join(known)}, or join them with +")

    def groups(self, node: yaml.Node) -> tuple[GroupSpec, ...]:
        out: list[GroupSpec] = []
        names: set[str] = set()
        for g_node in self.sequence(node, "groups", "- {name: Engineering, department: Engineering}"):
            keys = self.mapping(g_node, "a group", _GROUP_KEYS)
            if "name" not in keys:
                self.fail(g_node, "a group has no name", "add 'name: ...' (the group's displayName)")
            name = self.text(keys["name"], "group name")
            if name.lower() in names:
                self.fail(keys["name"], f"group '{name}' is listed twice", "give each group its own name")
            names.add(name.lower())
            if "members" in keys and "department" in keys:
                self.fail(g_node, f"group '{name}' has both members and department", "keep one of them")
            members: Share | tuple[str, ...] | None = None
            if "members" in keys:
                m = keys["members"]
                if isinstance(m, yaml.SequenceNode):
                    members = tuple(self.text(n, "member").split("@")[0].lower() for n in m.value)
                else:
                    members = self.share(m, f"members of '{name}'", "members: 40%")
            department = None
            if "department" in keys:
                department = self.choice(keys["department"], "department", list(DEPARTMENTS), fold=False)
            description = self.text(keys["description"], "description") if "description" in keys else None
            out.append(GroupSpec(name, members, department, description, self.where(g_node)))
        return tuple(out)

    def apps(self, node: yaml.Node) -> tuple[AppSpec, ...]:
        out: list[AppSpec] = []
        for a_node in self.sequence(node, "apps", "- {name: ccsync admin, permissions: [User.Read.All]}"):
            keys = self.mapping(a_node, "an app", _APP_KEYS)
            if "name" not in keys:
                self.fail(a_node, "an app has no name", "add 'name: ...' (the app's displayName)")
            name = self.text(keys["name"], "app name")
            perms: list[str] = []
            if "permissions" in keys:
                for p_node in self.sequence(keys["permissions"], "permissions", "[User.Read.All]"):
                    perm = self.text(p_node, "permission")
                    if not _PERMISSION.match(perm):
                        self.fail(
                            p_node,
                            f"'{perm}' is not a Graph permission name",
                            "write application permissions like User.ReadWrite.All",
                        )
                    perms.append(perm)
            client_id = self.guid(keys["client_id"], "client_id") if "client_id" in keys else None
            secret = self.text(keys["secret"], "secret") if "secret" in keys else None
            out.append(AppSpec(name, tuple(perms), client_id, secret))
        return tuple(out)


def _show(node: yaml.Node) -> str:
    if isinstance(node, yaml.ScalarNode):
        return repr(node.value)
    return "a list" if isinstance(node, yaml.SequenceNode) else "a mapping"


def _choices(enum_type: type[Cloud]) -> str:
    return ", ".join(c.value for c in enum_type)
