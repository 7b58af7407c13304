"""What each directory collection lets a client query: properties, types, filter/sort/search rules.

The tables follow graph-protocol.md §3.7–3.9 and §6; where the docs list an operator as needing an
advanced query (``ConsistencyLevel: eventual`` plus ``$count=true``) it sits in ``advanced``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType

from simulator.graph.errors import GraphError, bad_request, unsupported_query

#: Operator tokens a PropertyFilter speaks of. ``not`` is any negation above the clause, ``null``
#: an ``eq null`` / ``ne null`` test, ``count`` a ``/$count`` comparison on a collection.
OPERATORS = frozenset(
    {
        "eq",
        "ne",
        "gt",
        "ge",
        "lt",
        "le",
        "in",
        "startsWith",
        "endsWith",
        "contains",
        "not",
        "null",
        "count",
        "all",
    }
)

ADVANCED_QUERY_HINT = (
    "Try adding $count=true query parameter and ConsistencyLevel:eventual header. "
    "Refer to https://aka.ms/graph-docs/advanced-queries for more information"
)

STRING = "Edm.String"
BOOLEAN = "Edm.Boolean"
DATETIME = "Edm.DateTimeOffset"
GUID = "Edm.Guid"
INT32 = "Edm.Int32"
#: Type of everything in a permissive spec: no type checks.
ANY_TYPE = "*"


def collection_of(t: str) -> str:
    return f"Collection({t})"


def is_collection(t: str) -> bool:
    return t.startswith("Collection(")


def element_type(t: str) -> str:
    return t[len("Collection(") : -1] if is_collection(t) else t


def is_primitive(t: str) -> bool:
    return t.startswith("Edm.") or t == ANY_TYPE


def advanced_query_required(what: str) -> GraphError:
    """The 400 Graph answers when a clause works only in an advanced query."""
    return unsupported_query(
        f"{what} is not supported because the required parameters might be missing. {ADVANCED_QUERY_HINT}"
    )


@dataclass(frozen=True)
class PropertyFilter:
    """The $filter operators one property takes by default, and those it takes only in advanced queries."""

    default: frozenset[str] = frozenset()
    advanced: frozenset[str] = frozenset()

    @classmethod
    def of(cls, default: str = "", advanced: str = "") -> PropertyFilter:
        """Built from space-separated operator tokens, e.g. ``of("eq in", "ne not")``."""
        d, a = frozenset(default.split()), frozenset(advanced.split())
        unknown = (d | a) - OPERATORS
        if unknown:
            raise ValueError(f"unknown filter operators {sorted(unknown)}")
        return cls(d, a)

    def allows(self, op: str) -> bool:
        return op in self.default or op in self.advanced


@dataclass(frozen=True, eq=False)
class ResourceSpec:
    """One entity type as a queryable collection: what $select, $filter, $orderby and $search accept."""

    name: str
    entity_set: str
    default_select: tuple[str, ...] | None
    filterable: Mapping[str, PropertyFilter]
    orderable: frozenset[str]
    orderable_advanced: frozenset[str]
    searchable: frozenset[str]
    known_properties: frozenset[str]
    #: Property → Edm type or complex type name; unlisted known properties are ``Edm.String``.
    types: Mapping[str, str] = field(default_factory=dict)
    #: Complex type name → its property → type (for paths like ``employeeOrgData/division``).
    complex_types: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    #: Properties kept outside the directory (profile, mailbox); selecting them answers 501 like Graph.
    outside_directory: frozenset[str] = frozenset()
    #: Accept any property and operator (non-directory collections with no documented rules).
    permissive: bool = False
    max_top: int = 999

    @property
    def odata_type(self) -> str:
        """``microsoft.graph.user`` for ``User``."""
        return f"microsoft.graph.{self.name[:1].lower()}{self.name[1:]}"

    @cached_property
    def _by_lower(self) -> dict[str, str]:
        return {p.lower(): p for p in self.known_properties | self.outside_directory}

    @cached_property
    def collection_properties(self) -> frozenset[str]:
        """Known properties whose missing value renders as ``[]`` rather than ``null``."""
        return frozenset(p for p, t in self.types.items() if is_collection(t))

    def canonical(self, name: str) -> str | None:
        """The property's declared spelling for a case-insensitive ``name``, or None if unknown."""
        if self.permissive:
            return self._by_lower.get(name.lower(), name)
        return self._by_lower.get(name.lower())

    def type_of(self, prop: str) -> str:
        if self.permissive and prop not in self.types:
            return ANY_TYPE
        return self.types.get(prop, STRING)

    def unknown_property(self, name: str, type_name: str | None = None) -> GraphError:
        return bad_request(
            f"Could not find a property named '{name}' on type '{type_name or self.odata_type}'."
        )

    def unsupported_filter(self, prop: str) -> GraphError:
        return unsupported_query(
            f"Unsupported or invalid query filter clause specified for property '{prop}' of resource '{self.name}'."
        )


def _frozen(d: Mapping[str, object]) -> MappingProxyType:
    return MappingProxyType(dict(d))


def _pf(default: str = "", advanced: str = "") -> PropertyFilter:
    return PropertyFilter.of(default, advanced)


STRINGS = collection_of(STRING)
GUIDS = collection_of(GUID)

COMPLEX_TYPES: Mapping[str, Mapping[str, str]] = _frozen(
    {
        "microsoft.graph.objectIdentity": _frozen(
            {"signInType": STRING, "issuer": STRING, "issuerAssignedId": STRING}
        ),
        "microsoft.graph.assignedLicense": _frozen({"skuId": GUID, "disabledPlans": GUIDS}),
        "microsoft.graph.assignedPlan": _frozen(
            {
                "assignedDateTime": DATETIME,
                "capabilityStatus": STRING,
                "service": STRING,
                "servicePlanId": GUID,
            }
        ),
        "microsoft.graph.licenseAssignmentState": _frozen(
            {
                "skuId": GUID,
                "disabledPlans": GUIDS,
                "assignedByGroup": STRING,
                "state": STRING,
                "error": STRING,
                "lastUpdatedDateTime": DATETIME,
            }
        ),
        "microsoft.graph.onPremisesExtensionAttributes": _frozen(
            {f"extensionAttribute{i}": STRING for i in range(1, 16)}
        ),
        "microsoft.graph.employeeOrgData": _frozen({"division": STRING, "costCenter": STRING}),
        "microsoft.graph.passwordProfile": _frozen(
            {
                "password": STRING,
                "forceChangePasswordNextSignIn": BOOLEAN,
                "forceChangePasswordNextSignInWithMfa": BOOLEAN,
            }
        ),
        "microsoft.graph.onPremisesProvisioningError": _frozen(
            {
                "category": STRING,
                "occurredDateTime": DATETIME,
                "propertyCausingError": STRING,
                "value": STRING,
            }
        ),
        "microsoft.graph.signInActivity": _frozen(
            {
                "lastSignInDateTime": DATETIME,
                "lastSignInRequestId": STRING,
                "lastNonInteractiveSignInDateTime": DATETIME,
                "lastNonInteractiveSignInRequestId": STRING,
                "lastSuccessfulSignInDateTime": DATETIME,
                "lastSuccessfulSignInRequestId": STRING,
            }
        ),
        "microsoft.graph.appRole": _frozen(
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
        (
            "accountEnabled",
            "onPremisesSyncEnabled",
            "showInAddressList",
            "isResourceAccount",
            "isManagementRestricted",
        ),
        BOOLEAN,
    ),
    **dict.fromkeys(
        (
            "createdDateTime",
            "deletedDateTime",
            "lastPasswordChangeDateTime",
            "signInSessionsValidFromDateTime",
            "externalUserStateChangeDateTime",
            "onPremisesLastSyncDateTime",
            "employeeHireDate",
            "employeeLeaveDateTime",
        ),
        DATETIME,
    ),
    **dict.fromkeys(("businessPhones", "otherMails", "proxyAddresses", "imAddresses"), STRINGS),
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
    (
        "id",
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "passwordPolicies",
        "userType",
        "creationType",
        "externalUserState",
        "onPremisesImmutableId",
        "onPremisesSecurityIdentifier",
        "onPremisesSamAccountName",
        "onPremisesDomainName",
        "onPremisesDistinguishedName",
        "onPremisesUserPrincipalName",
        "mail",
        "givenName",
        "surname",
        "jobTitle",
        "department",
        "companyName",
        "employeeId",
        "employeeType",
        "officeLocation",
        "city",
        "state",
        "country",
        "postalCode",
        "streetAddress",
        "mobilePhone",
        "faxNumber",
        "preferredLanguage",
        "preferredDataLocation",
        "usageLocation",
        "securityIdentifier",
        "ageGroup",
        "consentProvidedForMinor",
        "legalAgeGroupClassification",
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
        (
            "creationType",
            "externalUserState",
            "externalUserStateChangeDateTime",
            "ageGroup",
            "consentProvidedForMinor",
            "legalAgeGroupClassification",
        ),
        _ENUM_LIKE,
    ),
    **dict.fromkeys(
        (
            "displayName",
            "givenName",
            "surname",
            "jobTitle",
            "mailNickname",
            "city",
            "country",
            "department",
            "state",
            "usageLocation",
            "preferredLanguage",
            "employeeId",
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
        (
            "onPremisesImmutableId",
            "onPremisesSamAccountName",
            "companyName",
            "mobilePhone",
            "officeLocation",
            "postalCode",
            "streetAddress",
            "employeeType",
            "faxNumber",
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
    default_select=(
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
        "id",
    ),
    filterable=_frozen(_USER_FILTER),
    orderable=frozenset({"displayName", "userPrincipalName"}),
    orderable_advanced=frozenset({"createdDateTime", "deletedDateTime"}),
    searchable=frozenset(
        {
            "displayName",
            "givenName",
            "surname",
            "mail",
            "mailNickname",
            "userPrincipalName",
            "otherMails",
            "proxyAddresses",
        }
    ),
    known_properties=_USER_PROPERTIES,
    types=_frozen(_USER_TYPES),
    complex_types=COMPLEX_TYPES,
    outside_directory=frozenset(
        {
            "aboutMe",
            "birthday",
            "hireDate",
            "interests",
            "mySite",
            "pastProjects",
            "preferredName",
            "responsibilities",
            "schools",
            "skills",
            "mailboxSettings",
        }
    ),
)

# -- group --------------------------------------------------------------------------------------

_GROUP_TYPES = {
    **dict.fromkeys(
        (
            "mailEnabled",
            "securityEnabled",
            "isAssignableToRole",
            "onPremisesSyncEnabled",
            "hasMembersWithLicenseErrors",
        ),
        BOOLEAN,
    ),
    **dict.fromkeys(
        (
            "createdDateTime",
            "deletedDateTime",
            "expirationDateTime",
            "renewedDateTime",
            "onPremisesLastSyncDateTime",
        ),
        DATETIME,
    ),
    **dict.fromkeys(
        ("groupTypes", "proxyAddresses", "resourceBehaviorOptions", "resourceProvisioningOptions"), STRINGS
    ),
    "assignedLicenses": collection_of("microsoft.graph.assignedLicense"),
    "onPremisesProvisioningErrors": collection_of("microsoft.graph.onPremisesProvisioningError"),
    "members": collection_of("microsoft.graph.directoryObject"),
    "owners": collection_of("microsoft.graph.directoryObject"),
    "memberOf": collection_of("microsoft.graph.directoryObject"),
}

_GROUP_PROPERTIES = frozenset(_GROUP_TYPES).union(
    (
        "id",
        "displayName",
        "description",
        "mailNickname",
        "membershipRule",
        "membershipRuleProcessingState",
        "visibility",
        "mail",
        "securityIdentifier",
        "onPremisesSecurityIdentifier",
        "onPremisesSamAccountName",
        "onPremisesDomainName",
        "onPremisesNetBiosName",
        "classification",
        "preferredDataLocation",
        "preferredLanguage",
        "theme",
        "uniqueName",
    )
)

_GROUP_NAME_LIKE = _pf("eq ge le in startsWith", "ne not null endsWith")

GROUP_SPEC = ResourceSpec(
    name="Group",
    entity_set="groups",
    default_select=None,
    filterable=_frozen(
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
    searchable=frozenset({"displayName", "description", "mail", "mailNickname", "proxyAddresses"}),
    known_properties=_GROUP_PROPERTIES,
    types=_frozen(_GROUP_TYPES),
    complex_types=COMPLEX_TYPES,
    outside_directory=frozenset(
        {
            "allowExternalSenders",
            "autoSubscribeNewMembers",
            "hideFromAddressLists",
            "hideFromOutlookClients",
            "isSubscribedByMail",
            "unseenCount",
        }
    ),
)

# -- servicePrincipal / application -------------------------------------------------------------

_SP_TYPES = {
    **dict.fromkeys(("accountEnabled", "appRoleAssignmentRequired"), BOOLEAN),
    "deletedDateTime": DATETIME,
    **dict.fromkeys(
        ("servicePrincipalNames", "tags", "alternativeNames", "replyUrls", "notificationEmailAddresses"),
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
    filterable=_frozen(
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
        (
            "id",
            "appId",
            "displayName",
            "appDisplayName",
            "appDescription",
            "applicationTemplateId",
            "servicePrincipalType",
            "homepage",
            "loginUrl",
            "logoutUrl",
            "preferredSingleSignOnMode",
            "preferredTokenSigningKeyThumbprint",
            "description",
            "notes",
            "signInAudience",
            "tokenEncryptionKeyId",
            "disabledByMicrosoftStatus",
            "servicePrincipalNames",
            "resourceSpecificApplicationPermissions",
        )
    ),
    types=_frozen(_SP_TYPES),
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
    filterable=_frozen(
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
        (
            "id",
            "appId",
            "displayName",
            "description",
            "notes",
            "signInAudience",
            "publisherDomain",
            "groupMembershipClaims",
            "tokenEncryptionKeyId",
            "serviceManagementReference",
            "uniqueName",
            "disabledByMicrosoftStatus",
            "defaultRedirectUri",
            "applicationTemplateId",
            "samlMetadataUrl",
        )
    ),
    types=_frozen(_APP_TYPES),
    complex_types=COMPLEX_TYPES,
)

# -- directoryObject (member/owner lists, which mix users, groups and service principals) -------

_DIRECTORY_TYPES = {**_APP_TYPES, **_SP_TYPES, **_GROUP_TYPES, **_USER_TYPES}

DIRECTORY_OBJECT_SPEC = ResourceSpec(
    name="DirectoryObject",
    entity_set="directoryObjects",
    default_select=None,
    filterable=_frozen(
        {
            "id": _ENUM_LIKE,
            **dict.fromkeys(
                ("displayName", "mail", "userPrincipalName", "mailNickname", "givenName", "surname"),
                _pf("", "eq ne not in ge le startsWith endsWith null"),
            ),
            **dict.fromkeys(
                ("accountEnabled", "userType", "securityEnabled", "mailEnabled", "appId"),
                _pf("", "eq ne not in null"),
            ),
        }
    ),
    orderable=frozenset(),
    orderable_advanced=frozenset({"displayName"}),
    searchable=frozenset(
        {"displayName", "description", "mail", "userPrincipalName", "mailNickname", "givenName", "surname"}
    ),
    known_properties=USER_SPEC.known_properties
    | GROUP_SPEC.known_properties
    | SERVICE_PRINCIPAL_SPEC.known_properties
    | APPLICATION_SPEC.known_properties,
    types=_frozen(_DIRECTORY_TYPES),
    complex_types=COMPLEX_TYPES,
)

#: Anything goes: for collections without documented query rules (jobs, audit entries, ...).
GENERIC_SPEC = ResourceSpec(
    name="Entity",
    entity_set="",
    default_select=None,
    filterable=_frozen({}),
    orderable=frozenset(),
    orderable_advanced=frozenset(),
    searchable=frozenset(),
    known_properties=frozenset({"id"}),
    permissive=True,
)
