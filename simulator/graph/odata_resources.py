"""The query rules of each directory collection: users, groups, service principals, applications.

Tables follow graph-protocol.md §3.7–3.9 and §6. An operator in a PropertyFilter's ``advanced``
set works only in an advanced query (``ConsistencyLevel: eventual`` plus ``$count=true``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from simulator.graph.odata_specs import (
    BOOLEAN,
    DATETIME,
    GUID,
    STRING,
    PropertyFilter,
    ResourceSpec,
    collection_of,
    frozen,
)


def _names(words: str) -> tuple[str, ...]:
    return tuple(words.split())


def _set(words: str) -> frozenset[str]:
    return frozenset(words.split())


def _pf(default: str = "", advanced: str = "") -> PropertyFilter:
    return PropertyFilter.of(default, advanced)


STRINGS = collection_of(STRING)
GUIDS = collection_of(GUID)

COMPLEX_TYPES: Mapping[str, Mapping[str, str]] = frozen(
    {
        "microsoft.graph.objectIdentity": frozen(
            {"signInType": STRING, "issuer": STRING, "issuerAssignedId": STRING}
        ),
        "microsoft.graph.assignedLicense": frozen({"skuId": GUID, "disabledPlans": GUIDS}),
        # beta/service-internal: the anchor cross-tenant synchronization writes (see docs/fidelity.md)
        "microsoft.graph.alternativeSecurityId": frozen(
            {"type": "Edm.Int32", "identityProvider": STRING, "key": STRING}
        ),
        "microsoft.graph.assignedPlan": frozen(
            {
                "assignedDateTime": DATETIME,
                "capabilityStatus": STRING,
                "service": STRING,
                "servicePlanId": GUID,
            }
        ),
        "microsoft.graph.licenseAssignmentState": frozen(
            {
                "skuId": GUID,
                "disabledPlans": GUIDS,
                "assignedByGroup": STRING,
                "state": STRING,
                "error": STRING,
                "lastUpdatedDateTime": DATETIME,
            }
        ),
        "microsoft.graph.onPremisesExtensionAttributes": frozen(
            {f"extensionAttribute{i}": STRING for i in range(1, 16)}
        ),
        "microsoft.graph.employeeOrgData": frozen({"division": STRING, "costCenter": STRING}),
        "microsoft.graph.passwordProfile": frozen(
            {
                "password": STRING,
                "forceChangePasswordNextSignIn": BOOLEAN,
                "forceChangePasswordNextSignInWithMfa": BOOLEAN,
            }
        ),
        "microsoft.graph.onPremisesProvisioningError": frozen(
            {
                "category": STRING,
                "occurredDateTime": DATETIME,
                "propertyCausingError": STRING,
                "value": STRING,
            }
        ),
        "microsoft.graph.signInActivity": frozen(
            {
                "lastSignInDateTime": DATETIME,
                "lastSignInRequestId": STRING,
                "lastNonInteractiveSignInDateTime": DATETIME,
                "lastNonInteractiveSignInRequestId": STRING,
                "lastSuccessfulSignInDateTime": DATETIME,
                "lastSuccessfulSignInRequestId": STRING,
            }
        ),
        "microsoft.graph.appRole": frozen(
            {
                "id": GUID,
                "allowedMemberTypes": STRINGS,
                "displayName": STRING,
                "description": STRING,
                "value": STRING,
                "isEnabled": BOOLEAN,
                "origin": STRING,
            }
        ),
    }
)

# -- user ---------------------------------------------------------------------------------------

_USER_TYPES = {
    **dict.fromkeys(
        _names(
            "accountEnabled onPremisesSyncEnabled showInAddressList isResourceAccount isManagementRestricted"
        ),
        BOOLEAN,
    ),
    **dict.fromkeys(
        _names(
            "createdDateTime deletedDateTime lastPasswordChangeDateTime "
            "signInSessionsValidFromDateTime externalUserStateChangeDateTime "
            "onPremisesLastSyncDateTime employeeHireDate employeeLeaveDateTime"
        ),
        DATETIME,
    ),
    **dict.fromkeys(_names("businessPhones otherMails proxyAddresses imAddresses"), STRINGS),
    "identities": collection_of("microsoft.graph.objectIdentity"),
    "assignedLicenses": collection_of("microsoft.graph.assignedLicense"),
    "assignedPlans": collection_of("microsoft.graph.assignedPlan"),
    "licenseAssignmentStates": collection_of("microsoft.graph.licenseAssignmentState"),
    "onPremisesProvisioningErrors": collection_of("microsoft.graph.onPremisesProvisioningError"),
    "onPremisesExtensionAttributes": "microsoft.graph.onPremisesExtensionAttributes",
    "employeeOrgData": "microsoft.graph.employeeOrgData",
    "passwordProfile": "microsoft.graph.passwordProfile",
    "signInActivity": "microsoft.graph.signInActivity",
    "manager": "microsoft.graph.directoryObject",
}

_USER_PROPERTIES = frozenset(_USER_TYPES).union(
    _names(
        "id displayName mailNickname userPrincipalName passwordPolicies userType creationType "
        "externalUserState onPremisesImmutableId onPremisesSecurityIdentifier "
        "onPremisesSamAccountName onPremisesDomainName onPremisesDistinguishedName "
        "onPremisesUserPrincipalName mail givenName surname jobTitle department companyName "
        "employeeId employeeType officeLocation city state country postalCode streetAddress "
        "mobilePhone faxNumber preferredLanguage preferredDataLocation usageLocation "
        "securityIdentifier ageGroup consentProvidedForMinor legalAgeGroupClassification"
    )
)

_NAME_LIKE = _pf("eq ge le in startsWith", "ne not null")
_AQ_STRING = _pf("", "eq ne not in ge le startsWith null")
_AQ_DATETIME = _pf("", "eq ne not ge le in null")
_ENUM_LIKE = _pf("eq in", "ne not")

_USER_FILTER: dict[str, PropertyFilter] = {
    "id": _ENUM_LIKE,
    "accountEnabled": _ENUM_LIKE,
    "userType": _pf("eq in", "ne not null"),
    **dict.fromkeys(
        _names(
            "creationType externalUserState externalUserStateChangeDateTime ageGroup "
            "consentProvidedForMinor legalAgeGroupClassification"
        ),
        _ENUM_LIKE,
    ),
    **dict.fromkeys(
        _names(
            "displayName givenName surname jobTitle mailNickname city country department state "
            "usageLocation preferredLanguage employeeId"
        ),
        _NAME_LIKE,
    ),
    "mail": _pf("eq ge le in startsWith", "endsWith ne not null"),
    "userPrincipalName": _pf("eq ge le in startsWith", "endsWith ne not"),
    "onPremisesUserPrincipalName": _NAME_LIKE,
    "onPremisesSecurityIdentifier": _pf("eq", "null"),
    "otherMails": _pf("eq in startsWith", "endsWith ge le not count"),
    "proxyAddresses": _pf("eq startsWith", "endsWith not count"),
    "businessPhones": _pf("eq", "startsWith ge le not count"),
    "imAddresses": _pf("eq", "startsWith ge le not count"),
    "identities": _pf("eq"),
    "assignedLicenses": _pf("eq", "not count"),
    "assignedPlans": _pf("eq", "not count"),
    **dict.fromkeys(
        _names(
            "onPremisesImmutableId onPremisesSamAccountName companyName mobilePhone officeLocation "
            "postalCode streetAddress employeeType faxNumber"
        ),
        _AQ_STRING,
    ),
    "securityIdentifier": _pf("", "eq ne not ge le startsWith"),
    "passwordPolicies": _pf("", "ne not null"),
    **dict.fromkeys(
        ("onPremisesLastSyncDateTime", "employeeHireDate", "employeeLeaveDateTime"), _AQ_DATETIME
    ),
    "deletedDateTime": _AQ_DATETIME,
    "showInAddressList": _pf("", "eq ne not null"),
    "onPremisesSyncEnabled": _pf("eq in", "ne not null"),
    "createdDateTime": _pf("eq ge le", "in ne not null"),
    **dict.fromkeys(
        (f"onPremisesExtensionAttributes/extensionAttribute{i}" for i in range(1, 16)),
        _pf("", "eq ne not in startsWith null"),
    ),
    **dict.fromkeys(
        ("employeeOrgData/division", "employeeOrgData/costCenter"), _pf("", "eq ne not ge le in null")
    ),
    **dict.fromkeys(
        (
            "signInActivity/lastSignInDateTime",
            "signInActivity/lastNonInteractiveSignInDateTime",
            "signInActivity/lastSuccessfulSignInDateTime",
        ),
        _pf("eq ge le", "ne not"),
    ),
}

USER_SPEC = ResourceSpec(
    name="User",
    entity_set="users",
    # Graph's own order: id comes last in an unselected user.
    default_select=_names(
        "businessPhones displayName givenName jobTitle mail mobilePhone officeLocation "
        "preferredLanguage surname userPrincipalName id"
    ),
    filterable=frozen(_USER_FILTER),
    orderable=frozenset({"displayName", "userPrincipalName"}),
    orderable_advanced=frozenset({"createdDateTime", "deletedDateTime"}),
    searchable=_set(
        "displayName givenName surname mail mailNickname userPrincipalName otherMails proxyAddresses"
    ),
    known_properties=_USER_PROPERTIES,
    types=frozen(_USER_TYPES),
    complex_types=COMPLEX_TYPES,
    outside_directory=_set(
        "aboutMe birthday hireDate interests mySite pastProjects preferredName responsibilities "
        "schools skills mailboxSettings"
    ),
)

#: The user as the simulated provisioning service reads it through the directory's internal channel
#: (the first-party Microsoft.Azure.SyncFabric caller only): Graph's v1.0 user plus the two anchors
#: cross-tenant synchronization keeps in the directory, ``netId`` and ``alternativeSecurityIds``.
#: Graph's v1.0 user has neither, so no other caller can select, filter or write them.
SERVICE_USER_SPEC = replace(
    USER_SPEC,
    known_properties=USER_SPEC.known_properties | {"netId", "alternativeSecurityIds"},
    filterable=frozen({**_USER_FILTER, "alternativeSecurityIds": _pf("eq")}),
    types=frozen(
        {**_USER_TYPES, "alternativeSecurityIds": collection_of("microsoft.graph.alternativeSecurityId")}
    ),
)

#: Microsoft.Azure.SyncFabric, the provisioning service's first-party app (simulator/directory/audit.py)
_SYNC_FABRIC_APP_ID = "00000014-0000-0000-c000-000000000000"


def user_spec_for(app_id: str) -> ResourceSpec:
    """The user spec a caller gets: the service's internal view for SyncFabric, Graph's v1.0 otherwise."""
    return SERVICE_USER_SPEC if app_id == _SYNC_FABRIC_APP_ID else USER_SPEC


# -- group --------------------------------------------------------------------------------------

_GROUP_TYPES = {
    **dict.fromkeys(
        _names(
            "mailEnabled securityEnabled isAssignableToRole onPremisesSyncEnabled hasMembersWithLicenseErrors"
        ),
        BOOLEAN,
    ),
    **dict.fromkeys(
        _names(
            "createdDateTime deletedDateTime expirationDateTime renewedDateTime onPremisesLastSyncDateTime"
        ),
        DATETIME,
    ),
    **dict.fromkeys(
        _names("groupTypes proxyAddresses resourceBehaviorOptions resourceProvisioningOptions"), STRINGS
    ),
    "assignedLicenses": collection_of("microsoft.graph.assignedLicense"),
    "onPremisesProvisioningErrors": collection_of("microsoft.graph.onPremisesProvisioningError"),
    "members": collection_of("microsoft.graph.directoryObject"),
    "owners": collection_of("microsoft.graph.directoryObject"),
    "memberOf": collection_of("microsoft.graph.directoryObject"),
}

_GROUP_PROPERTIES = frozenset(_GROUP_TYPES).union(
    _names(
        "id displayName description mailNickname membershipRule membershipRuleProcessingState "
        "visibility mail securityIdentifier onPremisesSecurityIdentifier onPremisesSamAccountName "
        "onPremisesDomainName onPremisesNetBiosName classification preferredDataLocation "
        "preferredLanguage theme uniqueName"
    )
)

_GROUP_NAME_LIKE = _pf("eq ge le in startsWith", "ne not null endsWith")

GROUP_SPEC = ResourceSpec(
    name="Group",
    entity_set="groups",
    default_select=None,
    filterable=frozen(
        {
            "id": _ENUM_LIKE,
            "displayName": _GROUP_NAME_LIKE,
            "mail": _GROUP_NAME_LIKE,
            "mailNickname": _GROUP_NAME_LIKE,
            "description": _pf("eq ge le startsWith", "ne not null"),
            "securityEnabled": _ENUM_LIKE,
            "mailEnabled": _ENUM_LIKE,
            "isAssignableToRole": _ENUM_LIKE,
            "visibility": _ENUM_LIKE,
            "onPremisesSyncEnabled": _pf("eq in", "ne not null"),
            "onPremisesSecurityIdentifier": _pf("eq", "null"),
            "groupTypes": _pf("eq", "not count"),
            "proxyAddresses": _pf("eq startsWith", "endsWith not count"),
            "assignedLicenses": _pf("eq", "not count"),
            "createdDateTime": _pf("eq ge le", "in ne not null"),
            "expirationDateTime": _pf("eq ge le in", "ne not null"),
        }
    ),
    orderable=frozenset({"displayName"}),
    orderable_advanced=frozenset({"createdDateTime"}),
    searchable=_set("displayName description mail mailNickname proxyAddresses"),
    known_properties=_GROUP_PROPERTIES,
    types=frozen(_GROUP_TYPES),
    complex_types=COMPLEX_TYPES,
    outside_directory=_set(
        "allowExternalSenders autoSubscribeNewMembers hideFromAddressLists hideFromOutlookClients "
        "isSubscribedByMail unseenCount"
    ),
)

# -- servicePrincipal / application -------------------------------------------------------------

_SP_TYPES = {
    **dict.fromkeys(("accountEnabled", "appRoleAssignmentRequired"), BOOLEAN),
    "deletedDateTime": DATETIME,
    **dict.fromkeys(
        _names("servicePrincipalNames tags alternativeNames replyUrls notificationEmailAddresses"),
        STRINGS,
    ),
    "appOwnerOrganizationId": GUID,
    "appRoles": collection_of("microsoft.graph.appRole"),
    "oauth2PermissionScopes": collection_of("microsoft.graph.permissionScope"),
    "keyCredentials": collection_of("microsoft.graph.keyCredential"),
    "passwordCredentials": collection_of("microsoft.graph.passwordCredential"),
    "addIns": collection_of("microsoft.graph.addIn"),
    "info": "microsoft.graph.informationalUrl",
    "verifiedPublisher": "microsoft.graph.verifiedPublisher",
    "samlSingleSignOnSettings": "microsoft.graph.samlSingleSignOnSettings",
    "synchronization": "microsoft.graph.synchronization",
    "owners": collection_of("microsoft.graph.directoryObject"),
    "appRoleAssignedTo": collection_of("microsoft.graph.appRoleAssignment"),
    "appRoleAssignments": collection_of("microsoft.graph.appRoleAssignment"),
}

SERVICE_PRINCIPAL_SPEC = ResourceSpec(
    name="ServicePrincipal",
    entity_set="servicePrincipals",
    default_select=None,
    filterable=frozen(
        {
            "id": _ENUM_LIKE,
            "appId": _ENUM_LIKE,
            "displayName": _GROUP_NAME_LIKE,
            "accountEnabled": _ENUM_LIKE,
            "servicePrincipalType": _ENUM_LIKE,
            "appOwnerOrganizationId": _ENUM_LIKE,
            "applicationTemplateId": _ENUM_LIKE,
            "preferredSingleSignOnMode": _ENUM_LIKE,
            "servicePrincipalNames": _pf("eq startsWith", "not count"),
            "tags": _pf("eq startsWith ge le", "not count"),
            "alternativeNames": _pf("eq startsWith", "not count"),
        }
    ),
    orderable=frozenset({"displayName"}),
    orderable_advanced=frozenset(),
    searchable=frozenset({"displayName", "description", "appDisplayName"}),
    known_properties=frozenset(_SP_TYPES).union(
        _names(
            "id appId displayName appDisplayName appDescription applicationTemplateId "
            "servicePrincipalType homepage loginUrl logoutUrl preferredSingleSignOnMode "
            "preferredTokenSigningKeyThumbprint description notes signInAudience tokenEncryptionKeyId "
            "disabledByMicrosoftStatus servicePrincipalNames resourceSpecificApplicationPermissions"
        )
    ),
    types=frozen(_SP_TYPES),
    complex_types=COMPLEX_TYPES,
)

_APP_TYPES = {
    **dict.fromkeys(("isFallbackPublicClient", "isDeviceOnlyAuthSupported"), BOOLEAN),
    **dict.fromkeys(("createdDateTime", "deletedDateTime"), DATETIME),
    **dict.fromkeys(("identifierUris", "tags"), STRINGS),
    "appRoles": collection_of("microsoft.graph.appRole"),
    "keyCredentials": collection_of("microsoft.graph.keyCredential"),
    "passwordCredentials": collection_of("microsoft.graph.passwordCredential"),
    "requiredResourceAccess": collection_of("microsoft.graph.requiredResourceAccess"),
    "addIns": collection_of("microsoft.graph.addIn"),
    "web": "microsoft.graph.webApplication",
    "spa": "microsoft.graph.spaApplication",
    "publicClient": "microsoft.graph.publicClientApplication",
    "api": "microsoft.graph.apiApplication",
    "info": "microsoft.graph.informationalUrl",
    "optionalClaims": "microsoft.graph.optionalClaims",
    "parentalControlSettings": "microsoft.graph.parentalControlSettings",
    "verifiedPublisher": "microsoft.graph.verifiedPublisher",
    "certification": "microsoft.graph.certification",
    "synchronization": "microsoft.graph.synchronization",
    "owners": collection_of("microsoft.graph.directoryObject"),
    "extensionProperties": collection_of("microsoft.graph.extensionProperty"),
    "federatedIdentityCredentials": collection_of("microsoft.graph.federatedIdentityCredential"),
}

APPLICATION_SPEC = ResourceSpec(
    name="Application",
    entity_set="applications",
    default_select=None,
    filterable=frozen(
        {
            "id": _ENUM_LIKE,
            "appId": _ENUM_LIKE,
            "displayName": _GROUP_NAME_LIKE,
            "publisherDomain": _pf("eq in startsWith", "ne not"),
            "signInAudience": _ENUM_LIKE,
            "identifierUris": _pf("eq startsWith", "not count"),
            "tags": _pf("eq startsWith ge le", "not count"),
            "createdDateTime": _pf("eq ge le", "in ne not null"),
        }
    ),
    orderable=frozenset({"displayName"}),
    orderable_advanced=frozenset({"createdDateTime"}),
    searchable=frozenset({"displayName", "description"}),
    known_properties=frozenset(_APP_TYPES).union(
        _names(
            "id appId displayName description notes signInAudience publisherDomain "
            "groupMembershipClaims tokenEncryptionKeyId serviceManagementReference uniqueName "
            "disabledByMicrosoftStatus defaultRedirectUri applicationTemplateId samlMetadataUrl"
        )
    ),
    types=frozen(_APP_TYPES),
    complex_types=COMPLEX_TYPES,
)

# -- directoryObject (member/owner lists, which mix users, groups and service principals) -------

_DIRECTORY_TYPES = {**_APP_TYPES, **_SP_TYPES, **_GROUP_TYPES, **_USER_TYPES}

DIRECTORY_OBJECT_SPEC = ResourceSpec(
    name="DirectoryObject",
    entity_set="directoryObjects",
    default_select=None,
    filterable=frozen(
        {
            "id": _ENUM_LIKE,
            **dict.fromkeys(
                _names("displayName mail userPrincipalName mailNickname givenName surname"),
                _pf("", "eq ne not in ge le startsWith endsWith null"),
            ),
            **dict.fromkeys(
                _names("accountEnabled userType securityEnabled mailEnabled appId"),
                _pf("", "eq ne not in null"),
            ),
        }
    ),
    orderable=frozenset(),
    orderable_advanced=frozenset({"displayName"}),
    searchable=_set("displayName description mail userPrincipalName mailNickname givenName surname"),
    known_properties=USER_SPEC.known_properties
    | GROUP_SPEC.known_properties
    | SERVICE_PRINCIPAL_SPEC.known_properties
    | APPLICATION_SPEC.known_properties,
    types=frozen(_DIRECTORY_TYPES),
    complex_types=COMPLEX_TYPES,
)

#: Anything goes: for collections without documented query rules (jobs, audit entries, ...).
GENERIC_SPEC = ResourceSpec(
    name="Entity",
    entity_set="",
    default_select=None,
    filterable=frozen({}),
    orderable=frozenset(),
    orderable_advanced=frozenset(),
    searchable=frozenset(),
    known_properties=frozenset({"id"}),
    permissive=True,
)
