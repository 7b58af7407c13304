"""The endpoints document: where every local endpoint listens and every tenant's app credentials."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from simulator.clouds import AUTHORITY_HOSTS, CLOUDS, Authority, Cloud
from simulator.directory.tenant import Tenant

ENDPOINTS_VERSION = 1


def tenant_record(tenant: Tenant) -> dict[str, Any]:
    """One tenant as the endpoints document lists it, app secrets included (it is a local fake)."""
    return {
        "id": tenant.id,
        "cloud": tenant.cloud.value,
        "flavor": tenant.flavor,
        "displayName": tenant.display_name,
        "defaultDomain": tenant.default_domain,
        "apps": [
            {
                "displayName": a.display_name,
                "clientId": a.client_id,
                "clientSecret": a.secrets[0] if a.secrets else None,
                "permissions": list(a.roles),
            }
            for a in tenant.apps.values()
        ],
    }


def endpoints_document(
    ca_bundle: Path,
    control_url: str,
    login_urls: dict[Authority, str],
    graph_urls: dict[Cloud, str],
    tenants: list[Tenant],
) -> dict[str, Any]:
    """The public contract ``endpoints.json`` (version 1; keys may be added, never renamed)."""
    clouds = {}
    for cloud, info in CLOUDS.items():
        clouds[cloud.value] = {
            "login": login_urls[info.authority],
            "graph": graph_urls[cloud],
            "login_host": AUTHORITY_HOSTS[info.authority],
            "graph_host": info.graph_host,
            "cloud_instance": info.cloud_instance,
            "authority": info.authority.value,
            "scope": f"https://{info.graph_host}/.default",
        }
    return {
        "version": ENDPOINTS_VERSION,
        "ca_bundle": str(ca_bundle.resolve()),
        "control": control_url,
        "clouds": clouds,
        "tenants": [tenant_record(t) for t in tenants],
    }
