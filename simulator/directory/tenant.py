"""A tenant: the directory objects, licences, app credentials and policies of one organization."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from simulator.clouds import Cloud
from simulator.directory.changes import ChangeLog
from simulator.directory.collection import Collection, Obj
from simulator.directory.record import UserRecord


@dataclass
class AppCredential:
    """What the token endpoint needs about an app: its secrets and granted application permissions."""

    client_id: str
    display_name: str
    secrets: list[str]
    roles: list[str]
    application_id: str
    sp_id: str
    #: PEM public certificates accepted for ``client_assertion`` sign-in.
    certificates: list[str] = field(default_factory=list)
    #: ``keyId`` of each secret in ``secrets`` (same order; "" when unknown), for ``removePassword``.
    secret_key_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AppCredential:
        return cls(**d)


#: The tenant's object collections, by attribute name (also their names in snapshots and the journal).
COLLECTIONS = ("users", "groups", "applications", "service_principals", "deleted", "app_role_assignments")
_USER_TYPE = "#microsoft.graph.user"


def stored_object(collection: str, obj: dict[str, Any], shared: dict[str, Any] | None = None) -> Obj:
    """An object read back from JSON as the collection ``collection`` stores it: users as records.

    ``shared`` pools equal values across one load (see ``UserRecord.from_json``).
    """
    if collection == "users" or (collection == "deleted" and obj.get("@odata.type") == _USER_TYPE):
        return UserRecord.from_json(obj, shared)
    return obj


class Tenant:
    """All state of one tenant; every object is reachable only through its tenant and cloud."""

    def __init__(
        self,
        tenant_id: str,
        cloud: Cloud,
        flavor: str,
        display_name: str,
        default_domain: str,
        created: datetime,
    ) -> None:
        self.id = tenant_id
        self.cloud = cloud
        self.flavor = flavor
        self.display_name = display_name
        self.default_domain = default_domain
        self.domains: list[str] = [default_domain]
        self.created = created
        self.users = Collection()
        self.groups = Collection()
        self.applications = Collection()
        self.service_principals = Collection()
        #: ``directory/deletedItems``: soft-deleted users and groups.
        self.deleted = Collection()
        self.app_role_assignments = Collection()
        #: group id -> {member id: member odata type}, in the order members were added.
        self.members: dict[str, dict[str, str]] = {}
        #: skuId -> number of purchased (prepaid, enabled) units.
        self.subscribed_skus: dict[str, int] = {}
        #: skuId -> units assigned to live users (kept by directory.users).
        self.consumed_units: dict[str, int] = {}
        self.apps: dict[str, AppCredential] = {}
        #: lower-cased userPrincipalName -> user id, for lookups and uniqueness.
        self.upn_index: dict[str, str] = {}
        #: the base ``crossTenantAccessPolicy`` fields (displayName, allowedCloudEndpoints, ...).
        self.cross_tenant_policy: dict[str, Any] = {}
        self.cross_tenant_default: dict[str, Any] = {}
        #: partner tenant id -> partner configuration (without identitySynchronization).
        self.partners: dict[str, dict[str, Any]] = {}
        #: partner tenant id -> identitySynchronization object.
        self.identity_sync: dict[str, dict[str, Any]] = {}
        #: the target-side "cross-cloud synchronization" setting (reference §1.5), simulator-only: source
        #: cloud instance -> {"enabled", "servicePrincipalId", "permissions"}; absent means on (the
        #: simulator's default, see simulator/directory/cross_cloud_sync.py)
        self.cross_cloud_sync: dict[str, dict[str, Any]] = {}
        #: users and groups changes, for delta queries.
        self.changes = ChangeLog()

    @contextmanager
    def seeding(self) -> Iterator[Tenant]:
        """Populate this tenant in bulk, before it joins a store: no change-log entries, no dirty marks.

        Seeded objects are the tenant's starting state: a first delta round enumerates them anyway,
        and the journal writes a tenant it has not seen in full. Recording them would allocate, for a
        million users, ~3 million change entries and a million dirty ids only to drop them, and the
        freed memory would stay in the process.
        """
        if self.changes.clock is not None:
            raise RuntimeError("a tenant is seeded in bulk only before it joins a store")
        colls = [getattr(self, name) for name in COLLECTIONS]
        self.changes.recording = False
        for c in colls:
            c.tracking = False
        try:
            yield self
        finally:
            self.changes.recording = True
            self.changes.forget()
            for c in colls:
                c.tracking = True
                c.dirty.clear()

    def index_upns(self) -> None:
        """Rebuild ``upn_index`` from the users (after a load)."""
        index: dict[str, str] = {}
        for u in self.users.values():
            upn = u["userPrincipalName"]
            low = upn.lower()
            index[upn if low == upn else low] = u["id"]  # no lower-cased copy of a lower-case UPN
        self.upn_index = index

    def count_licences(self) -> None:
        """Rebuild ``consumed_units`` from the users' licences (after a load)."""
        counts: dict[str, int] = {}
        for u in self.users.values():
            for lic in u.get("assignedLicenses", ()):
                counts[lic["skuId"]] = counts.get(lic["skuId"], 0) + 1
        self.consumed_units = counts

    # -- lookups -------------------------------------------------------------------------

    def user(self, key: str) -> Obj | None:
        """A user by object id or userPrincipalName (case-insensitive)."""
        found = self.users.get(key) or self.users.get(key.lower())
        if found is None:
            uid = self.upn_index.get(key.lower())
            if uid is not None:
                found = self.users.get(uid)
        return found

    def directory_object(self, obj_id: str) -> tuple[str, Obj] | None:
        """Any live directory object by id, with its ``@odata.type`` name (user, group, ...)."""
        for kind, coll in (
            ("user", self.users),
            ("group", self.groups),
            ("servicePrincipal", self.service_principals),
            ("application", self.applications),
        ):
            obj = coll.get(obj_id)
            if obj is not None:
                return kind, obj
        return None

    def has_domain(self, domain: str) -> bool:
        return domain.lower() in (d.lower() for d in self.domains)

    # -- serialisation: snapshots and the journal ----------------------------------------

    def settings_to_dict(self) -> dict[str, Any]:
        """Everything of the tenant except its objects, memberships and change log (small).

        The journal stores this as the tenant's row; a snapshot adds the rest (``to_dict``).
        """
        return {
            "id": self.id,
            "cloud": self.cloud.value,
            "flavor": self.flavor,
            "displayName": self.display_name,
            "defaultDomain": self.default_domain,
            "domains": list(self.domains),
            "created": self.created.isoformat(),
            "subscribedSkus": dict(self.subscribed_skus),
            "apps": [a.to_dict() for a in self.apps.values()],
            "crossTenantPolicy": self.cross_tenant_policy,
            "crossTenantDefault": self.cross_tenant_default,
            "partners": self.partners,
            "identitySync": self.identity_sync,
            "crossCloudSync": self.cross_cloud_sync,
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole tenant as a snapshot stores it."""
        return {
            **self.settings_to_dict(),
            "collections": {name: getattr(self, name).dump() for name in COLLECTIONS},
            "members": {g: dict(m) for g, m in self.members.items()},
            "changes": self.changes.to_dict(),
        }

    @classmethod
    def from_parts(
        cls,
        settings: dict[str, Any],
        collections: Mapping[str, Collection],
        members: dict[str, dict[str, str]],
        changes: ChangeLog,
    ) -> Tenant:
        """A tenant from its ``settings_to_dict()`` and the rest as read back (snapshots and the journal).

        ``settings`` written before ``crossCloudSync`` was kept read as the setting's default (on).
        """
        d = settings
        t = cls(
            d["id"],
            Cloud(d["cloud"]),
            d["flavor"],
            d["displayName"],
            d["defaultDomain"],
            datetime.fromisoformat(d["created"]),
        )
        t.domains = list(d["domains"])
        t.subscribed_skus = dict(d["subscribedSkus"])
        t.apps = {a["client_id"]: AppCredential.from_dict(a) for a in d["apps"]}
        t.cross_tenant_policy = d["crossTenantPolicy"]
        t.cross_tenant_default = d["crossTenantDefault"]
        t.partners = d["partners"]
        t.identity_sync = d["identitySync"]
        t.cross_cloud_sync = d.get("crossCloudSync", {})
        for name in COLLECTIONS:
            setattr(t, name, collections[name])
        t.members = members
        t.index_upns()
        t.count_licences()
        t.changes = changes
        return t

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Tenant:
        """A tenant from a snapshot's ``to_dict()``."""
        shared: dict[str, Any] = {}
        collections = {
            name: Collection.load([stored_object(name, o, shared) for o in d["collections"].get(name, [])])
            for name in COLLECTIONS
        }
        # one string per member type, not one per membership as JSON gives
        members = {g: {m: sys.intern(typ) for m, typ in ms.items()} for g, ms in d["members"].items()}
        changes = ChangeLog.from_dict(d["changes"]) if "changes" in d else ChangeLog()
        return cls.from_parts(d, collections, members, changes)
