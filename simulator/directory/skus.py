"""The licence SKUs the simulator knows, with their real ids and service plans."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ServicePlan:
    id: str
    name: str


@dataclass(frozen=True)
class Sku:
    """A licence product as ``subscribedSkus`` lists it."""

    sku_id: str
    part_number: str
    display_name: str
    plans: tuple[ServicePlan, ...]


_P1_PLANS = (
    ServicePlan("41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"),
    ServicePlan("932ad362-64a8-4783-9106-97849a1a30b9", "ADALLOM_S_DISCOVERY"),
    ServicePlan("113feb6c-3fe4-4440-bddc-54d774bf0318", "EXCHANGE_S_FOUNDATION"),
    ServicePlan("8a256a2b-b617-496d-b51b-e76466e88db0", "MFA_PREMIUM"),
)
_GOVERNANCE_PLAN = ServicePlan("e866a266-3cff-43a3-acca-0c90a7e00c8b", "Entra_Identity_Governance")
_P2_PLAN = ServicePlan("eec0eb4f-6444-4f95-aba0-50c24d67f998", "AAD_PREMIUM_P2")

P1 = Sku("078d2b04-f1bd-4111-bbd4-b4b1b354cef4", "AAD_PREMIUM", "Microsoft Entra ID P1", _P1_PLANS)
P1_GCCH = Sku(
    "de597797-22fb-4d65-a9fe-b7dbe8893914",
    "AAD_PREMIUM_USGOV_GCCHIGH",
    "Microsoft Entra ID P1 (GCC High)",
    _P1_PLANS,
)
P2 = Sku(
    "84a661c4-e949-4bd2-a560-ed7766fcaf2b", "AAD_PREMIUM_P2", "Microsoft Entra ID P2", (*_P1_PLANS, _P2_PLAN)
)
ID_GOVERNANCE = Sku(
    "cf6b0d46-4093-4546-a0ab-0b1546dcc10e",
    "Microsoft_Entra_ID_Governance",
    "Microsoft Entra ID Governance",
    (_GOVERNANCE_PLAN,),
)
ENTRA_SUITE = Sku(
    "f9602137-2203-447b-9fff-41b36e08ce5d",
    "Microsoft_Entra_Suite",
    "Microsoft Entra Suite",
    (
        ServicePlan("8d23cb83-ab07-418f-8517-d7aca77307dc", "Entra_Premium_Internet_Access"),
        ServicePlan("f057aab1-b184-49b2-85c0-881b02a405c5", "Entra_Premium_Private_Access"),
        ServicePlan("aae826b7-14cd-4691-8178-2b312f7072ea", "Verifiable_Credentials_Service_Request"),
        _GOVERNANCE_PLAN,
        *_P1_PLANS,
        _P2_PLAN,
    ),
)

CATALOGUE: dict[str, Sku] = {s.part_number: s for s in (P1, P1_GCCH, P2, ID_GOVERNANCE, ENTRA_SUITE)}
BY_ID: dict[str, Sku] = {s.sku_id: s for s in CATALOGUE.values()}

#: SKUs that license a user for cross-cloud synchronization.
CROSS_CLOUD_SKUS = frozenset({ID_GOVERNANCE.sku_id, ENTRA_SUITE.sku_id})


def sku(name_or_id: str) -> Sku:
    """Look up a SKU by part number (``AAD_PREMIUM``), short alias (``P1``) or skuId."""
    aliases = {
        "P1": P1,
        "P2": P2,
        "GOVERNANCE": ID_GOVERNANCE,
        "ID_GOVERNANCE": ID_GOVERNANCE,
        "SUITE": ENTRA_SUITE,
    }
    key = name_or_id.strip()
    found = aliases.get(key.upper()) or CATALOGUE.get(key) or BY_ID.get(key.lower())
    if found is None:
        known = ", ".join(["P1", "P2", "GOVERNANCE", "SUITE", *CATALOGUE])
        raise KeyError(f"unknown licence {name_or_id!r}; known: {known}")
    return found
