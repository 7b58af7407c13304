"""The Microsoft clouds: one table of their real names, and the cloud pairs the service synchronizes.

Every cloud fact of both halves lives here (graph-protocol.md §1.1, reference §1.2): each login
authority's hosts and discovery names (``AUTHORITIES``); each cloud's Graph host, its authority, the
cloud instance name that ``allowedCloudEndpoints`` holds, the portal's label and the tenant flavours it
hosts (``CLOUDS``); and which source → target pairs cross-tenant synchronization supports. The engine
reads it directly; the simulator reads it through ``simulator/clouds.py``.
"""

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
class AuthorityInfo:
    """Real-world names of one login authority, as its OpenID and instance-discovery documents show them."""

    authority: Authority
    login_host: str
    #: every real host name of the authority (certificate SANs, scope aliases), ``login_host`` first
    aliases: tuple[str, ...]
    #: ``preferred_cache`` of its instance-discovery metadata
    preferred_cache: str
    #: the legacy Azure AD Graph host (``cloud_graph_host_name`` of OpenID documents)
    aad_graph_host: str
    #: ``rbac_url`` of OpenID documents
    rbac_url: str
    #: the name of the cloud instance the authority serves, as the console lists Microsoft cloud settings
    instance_title: str


AUTHORITIES: dict[Authority, AuthorityInfo] = {
    Authority.GLOBAL: AuthorityInfo(
        Authority.GLOBAL,
        "login.microsoftonline.com",
        ("login.microsoftonline.com", "login.windows.net", "login.microsoft.com", "sts.windows.net"),
        "login.windows.net",
        "graph.windows.net",
        "https://pas.windows.net",
        "Microsoft Azure commercial",
    ),
    Authority.USGOV: AuthorityInfo(
        Authority.USGOV,
        "login.microsoftonline.us",
        ("login.microsoftonline.us", "login.usgovcloudapi.net"),
        "login.microsoftonline.us",
        "graph.microsoftazure.us",
        "https://pasff.usgovcloudapi.net",
        "Microsoft Azure Government",
    ),
    Authority.CHINA: AuthorityInfo(
        Authority.CHINA,
        "login.partner.microsoftonline.cn",
        ("login.partner.microsoftonline.cn", "login.chinacloudapi.cn"),
        "login.partner.microsoftonline.cn",
        "graph.chinacloudapi.cn",
        "https://pas.chinacloudapi.cn",
        "Microsoft Azure operated by 21Vianet",
    ),
}

#: The login host of each authority.
AUTHORITY_HOSTS: dict[Authority, str] = {a: info.login_host for a, info in AUTHORITIES.items()}

#: Every real host name of each authority (certificate SANs, scope aliases).
AUTHORITY_ALIASES: dict[Authority, tuple[str, ...]] = {a: info.aliases for a, info in AUTHORITIES.items()}


@dataclass(frozen=True)
class CloudInfo:
    """Real-world names of one cloud: hosts, instance name, the authority that logs its tenants in."""

    cloud: Cloud
    graph_host: str
    #: the cloud instance name: ``allowedCloudEndpoints`` values, ``cloud_instance_name`` of OpenID documents
    cloud_instance: str
    authority: Authority
    #: the tenant flavours the cloud hosts (GCC tenants are commercial ones)
    flavors: tuple[str, ...]
    #: v1 token issuer host (``iss`` = ``https://{sts_host}/{tenant}/``).
    sts_host: str
    #: value of ``tenant_region_scope`` in the tenant's OpenID document.
    region_scope: str
    #: the portal's name of the cloud, as the Microsoft cloud settings tab shows it
    label: str
    #: the cloud's full name, as the console titles it
    title: str

    @property
    def login_host(self) -> str:
        """The host of the authority that logs the cloud's tenants in."""
        return AUTHORITIES[self.authority].login_host

    @property
    def graph_root(self) -> str:
        """The Graph service root (``https://graph.microsoft.us``), without a version."""
        return f"https://{self.graph_host}"

    @property
    def login_authority(self) -> str:
        """The login authority's root (``https://login.microsoftonline.us``), without a tenant."""
        return f"https://{self.login_host}"

    @property
    def graph_scope(self) -> str:
        """The scope of an app-only token for this cloud's Graph."""
        return f"https://{self.graph_host}/.default"


CLOUDS: dict[Cloud, CloudInfo] = {
    Cloud.COMMERCIAL: CloudInfo(
        Cloud.COMMERCIAL,
        "graph.microsoft.com",
        "microsoftonline.com",
        Authority.GLOBAL,
        ("commercial", "gcc"),
        "sts.windows.net",
        "NA",
        "Microsoft Azure Commercial",
        "Microsoft Azure commercial",
    ),
    Cloud.GCCH: CloudInfo(
        Cloud.GCCH,
        "graph.microsoft.us",
        "microsoftonline.us",
        Authority.USGOV,
        ("gcch",),
        "login.microsoftonline.us",
        "USGov",
        "Microsoft Azure Government",
        "Microsoft Azure Government (GCC High)",
    ),
    Cloud.DOD: CloudInfo(
        Cloud.DOD,
        "dod-graph.microsoft.us",
        "microsoftonline.us",
        Authority.USGOV,
        ("dod",),
        "login.microsoftonline.us",
        "USGov",
        "Microsoft Azure Government",
        "Microsoft Azure Government (DoD)",
    ),
    Cloud.CHINA: CloudInfo(
        Cloud.CHINA,
        "microsoftgraph.chinacloudapi.cn",
        "partner.microsoftonline.cn",
        Authority.CHINA,
        ("china",),
        "sts.chinacloudapi.cn",
        "AS",
        "Microsoft Azure China",
        "Microsoft Azure operated by 21Vianet",
    ),
}


#: tenant_region_sub_scope in the OpenID document, by tenant flavour (absent for plain commercial).
REGION_SUB_SCOPE: dict[str, str] = {"gcc": "GCC", "gcch": "DODCON", "dod": "DOD"}

#: The cloud of each tenant flavour.
FLAVOR_CLOUD: dict[str, Cloud] = {flavor: c for c, info in CLOUDS.items() for flavor in info.flavors}

#: The pairs across clouds the service supports (reference §1.2), source cloud first.
SUPPORTED_CROSS_CLOUD: frozenset[tuple[Cloud, Cloud]] = frozenset(
    {
        (Cloud.COMMERCIAL, Cloud.GCCH),
        (Cloud.COMMERCIAL, Cloud.DOD),
        (Cloud.GCCH, Cloud.COMMERCIAL),
        (Cloud.DOD, Cloud.COMMERCIAL),
        (Cloud.COMMERCIAL, Cloud.CHINA),
    }
)

#: Same-cloud pairs the docs contradict each other on: the 2026 configure page lists China → China,
#: the overview FAQ says cross-tenant synchronization is not supported within 21Vianet. Allowed.
CONTRADICTORY_PAIRS: frozenset[tuple[Cloud, Cloud]] = frozenset({(Cloud.CHINA, Cloud.CHINA)})


def clouds_of(authority: Authority) -> list[Cloud]:
    """The clouds whose tenants sign in at ``authority``."""
    return [c for c, info in CLOUDS.items() if info.authority is authority]


def is_same_cloud(source: str, target: str) -> bool:
    """Whether the pair stays in one Microsoft cloud (GCC High and DoD are both Azure Government)."""
    return CLOUDS[Cloud(source)].cloud_instance == CLOUDS[Cloud(target)].cloud_instance


def is_supported_pair(source: str, target: str) -> bool:
    """Whether cross-tenant synchronization runs from ``source``'s cloud to ``target``'s (reference §1.2).

    Within one cloud always (China → China included, see :data:`CONTRADICTORY_PAIRS`); across clouds
    only :data:`SUPPORTED_CROSS_CLOUD`.
    """
    return is_same_cloud(source, target) or (Cloud(source), Cloud(target)) in SUPPORTED_CROSS_CLOUD
