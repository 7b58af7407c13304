"""The Microsoft clouds the simulator fakes, with their real host names."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Cloud(enum.StrEnum):
    """A Microsoft cloud a tenant lives in. GCC tenants live in COMMERCIAL."""

    COMMERCIAL = "commercial"
    GCCH = "gcch"
    DOD = "dod"
    CHINA = "china"


class Authority(enum.StrEnum):
    """A login authority; GCC High and DoD share the US Government one."""

    GLOBAL = "global"
    USGOV = "usgov"
    CHINA = "china"


@dataclass(frozen=True)
class CloudInfo:
    """Real-world names of one cloud: hosts, instance name, the authority that logs its tenants in."""

    cloud: Cloud
    graph_host: str
    login_host: str
    cloud_instance: str
    authority: Authority
    flavors: tuple[str, ...]
    #: v1 token issuer host (``iss`` = ``https://{sts_host}/{tenant}/``).
    sts_host: str
    #: value of ``tenant_region_scope`` in the tenant's OpenID document.
    region_scope: str


CLOUDS: dict[Cloud, CloudInfo] = {
    Cloud.COMMERCIAL: CloudInfo(
        Cloud.COMMERCIAL,
        "graph.microsoft.com",
        "login.microsoftonline.com",
        "microsoftonline.com",
        Authority.GLOBAL,
        ("commercial", "gcc"),
        "sts.windows.net",
        "NA",
    ),
    Cloud.GCCH: CloudInfo(
        Cloud.GCCH,
        "graph.microsoft.us",
        "login.microsoftonline.us",
        "microsoftonline.us",
        Authority.USGOV,
        ("gcch",),
        "login.microsoftonline.us",
        "USGov",
    ),
    Cloud.DOD: CloudInfo(
        Cloud.DOD,
        "dod-graph.microsoft.us",
        "login.microsoftonline.us",
        "microsoftonline.us",
        Authority.USGOV,
        ("dod",),
        "login.microsoftonline.us",
        "USGov",
    ),
    Cloud.CHINA: CloudInfo(
        Cloud.CHINA,
        "microsoftgraph.chinacloudapi.cn",
        "login.partner.microsoftonline.cn",
        "partner.microsoftonline.cn",
        Authority.CHINA,
        ("china",),
        "sts.chinacloudapi.cn",
        "AS",
    ),
}

AUTHORITY_HOSTS: dict[Authority, str] = {
    Authority.GLOBAL: "login.microsoftonline.com",
    Authority.USGOV: "login.microsoftonline.us",
    Authority.CHINA: "login.partner.microsoftonline.cn",
}

#: Other real host names of each authority (certificate SANs, scope aliases).
AUTHORITY_ALIASES: dict[Authority, tuple[str, ...]] = {
    Authority.GLOBAL: (
        "login.microsoftonline.com",
        "login.windows.net",
        "login.microsoft.com",
        "sts.windows.net",
    ),
    Authority.USGOV: ("login.microsoftonline.us", "login.usgovcloudapi.net"),
    Authority.CHINA: ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
}

#: tenant_region_sub_scope in the OpenID document, by tenant flavour (absent for plain commercial).
REGION_SUB_SCOPE: dict[str, str] = {"gcc": "GCC", "gcch": "DODCON", "dod": "DOD"}

FLAVOR_CLOUD: dict[str, Cloud] = {
    "commercial": Cloud.COMMERCIAL,
    "gcc": Cloud.COMMERCIAL,
    "gcch": Cloud.GCCH,
    "dod": Cloud.DOD,
    "china": Cloud.CHINA,
}


def clouds_of(authority: Authority) -> list[Cloud]:
    """The clouds whose tenants sign in at ``authority``."""
    return [c for c, info in CLOUDS.items() if info.authority is authority]
