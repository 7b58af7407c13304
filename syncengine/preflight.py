"""Preflight: the prerequisites a synchronization job checks before Test connection and each cycle.

Reproduces the checks the provisioning service makes when an admin clicks *Test connection*
(``validateCredentials``) and when a cycle starts (reference §1.4, §1.9, §4.1): the cloud pair, the
"across Microsoft clouds" choice, both tenants' cloud settings, partners, automatic redemption and
inbound synchronization. Everything is read through Graph, with the source tenant's app for the
source policy and the target tenant's app (``Policy.Read.All``) for the target policy.

Which codes and texts are Microsoft's and which are ours:

* documented (reference §1.9, §3.3): ``ExternalTenantNotFound``, ``AzureActiveDirectoryTokenExpired``,
  ``AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure`` (source and target texts) and, as a run-time
  code, ``AzureDirectoryB2BManagementPolicyCheckFailure``; their Details texts are literal.
* assumed: ``UnsupportedCloudPair`` (no code is documented for a refused pair),
  ``CrossCloudEndpointNotAllowed`` (the docs name no error for a source whose ``allowedCloudEndpoints``
  lacks the target cloud), ``CrossTenantAccessPolicyUnreadable`` (our app could not read a policy), the
  B2B code at test time (only its run-time use is documented), the order of the checks (§4.1 follows the
  documentation order), and every ``fix`` sentence.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from syncengine.client import GraphClient
from syncengine.clouds import CLOUDS, CONTRADICTORY_PAIRS, SUPPORTED_CROSS_CLOUD, Cloud, is_supported_pair
from syncengine.errors import (
    AuthenticationError,
    GraphApiError,
    NotFoundError,
    PermissionDeniedError,
    SyncEngineError,
    TokenError,
)
from syncengine.model import JobConfig

log = logging.getLogger(__name__)

Side = Literal["source", "target", "pair"]

# -- codes ------------------------------------------------------------------------------------

#: assumed: the reference documents no code for a cloud pair the service refuses
UNSUPPORTED_CLOUD_PAIR = "UnsupportedCloudPair"
EXTERNAL_TENANT_NOT_FOUND = "ExternalTenantNotFound"
TOKEN_EXPIRED = "AzureActiveDirectoryTokenExpired"
#: assumed: the reference documents no error for a source that has not allowed the target cloud
CROSS_CLOUD_ENDPOINT_NOT_ALLOWED = "CrossCloudEndpointNotAllowed"
SYNC_POLICY_CHECK_FAILURE = "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure"
#: documented for cycles; the code Test connection returns for this case is unconfirmed
B2B_POLICY_CHECK_FAILURE = "AzureDirectoryB2BManagementPolicyCheckFailure"
#: assumed: ours, for a policy our app may not read (403/401 or no token)
POLICY_UNREADABLE = "CrossTenantAccessPolicyUnreadable"

# -- documented texts (reference §1.9, §3.3), literal ---------------------------------------

GENERIC_FIRST_LINE = (
    "You appear to have entered invalid credentials. Please confirm you are using the correct "
    "information for an administrative account."
)
SOURCE_CONSENT_MESSAGE = (
    "The source tenant has not enabled automatic user consent with the target tenant. Please enable the "
    "outbound cross-tenant access policy for automatic user consent in the source tenant. "
    "aka.ms/TroubleshootingCrossTenantSyncPolicyCheck"
)
TARGET_INBOUND_MESSAGE = (
    "The target tenant has not enabled inbound synchronization with this tenant. Please request the "
    "target tenant admin to enable the inbound synchronization on their cross-tenant access policy. "
    "Learn more: aka.ms/TroubleshootingCrossTenantSyncPolicyCheck"
)
TOKEN_EXPIRED_MESSAGE = "The identity of the calling application could not be established."
AUTO_REDEMPTION_MESSAGE = "Policy permitting auto-redemption of invitations not configured"
_EXTERNAL_TENANT_MESSAGE = (
    "This tenant was not found by the authentication authority of the current cloud: {tenant}. "
    "The authentication authority is https://{login}/{tenant}."
)

# -- clouds -----------------------------------------------------------------------------------

#: the supported cross-cloud pairs in a stable order for messages (commercial as source first)
_SUPPORTED_ORDER = sorted(SUPPORTED_CROSS_CLOUD, key=lambda p: (p[0] != Cloud.COMMERCIAL, p[0], p[1]))

_POLICY = "/policies/crossTenantAccessPolicy"


@dataclass(frozen=True)
class PreflightFailure:
    """One unmet prerequisite: the service's error code and Details text, where to fix it, and how."""

    code: str
    message: str
    side: Side
    fix: str


class PreflightError(SyncEngineError):
    """A job may not run: its preflight found unmet prerequisites (``failures``, in check order)."""

    def __init__(self, failures: list[PreflightFailure] | tuple[PreflightFailure, ...]) -> None:
        if not failures:
            raise ValueError("a PreflightError needs at least one failure")
        self.failures = tuple(failures)
        first = self.failures[0]
        more = f" (+{len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
        super().__init__(f"{first.code}: {first.message}{more}")


def validate_credentials_message(failure: PreflightFailure) -> str:
    """The portal's full Test connection text for ``failure`` (generic line, Error code, Details)."""
    return f"{GENERIC_FIRST_LINE}\nError code: {failure.code}\nDetails: {failure.message}"


def check_pair(source_cloud: str, target_cloud: str) -> PreflightFailure | None:
    """Whether synchronization from ``source_cloud`` to ``target_cloud`` is supported (reference §1.2).

    Same cloud: commercial (GCC tenants included, their cloud is commercial), Azure Government (GCC High
    and DoD in any combination) and China (contradictory in the docs, see
    :data:`~syncengine.clouds.CONTRADICTORY_PAIRS`; allowed). Across clouds only
    :data:`~syncengine.clouds.SUPPORTED_CROSS_CLOUD`. Anything else fails with ``UnsupportedCloudPair``,
    a code we chose (none is documented).
    """
    for cloud in (source_cloud, target_cloud):
        if cloud not in CLOUDS:
            raise ValueError(f"unknown cloud {cloud!r}; use one of {', '.join(CLOUDS)}")
    if (source_cloud, target_cloud) in CONTRADICTORY_PAIRS:
        log.info(
            "%s -> %s: allowed, although Microsoft's documentation contradicts itself on it",
            source_cloud,
            target_cloud,
        )
        return None
    if is_supported_pair(source_cloud, target_cloud):
        return None
    supported = ", ".join(f"{s} → {t}" for s, t in _SUPPORTED_ORDER)
    return PreflightFailure(
        UNSUPPORTED_CLOUD_PAIR,
        f"Synchronization from a {source_cloud} tenant to a {target_cloud} tenant is not supported. "
        f"Supported across clouds: {supported}; within one cloud: commercial (incl. GCC), "
        "Azure Government (gcch, dod) and china.",
        "pair",
        "Pick a target tenant in a cloud this source can synchronize to, or run the configuration "
        "from a tenant in a supported source cloud (for example commercial).",
    )


# -- reading one tenant's policy --------------------------------------------------------------


@dataclass
class _TenantPolicy:
    """One tenant's cross-tenant access policy as our app reads it, fetched on first use."""

    client: GraphClient
    partner_id: str
    side: Side
    _cache: dict[str, Any] = field(default_factory=dict)

    def _read(self, key: str, path: str) -> Any:
        if key not in self._cache:
            try:
                self._cache[key] = self.client.get(path)
            except NotFoundError:
                self._cache[key] = None
        return self._cache[key]

    def allowed_cloud_endpoints(self) -> list[str]:
        base = self._read("base", _POLICY) or {}
        return list(base.get("allowedCloudEndpoints") or [])

    def partner(self) -> dict[str, Any] | None:
        return self._read("partner", f"{_POLICY}/partners/{self.partner_id}")

    def identity_synchronization(self) -> dict[str, Any] | None:
        if self.partner() is None:
            return None
        return self._read("sync", f"{_POLICY}/partners/{self.partner_id}/identitySynchronization")

    def automatic_consent(self, direction: str) -> bool:
        """The partner's effective ``automaticUserConsentSettings.<direction>``; no partner → False.

        A partner's null inherits the default configuration; a null there counts as false.
        """
        partner = self.partner()
        if partner is None:
            return False
        value = (partner.get("automaticUserConsentSettings") or {}).get(direction)
        if value is None:
            default = self._read("default", f"{_POLICY}/default") or {}
            value = (default.get("automaticUserConsentSettings") or {}).get(direction)
        return value is True


def _unreadable(policy: _TenantPolicy, exc: Exception) -> PreflightFailure:
    who = policy.client.identity
    if isinstance(exc, GraphApiError):
        reason = f"Graph answered {exc.status} {exc.code}: {exc.message}"
    elif isinstance(exc, TokenError):
        reason = f"no token could be had ({exc.error}: {exc.description})"
    else:
        reason = str(exc)
    if isinstance(exc, PermissionDeniedError):
        fix = (
            f"Grant app {who.client_id} the Policy.Read.All application permission with admin consent "
            f"in the {policy.side} tenant {who.tenant_id}."
        )
    else:
        fix = (
            f"Check that app {who.client_id} is registered in the {policy.side} tenant {who.tenant_id} "
            f"({who.cloud}) with valid credentials and holds Policy.Read.All."
        )
    return PreflightFailure(
        POLICY_UNREADABLE,
        f"The {policy.side} tenant's cross-tenant access policy could not be read with app "
        f"{who.client_id}: {reason}",
        policy.side,
        fix,
    )


# -- the checks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Context:
    job: JobConfig
    source: _TenantPolicy
    target: _TenantPolicy

    @property
    def source_id(self) -> str:
        return self.job.source.tenant_id

    @property
    def target_id(self) -> str:
        return self.job.target.tenant_id


_Check = Callable[[_Context], PreflightFailure | None]


def _cross_cloud_choice(ctx: _Context) -> PreflightFailure | None:
    """1. A cross-cloud pair in a configuration created without "across Microsoft clouds"."""
    if not ctx.job.is_cross_cloud or ctx.job.cross_cloud:
        return None
    # the engine resolves the target against the authority of its own (the source's) cloud
    login = CLOUDS[ctx.job.source.cloud].login_host
    return PreflightFailure(
        EXTERNAL_TENANT_NOT_FOUND,
        _EXTERNAL_TENANT_MESSAGE.format(tenant=ctx.target_id, login=login),
        "source",
        "In the source tenant, delete this configuration and create a new one with "
        '"Setup cross-tenant synchronization across Microsoft clouds" selected.',
    )


def _target_cross_cloud_sync(ctx: _Context) -> PreflightFailure | None:
    """2. The target has not ticked cross-cloud synchronization for the source cloud.

    Assumption: the real Graph property behind the target's "cross-cloud synchronization" checkbox is
    unconfirmed (reference §1.5). We represent the ticked checkbox as the target's
    ``allowedCloudEndpoints`` containing the source cloud's instance name (``microsoftonline.com``,
    ``microsoftonline.us`` or ``partner.microsoftonline.cn``).
    """
    if not ctx.job.is_cross_cloud:
        return None
    instance = CLOUDS[ctx.job.source.cloud].cloud_instance
    if instance in ctx.target.allowed_cloud_endpoints():
        return None
    return PreflightFailure(
        TOKEN_EXPIRED,
        TOKEN_EXPIRED_MESSAGE,
        "target",
        f"In the target tenant, open Cross-tenant access settings > Microsoft cloud settings and tick "
        f"cross-cloud synchronization for {CLOUDS[ctx.job.source.cloud].label} "
        f"(allowedCloudEndpoints must contain {instance}).",
    )


def _source_cloud_endpoint(ctx: _Context) -> PreflightFailure | None:
    """3. The source has not allowed the target's cloud (assumed code; the docs name no error)."""
    if not ctx.job.is_cross_cloud:
        return None
    instance = CLOUDS[ctx.job.target.cloud].cloud_instance
    if instance in ctx.source.allowed_cloud_endpoints():
        return None
    return PreflightFailure(
        CROSS_CLOUD_ENDPOINT_NOT_ALLOWED,
        f"The source tenant has not enabled the Microsoft cloud of the target tenant {ctx.target_id}: "
        f"its cross-tenant access policy's allowedCloudEndpoints does not contain {instance}.",
        "source",
        f"In the source tenant, open Cross-tenant access settings > Microsoft cloud settings and tick "
        f"{CLOUDS[ctx.job.target.cloud].label} (adds {instance} to allowedCloudEndpoints).",
    )


def _source_outbound_consent(ctx: _Context) -> PreflightFailure | None:
    """4. The source's partner(target) does not allow outbound automatic redemption."""
    if ctx.source.automatic_consent("outboundAllowed"):
        return None
    if ctx.source.partner() is None:
        fix = (
            f"In the source tenant, add the target tenant {ctx.target_id} under Cross-tenant access "
            "settings > Organizational settings and tick automatic redemption in its outbound trust settings."
        )
    else:
        fix = (
            f'In the source tenant, tick "Automatically redeem invitations with the tenant {ctx.target_id}" '
            "in the partner's outbound trust settings (automaticUserConsentSettings.outboundAllowed = true)."
        )
    return PreflightFailure(SYNC_POLICY_CHECK_FAILURE, SOURCE_CONSENT_MESSAGE, "source", fix)


def _target_inbound_sync(ctx: _Context) -> PreflightFailure | None:
    """5. The target's partner(source) does not allow user synchronization into the tenant."""
    if ctx.target.partner() is None:
        fix = (
            f"In the target tenant, add the source tenant {ctx.source_id} under Cross-tenant access "
            'settings > Organizational settings and tick "Allow user synchronization into this tenant" '
            "in its inbound Cross-tenant sync settings."
        )
    else:
        sync = ctx.target.identity_synchronization()
        if sync is not None and (sync.get("userSyncInbound") or {}).get("isSyncAllowed") is True:
            return None
        fix = (
            f'In the target tenant, tick "Allow user synchronization into this tenant" for the source '
            f"tenant {ctx.source_id} (identitySynchronization userSyncInbound.isSyncAllowed = true)."
        )
    return PreflightFailure(SYNC_POLICY_CHECK_FAILURE, TARGET_INBOUND_MESSAGE, "target", fix)


def _target_inbound_consent(ctx: _Context) -> PreflightFailure | None:
    """6. The target's partner(source) does not allow inbound automatic redemption.

    ``AzureDirectoryB2BManagementPolicyCheckFailure`` is the documented run-time code; which code Test
    connection returns for this case is unconfirmed (reference §1.9).
    """
    if ctx.target.automatic_consent("inboundAllowed"):
        return None
    return PreflightFailure(
        B2B_POLICY_CHECK_FAILURE,
        AUTO_REDEMPTION_MESSAGE,
        "target",
        f'In the target tenant, tick "Automatically redeem invitations with the tenant {ctx.source_id}" '
        "in the partner's inbound trust settings (automaticUserConsentSettings.inboundAllowed = true).",
    )


#: (check, which tenant's policy it reads or None) in the order of reference §4.1
_CHECKS: tuple[tuple[_Check, str | None], ...] = (
    (_cross_cloud_choice, None),
    (_target_cross_cloud_sync, "target"),
    (_source_cloud_endpoint, "source"),
    (_source_outbound_consent, "source"),
    (_target_inbound_sync, "target"),
    (_target_inbound_consent, "target"),
)


def run_preflight(job: JobConfig, source: GraphClient, target: GraphClient) -> list[PreflightFailure]:
    """Every unmet prerequisite of ``job``, in the order of reference §4.1 (empty: the job may run).

    ``source`` and ``target`` are clients of each tenant's own app (``Policy.Read.All`` or
    ``Policy.ReadWrite.CrossTenantAccess``). The first failure is the one Test connection would show;
    the rest are what the admin will meet next. A refused cloud pair is the only failure reported then.
    A policy our app may not read (401, 403, no token) is a ``CrossTenantAccessPolicyUnreadable``
    failure in place of that tenant's checks; other Graph errors (throttling, outages) propagate.
    """
    for client, ident, role in ((source, job.source, "source"), (target, job.target, "target")):
        if (client.identity.cloud, client.identity.tenant_id) != (ident.cloud, ident.tenant_id):
            raise ValueError(
                f"the {role} client signs in to {client.identity.cloud}/{client.identity.tenant_id}, "
                f"not to the job's {role} tenant {ident.cloud}/{ident.tenant_id}"
            )
    refused = check_pair(job.source.cloud, job.target.cloud)
    if refused is not None:
        return [refused]
    ctx = _Context(
        job,
        _TenantPolicy(source, job.target.tenant_id, "source"),
        _TenantPolicy(target, job.source.tenant_id, "target"),
    )
    failures: list[PreflightFailure] = []
    unreadable: set[str] = set()
    for check, side in _CHECKS:
        if side in unreadable:
            continue
        try:
            failure = check(ctx)
        except (AuthenticationError, PermissionDeniedError, TokenError) as exc:
            unreadable.add(str(side))
            failure = _unreadable(ctx.source if side == "source" else ctx.target, exc)
        if failure is not None:
            failures.append(failure)
    return failures


def require_preflight(job: JobConfig, source: GraphClient, target: GraphClient) -> None:
    """Raise :class:`PreflightError` unless every prerequisite of ``job`` is met."""
    failures = run_preflight(job, source, target)
    if failures:
        raise PreflightError(failures)


__all__ = [
    "AUTO_REDEMPTION_MESSAGE",
    "B2B_POLICY_CHECK_FAILURE",
    "CROSS_CLOUD_ENDPOINT_NOT_ALLOWED",
    "EXTERNAL_TENANT_NOT_FOUND",
    "GENERIC_FIRST_LINE",
    "POLICY_UNREADABLE",
    "SOURCE_CONSENT_MESSAGE",
    "SYNC_POLICY_CHECK_FAILURE",
    "TARGET_INBOUND_MESSAGE",
    "TOKEN_EXPIRED",
    "TOKEN_EXPIRED_MESSAGE",
    "UNSUPPORTED_CLOUD_PAIR",
    "PreflightError",
    "PreflightFailure",
    "check_pair",
    "require_preflight",
    "run_preflight",
    "validate_credentials_message",
]
