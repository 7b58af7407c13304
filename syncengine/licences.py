"""Licence rules: which licence each synchronized user needs in the source tenant, and who lacks it.

Reference §1.10 (documented): same-cloud user synchronization needs Microsoft Entra ID P1 per synced
user; cross-cloud synchronization needs Microsoft Entra ID Governance or Microsoft Entra Suite, both
in the source tenant. We decide by service plan, not by product: a user is licensed when one of their
``assignedLicenses`` carries the plan (``AAD_PREMIUM`` for P1, ``Entra_Identity_Governance`` for
cross-cloud) and the plan is not in that licence's ``disabledPlans``.

The SKU → plans catalogue below is copied from graph-protocol.md §6.4 (the engine never imports the
simulator); the tenant's ``GET /subscribedSkus`` overrides it where it lists plans, so SKUs we do not know
count when they carry the plan. How the real service enforces licences is not documented (no
provisioning error code, no warning text): ``warn``/``enforce``, the warning text and the skip code are
ours (assumed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from syncengine import scope
from syncengine.client import GraphClient
from syncengine.errors import PermissionDeniedError
from syncengine.model import JobConfig, LicencePolicy

log = logging.getLogger(__name__)

#: service plan ``AAD_PREMIUM`` (Microsoft Entra ID P1 and every SKU that includes it)
AAD_PREMIUM_PLAN = "41781fb2-bc02-4b7c-bd55-b576c07bb09d"
#: service plan ``Entra_Identity_Governance`` (Entra ID Governance, Entra Suite)
GOVERNANCE_PLAN = "e866a266-3cff-43a3-acca-0c90a7e00c8b"

_P1_PLANS = (
    AAD_PREMIUM_PLAN,
    "932ad362-64a8-4783-9106-97849a1a30b9",  # ADALLOM_S_DISCOVERY
    "113feb6c-3fe4-4440-bddc-54d774bf0318",  # EXCHANGE_S_FOUNDATION
    "8a256a2b-b617-496d-b51b-e76466e88db0",  # MFA_PREMIUM
)
_P2_PLAN = "eec0eb4f-6444-4f95-aba0-50c24d67f998"  # AAD_PREMIUM_P2
_SUITE_EXTRA_PLANS = (
    "8d23cb83-ab07-418f-8517-d7aca77307dc",  # Entra_Premium_Internet_Access
    "f057aab1-b184-49b2-85c0-881b02a405c5",  # Entra_Premium_Private_Access
    "aae826b7-14cd-4691-8178-2b312f7072ea",  # Verifiable_Credentials_Service_Request
    GOVERNANCE_PLAN,
)

#: skuId → service plan ids (graph-protocol.md §6.4; Entra Suite's plan list is itself assumed there)
KNOWN_SKUS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "078d2b04-f1bd-4111-bbd4-b4b1b354cef4": frozenset(_P1_PLANS),  # AAD_PREMIUM (P1)
        "de597797-22fb-4d65-a9fe-b7dbe8893914": frozenset(_P1_PLANS),  # AAD_PREMIUM_USGOV_GCCHIGH
        "84a661c4-e949-4bd2-a560-ed7766fcaf2b": frozenset((*_P1_PLANS, _P2_PLAN)),  # AAD_PREMIUM_P2
        "cf6b0d46-4093-4546-a0ab-0b1546dcc10e": frozenset(
            (GOVERNANCE_PLAN,)
        ),  # Microsoft_Entra_ID_Governance
        "f9602137-2203-447b-9fff-41b36e08ce5d": frozenset(
            (*_SUITE_EXTRA_PLANS, *_P1_PLANS, _P2_PLAN)
        ),  # Microsoft_Entra_Suite
        "2ef3064c-c95c-426c-96dd-9ffeaa2f2c37": frozenset(_SUITE_EXTRA_PLANS),  # Suite add-on for P2
    }
)

#: the user properties a licence check reads (``$select`` them when listing users)
USER_SELECT = ("id", "userPrincipalName", "assignedLicenses")


@dataclass(frozen=True)
class LicenceRequirement:
    """The licence every user a job synchronizes must hold in the source tenant."""

    name: str
    service_plan_id: str
    cross_cloud: bool


P1_REQUIREMENT = LicenceRequirement("Microsoft Entra ID P1", AAD_PREMIUM_PLAN, cross_cloud=False)
CROSS_CLOUD_REQUIREMENT = LicenceRequirement(
    "Microsoft Entra ID Governance or Microsoft Entra Suite", GOVERNANCE_PLAN, cross_cloud=True
)

#: assumed: no licence-related provisioning error code is documented for CTS (reference §3.3)
LICENCE_SKIP_CODE = "LicenseRequirementNotMet"


def requirement_for(job: JobConfig) -> LicenceRequirement:
    """P1 for a same-cloud job (GCC High ↔ DoD included); Governance or Suite across clouds."""
    return CROSS_CLOUD_REQUIREMENT if job.is_cross_cloud else P1_REQUIREMENT


class LicenceCatalogue:
    """Which service plans each SKU carries: built in, overridden by a tenant's ``subscribedSkus``."""

    def __init__(self, plans_by_sku: Mapping[str, Iterable[str]]) -> None:
        self._plans = {
            sku.lower(): frozenset(p.lower() for p in plans) for sku, plans in plans_by_sku.items()
        }

    @classmethod
    def builtin(cls) -> LicenceCatalogue:
        """The SKUs we know from the licensing reference only."""
        return cls(KNOWN_SKUS)

    @classmethod
    def from_subscribed_skus(cls, skus_json: Any) -> LicenceCatalogue:
        """The built-in SKUs overlaid with ``GET /subscribedSkus`` (its body or its ``value`` list).

        A listed SKU with service plans is taken as listed (the tenant is the source of truth); one
        listed without plans keeps the built-in plans, if any.
        """
        items = skus_json.get("value", []) if isinstance(skus_json, Mapping) else skus_json
        plans = dict(KNOWN_SKUS)
        for item in items or ():
            sku_id = item.get("skuId")
            if not isinstance(sku_id, str):
                continue
            listed = [
                p["servicePlanId"]
                for p in item.get("servicePlans") or ()
                if isinstance(p, Mapping) and isinstance(p.get("servicePlanId"), str)
            ]
            if listed:
                plans[sku_id.lower()] = frozenset(listed)
            else:
                plans.setdefault(sku_id.lower(), frozenset())
        return cls(plans)

    @classmethod
    def from_graph(cls, client: GraphClient) -> LicenceCatalogue:
        """The catalogue of ``client``'s tenant; the built-in one when the app may not list SKUs."""
        try:
            return cls.from_subscribed_skus(client.list_all("/subscribedSkus"))
        except PermissionDeniedError:
            log.warning(
                "app %s may not read subscribedSkus in tenant %s; using the built-in SKU catalogue",
                client.identity.client_id,
                client.identity.tenant_id,
            )
            return cls.builtin()

    def plans_of(self, sku_id: str) -> frozenset[str]:
        """The service plans of ``sku_id`` (empty when unknown)."""
        return self._plans.get(sku_id.lower(), frozenset())

    def has_plan(self, user: Mapping[str, Any], plan_id: str) -> bool:
        """Whether one of ``user``'s ``assignedLicenses`` carries ``plan_id`` without disabling it."""
        if "assignedLicenses" not in user:
            raise ValueError(
                f"user {user.get('id')!r} was read without assignedLicenses; $select {','.join(USER_SELECT)}"
            )
        plan = plan_id.lower()
        for lic in user.get("assignedLicenses") or ():
            disabled = {p.lower() for p in lic.get("disabledPlans") or ()}
            if plan in self.plans_of(str(lic.get("skuId", ""))) and plan not in disabled:
                return True
        return False


def licence_terms(job: JobConfig, source: GraphClient) -> tuple[LicenceRequirement, LicenceCatalogue]:
    """What each user ``job`` synchronizes must hold, and which plans the source tenant's SKUs carry
    (``GET /subscribedSkus`` through ``source``, read now): what a cycle and the whole-scope check both
    judge licences by."""
    return requirement_for(job), LicenceCatalogue.from_subscribed_skus(source.get("/subscribedSkus"))


@dataclass(frozen=True)
class LicenceReport:
    """The licence check of one cycle's in-scope users: who lacks the licence, and what to tell the admin."""

    requirement: LicenceRequirement
    checked: int
    #: (id, userPrincipalName) of each user lacking the licence, in the order given
    unlicensed: tuple[tuple[str, str], ...]
    warning: str | None
    policy: LicencePolicy = LicencePolicy.WARN

    @property
    def skipped_ids(self) -> frozenset[str]:
        """Users the cycle must skip: the unlicensed under ``enforce``, nobody under ``warn``."""
        if self.policy is not LicencePolicy.ENFORCE:
            return frozenset()
        return frozenset(uid for uid, _ in self.unlicensed)


def licence_report(
    users: Iterable[Mapping[str, Any]],
    requirement: LicenceRequirement,
    catalogue: LicenceCatalogue,
    policy: LicencePolicy,
) -> LicenceReport:
    """Check each in-scope user (Graph JSON with ``assignedLicenses``) against ``requirement``."""
    checked = 0
    unlicensed: list[tuple[str, str]] = []
    for user in users:
        checked += 1
        if not catalogue.has_plan(user, requirement.service_plan_id):
            unlicensed.append((str(user.get("id")), str(user.get("userPrincipalName") or "")))
    warning = _warning(requirement, checked, len(unlicensed), policy) if unlicensed else None
    return LicenceReport(requirement, checked, tuple(unlicensed), warning, policy)


#: what the whole-scope check reads of each user: the licences and what ``scope.is_internal_member`` needs
_SCOPE_SELECT = "id,userPrincipalName,assignedLicenses,userType,creationType,identities,accountEnabled"


def scope_licence_report(job: JobConfig, source: GraphClient) -> LicenceReport:
    """The licence check of ``job``'s whole scope, read now through Graph as ``source``.

    What a test connection or a start shows the admin before any cycle: every internal member in scope
    (all users under sync-all, else the users and group members assigned to the job's service principal)
    against the job's requirement, under its licence policy.
    """
    requirement, catalogue = licence_terms(job, source)
    select = {"$select": _SCOPE_SELECT}
    if job.scope.sync_all:
        users = source.list_all("/users", {**select, "$top": "999"})
    else:
        ids = scope.load_assigned_users(source, job.service_principal_id or "")
        users = [source.get(f"/users/{uid}", select) for uid in sorted(ids)]
    in_scope = [u for u in users if scope.is_internal_member(u)]
    return licence_report(in_scope, requirement, catalogue, job.safety.licence_policy)


def warning_text(
    requirement: LicenceRequirement, checked: int, missing: int, policy: LicencePolicy
) -> str | None:
    """The admin's warning for ``missing`` unlicensed users of ``checked`` in scope (None when none lack it)."""
    return _warning(requirement, checked, missing, policy) if missing else None


def _warning(requirement: LicenceRequirement, checked: int, missing: int, policy: LicencePolicy) -> str:
    kind = "cross-cloud" if requirement.cross_cloud else "cross-tenant"
    lack, they = ("lacks", "The user is") if missing == 1 else ("lack", "They are")
    head = (
        f"{missing} of {checked} users in scope of this {kind} synchronization {lack} a "
        f"{requirement.name} licence in the source tenant."
    )
    if policy is LicencePolicy.ENFORCE:
        return f"{head} {they} skipped (policy: enforce); assign the licence to provision them."
    return (
        f"{head} {they} provisioned anyway (policy: warn); assign the licence or set the policy to enforce."
    )


def skip_reason(requirement: LicenceRequirement) -> tuple[str, str]:
    """The provisioning-log error code and reason of a user skipped under ``enforce`` (assumed code)."""
    kind = "Cross-cloud" if requirement.cross_cloud else "Cross-tenant"
    return (
        LICENCE_SKIP_CODE,
        f"The user has no {requirement.name} licence in the source tenant. {kind} synchronization "
        "requires it for every synchronized user, and the licence policy is enforce, so the user was skipped.",
    )


__all__ = [
    "AAD_PREMIUM_PLAN",
    "CROSS_CLOUD_REQUIREMENT",
    "GOVERNANCE_PLAN",
    "KNOWN_SKUS",
    "LICENCE_SKIP_CODE",
    "P1_REQUIREMENT",
    "USER_SELECT",
    "LicenceCatalogue",
    "LicenceReport",
    "LicenceRequirement",
    "licence_report",
    "licence_terms",
    "requirement_for",
    "scope_licence_report",
    "skip_reason",
    "warning_text",
]
