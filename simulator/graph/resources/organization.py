"""``/organization`` and ``/subscribedSkus``: the tenant itself and its licences."""

from __future__ import annotations

from typing import Any

from simulator.clock import iso
from simulator.clouds import CLOUDS
from simulator.directory import skus
from simulator.directory.tenant import Tenant
from simulator.graph import odata
from simulator.graph.listing import list_collection, single
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import not_found
from simulator.wire.message import GraphResponse

_COUNTRY = {"china": "CN"}


def organization(tenant: Tenant) -> dict[str, Any]:
    """The tenant's one ``organization`` object."""
    country = _COUNTRY.get(tenant.cloud.value, "US")
    return {
        "id": tenant.id,
        "displayName": tenant.display_name,
        "tenantType": "AAD",
        "countryLetterCode": country,
        "defaultUsageLocation": country,
        "preferredLanguage": "zh-CN" if country == "CN" else "en",
        "createdDateTime": iso(tenant.created),
        "onPremisesSyncEnabled": None,
        "onPremisesLastSyncDateTime": None,
        "technicalNotificationMails": [f"admin@{tenant.default_domain}"],
        "businessPhones": [],
        "city": None,
        "state": None,
        "street": None,
        "postalCode": None,
        "country": None,
        "verifiedDomains": [
            {
                "name": d,
                "isDefault": d == tenant.default_domain,
                "isInitial": i == 0,
                "type": "Managed",
                "capabilities": "Email, OfficeCommunicationsOnline",
            }
            for i, d in enumerate(tenant.domains)
        ],
        "assignedPlans": [],
        "provisionedPlans": [],
        "cloudInstance": CLOUDS[tenant.cloud].cloud_instance,
    }


def subscribed_skus(tenant: Tenant) -> list[dict[str, Any]]:
    out = []
    for sku_id, units in tenant.subscribed_skus.items():
        known = skus.BY_ID.get(sku_id)
        out.append(
            {
                "id": f"{tenant.id}_{sku_id}",
                "accountId": tenant.id,
                "accountName": tenant.display_name,
                "appliesTo": "User",
                "capabilityStatus": "Enabled",
                "consumedUnits": tenant.consumed_units.get(sku_id, 0),
                "prepaidUnits": {"enabled": units, "lockedOut": 0, "suspended": 0, "warning": 0},
                "servicePlans": [
                    {
                        "servicePlanId": p.id,
                        "servicePlanName": p.name,
                        "provisioningStatus": "Success",
                        "appliesTo": "User",
                    }
                    for p in (known.plans if known else ())
                ],
                "skuId": sku_id,
                "skuPartNumber": known.part_number if known else sku_id,
                "subscriptionIds": [],
            }
        )
    return out


def list_org(ctx: Context) -> GraphResponse:
    return list_collection(ctx, lambda: [organization(ctx.tenant)], odata.GENERIC_SPEC, path="/organization")


def get_org(ctx: Context, oid: str) -> GraphResponse:
    if oid.lower() != ctx.tenant.id:
        raise not_found(oid)
    return single(ctx, organization(ctx.tenant), odata.GENERIC_SPEC, "organization")


def list_skus(ctx: Context) -> GraphResponse:
    return list_collection(
        ctx,
        lambda: subscribed_skus(ctx.tenant),
        odata.GENERIC_SPEC,
        path="/subscribedSkus",
        allow=frozenset({"$select"}),
    )


def get_sku(ctx: Context, sid: str) -> GraphResponse:
    for s in subscribed_skus(ctx.tenant):
        if s["id"].lower() == sid.lower():
            return single(ctx, s, odata.GENERIC_SPEC, "subscribedSkus")
    raise not_found(sid)


def register(router: GraphRouter) -> None:
    router.add("GET", "/organization", list_org, perm.ORG_READ)
    router.add("GET", "/organization/{oid}", get_org, perm.ORG_READ)
    router.add("GET", "/subscribedSkus", list_skus, perm.LICENSES_READ)
    router.add("GET", "/subscribedSkus/{sid}", get_sku, perm.LICENSES_READ)
