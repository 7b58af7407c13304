"""The query rules of the audit log collections: ``directoryAudits`` and ``provisioning``.

Operators follow the list pages (graph-protocol.md §6.8) and their older revisions, which still
listed the filterable attributes. Unlike the directory, both take ``$filter`` with ``$orderby``
in a plain query and ``tolower()`` / ``toupper()`` around a property (the documented
cross-tenant synchronization filter uses ``contains(tolower(servicePrincipal/id), '…')``); the
provisioning log compares strings case-sensitively, except ``provisioningStatusInfo/status``.
"""

from __future__ import annotations

from collections.abc import Mapping

from simulator.graph.odata_specs import (
    DATETIME,
    INT32,
    STRING,
    PropertyFilter,
    ResourceSpec,
    collection_of,
    frozen,
)


def _strings(words: str) -> dict[str, str]:
    return dict.fromkeys(words.split(), STRING)


_pf = PropertyFilter.of

#: Graph's largest audit page; the sign-in list documents 1,000 as default and maximum, the audit
#: and provisioning lists document none (assumed the same).
AUDIT_MAX_TOP = 1000
_CASE_FUNCTIONS = frozenset({"tolower", "toupper"})

AUDIT_COMPLEX_TYPES: Mapping[str, Mapping[str, str]] = frozen(
    {
        "microsoft.graph.auditActivityInitiator": frozen(
            {"user": "microsoft.graph.userIdentity", "app": "microsoft.graph.appIdentity"}
        ),
        "microsoft.graph.userIdentity": frozen(_strings("id displayName userPrincipalName ipAddress")),
        "microsoft.graph.appIdentity": frozen(
            _strings("appId displayName servicePrincipalId servicePrincipalName")
        ),
        "microsoft.graph.targetResource": frozen(
            {
                **_strings("id displayName type userPrincipalName groupType"),
                "modifiedProperties": collection_of("microsoft.graph.modifiedProperty"),
            }
        ),
        "microsoft.graph.modifiedProperty": frozen(_strings("displayName oldValue newValue")),
        "microsoft.graph.keyValue": frozen(_strings("key value")),
        # provisioning
        "microsoft.graph.provisioningServicePrincipal": frozen(_strings("id displayName")),
        "microsoft.graph.provisioningSystem": frozen(
            {**_strings("id displayName"), "details": "microsoft.graph.detailsInfo"}
        ),
        "microsoft.graph.initiator": frozen(_strings("id displayName initiatorType")),
        "microsoft.graph.provisionedIdentity": frozen(
            {**_strings("id displayName identityType"), "details": "microsoft.graph.detailsInfo"}
        ),
        "microsoft.graph.provisioningStatusInfo": frozen(
            {"status": STRING, "errorInformation": "microsoft.graph.provisioningErrorInfo"}
        ),
        "microsoft.graph.provisioningErrorInfo": frozen(
            _strings("errorCode errorCategory reason additionalDetails recommendedAction")
        ),
        "microsoft.graph.provisioningStep": frozen(
            {
                **_strings("name provisioningStepType status description"),
                "details": "microsoft.graph.detailsInfo",
            }
        ),
    }
)

# -- directoryAudit -----------------------------------------------------------------------------

_DIRECTORY_AUDIT_TYPES = {
    **_strings(
        "id category correlationId result resultReason activityDisplayName loggedByService operationType"
    ),
    "activityDateTime": DATETIME,
    "initiatedBy": "microsoft.graph.auditActivityInitiator",
    "targetResources": collection_of("microsoft.graph.targetResource"),
    "additionalDetails": collection_of("microsoft.graph.keyValue"),
}

DIRECTORY_AUDIT_SPEC = ResourceSpec(
    name="DirectoryAudit",
    entity_set="auditLogs/directoryAudits",
    default_select=None,
    filterable=frozen(
        {
            "id": _pf("eq"),
            "activityDateTime": _pf("eq ge le"),
            "category": _pf("eq"),
            "activityDisplayName": _pf("eq startsWith"),
            "loggedByService": _pf("eq"),
            "result": _pf("eq"),
            "correlationId": _pf("eq"),
            "initiatedBy/user/id": _pf("eq"),
            "initiatedBy/user/displayName": _pf("eq"),
            "initiatedBy/user/userPrincipalName": _pf("eq startsWith"),
            "initiatedBy/app/appId": _pf("eq"),
            "initiatedBy/app/displayName": _pf("eq"),
            # targetResources/any(t: t/id eq '…'), t/displayName eq, startswith(t/displayName, '…')
            "targetResources": _pf("eq startsWith"),
        }
    ),
    orderable=frozenset({"activityDateTime"}),
    orderable_advanced=frozenset(),
    searchable=frozenset(),
    known_properties=frozenset(_DIRECTORY_AUDIT_TYPES),
    types=frozen(_DIRECTORY_AUDIT_TYPES),
    complex_types=AUDIT_COMPLEX_TYPES,
    max_top=AUDIT_MAX_TOP,
    string_functions=_CASE_FUNCTIONS,
    orderby_with_filter=True,
)

# -- provisioningObjectSummary ------------------------------------------------------------------

_PROVISIONING_TYPES = {
    **_strings("id tenantId jobId cycleId changeId provisioningAction"),
    "activityDateTime": DATETIME,
    "durationInMilliseconds": INT32,
    "servicePrincipal": "microsoft.graph.provisioningServicePrincipal",
    "sourceSystem": "microsoft.graph.provisioningSystem",
    "targetSystem": "microsoft.graph.provisioningSystem",
    "initiatedBy": "microsoft.graph.initiator",
    "sourceIdentity": "microsoft.graph.provisionedIdentity",
    "targetIdentity": "microsoft.graph.provisionedIdentity",
    "provisioningStatusInfo": "microsoft.graph.provisioningStatusInfo",
    "provisioningSteps": collection_of("microsoft.graph.provisioningStep"),
    "modifiedProperties": collection_of("microsoft.graph.modifiedProperty"),
}

_EQ_CONTAINS = _pf("eq contains")
_PROVISIONING_STRINGS = (
    "tenantId jobId cycleId changeId provisioningAction servicePrincipal/id servicePrincipal/displayName "
    "sourceSystem/displayName targetSystem/displayName sourceIdentity/id sourceIdentity/displayName "
    "sourceIdentity/identityType targetIdentity/id targetIdentity/displayName targetIdentity/identityType "
    "initiatedBy/displayName"
).split()

PROVISIONING_SPEC = ResourceSpec(
    name="ProvisioningObjectSummary",
    entity_set="auditLogs/provisioning",
    default_select=None,
    filterable=frozen(
        {
            "id": _EQ_CONTAINS,
            "activityDateTime": _pf("eq gt lt"),
            "durationInMilliseconds": _pf("eq gt lt"),
            "provisioningStatusInfo/status": _EQ_CONTAINS,
            **dict.fromkeys(_PROVISIONING_STRINGS, _EQ_CONTAINS),
        }
    ),
    orderable=frozenset({"activityDateTime"}),
    orderable_advanced=frozenset(),
    searchable=frozenset(),
    known_properties=frozenset(_PROVISIONING_TYPES),
    types=frozen(_PROVISIONING_TYPES),
    complex_types=AUDIT_COMPLEX_TYPES,
    max_top=AUDIT_MAX_TOP,
    string_functions=_CASE_FUNCTIONS,
    # "The filters are all case sensitive" (older revision: "... except for status"); ids are GUIDs.
    case_sensitive=frozenset(_PROVISIONING_STRINGS),
    orderby_with_filter=True,
)
