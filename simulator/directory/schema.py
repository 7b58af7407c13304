"""Which properties a client may write on each object type, and how values are checked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.graph.errors import bad_request


@dataclass(frozen=True)
class Prop:
    """A writable property: its JSON kind and, for strings, the longest value Graph accepts."""

    kind: str  # str | bool | int | strlist | obj | objlist | datetime
    max_len: int | None = None


def _s(n: int | None = None) -> Prop:
    return Prop("str", n)


USER_WRITABLE: dict[str, Prop] = {
    "accountEnabled": Prop("bool"),
    "ageGroup": _s(),
    "businessPhones": Prop("strlist"),
    "city": _s(128),
    "companyName": _s(64),
    "consentProvidedForMinor": _s(),
    "country": _s(128),
    "department": _s(64),
    "displayName": _s(256),
    "employeeHireDate": Prop("datetime"),
    "employeeLeaveDateTime": Prop("datetime"),
    "employeeId": _s(16),
    "employeeOrgData": Prop("obj"),
    "employeeType": _s(),
    "faxNumber": _s(),
    "givenName": _s(64),
    "identities": Prop("objlist"),
    "jobTitle": _s(128),
    "mail": _s(),
    "mailNickname": _s(64),
    "mobilePhone": _s(64),
    "officeLocation": _s(),
    "onPremisesExtensionAttributes": Prop("obj"),
    "onPremisesImmutableId": _s(),
    "otherMails": Prop("strlist"),
    "passwordPolicies": _s(),
    "passwordProfile": Prop("obj"),
    "postalCode": _s(40),
    "preferredLanguage": _s(),
    "showInAddressList": Prop("bool"),
    "state": _s(128),
    "streetAddress": _s(1024),
    "surname": _s(64),
    "usageLocation": _s(2),
    "userPrincipalName": _s(113),
    "userType": _s(),
    "externalUserState": _s(),
    # beta/service-internal anchor of cross-tenant synchronization (docs/fidelity.md)
    "alternativeSecurityIds": Prop("objlist"),
}

USER_READ_ONLY = frozenset(
    {
        "id",
        "createdDateTime",
        "deletedDateTime",
        "creationType",
        "assignedLicenses",
        "assignedPlans",
        "licenseAssignmentStates",
        "proxyAddresses",
        "onPremisesSyncEnabled",
        "onPremisesSecurityIdentifier",
        "securityIdentifier",
        "externalUserStateChangeDateTime",
        "imAddresses",
        "netId",
    }
)

GROUP_WRITABLE: dict[str, Prop] = {
    "description": _s(1024),
    "displayName": _s(256),
    "groupTypes": Prop("strlist"),
    "isAssignableToRole": Prop("bool"),
    "mailEnabled": Prop("bool"),
    "mailNickname": _s(64),
    "membershipRule": _s(3072),
    "membershipRuleProcessingState": _s(),
    "securityEnabled": Prop("bool"),
    "visibility": _s(),
}
GROUP_READ_ONLY = frozenset(
    {"id", "createdDateTime", "deletedDateTime", "mail", "proxyAddresses", "securityIdentifier"}
)

APPLICATION_WRITABLE: dict[str, Prop] = {
    "displayName": _s(256),
    "description": _s(1024),
    "signInAudience": _s(),
    "identifierUris": Prop("strlist"),
    "tags": Prop("strlist"),
    "notes": _s(),
    "requiredResourceAccess": Prop("objlist"),
    "appRoles": Prop("objlist"),
    "web": Prop("obj"),
}
SERVICE_PRINCIPAL_WRITABLE: dict[str, Prop] = {
    "appId": _s(),
    "accountEnabled": Prop("bool"),
    "appRoleAssignmentRequired": Prop("bool"),
    "displayName": _s(256),
    "description": _s(1024),
    "notes": _s(),
    "tags": Prop("strlist"),
    "servicePrincipalNames": Prop("strlist"),
    "preferredSingleSignOnMode": _s(),
    "appRoles": Prop("objlist"),
}


def check_properties(
    body: Any, writable: dict[str, Prop], read_only: frozenset[str], type_name: str, resource: str
) -> dict[str, Any]:
    """Validate a create/update body; return the accepted properties or raise a Graph 400."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    out: dict[str, Any] = {}
    for key, value in body.items():
        if key.startswith("@odata.") or key.endswith("@odata.bind"):
            continue
        if key in read_only:
            raise bad_request(f"Property '{key}' is read-only and cannot be set.")
        prop = writable.get(key)
        if prop is None:
            raise bad_request(
                f"Property '{key}' does not exist as a declared property or extension property."
            )
        if value is not None and not _kind_ok(prop, value):
            raise bad_request(f"Invalid value specified for property '{key}' of resource '{resource}'.")
        if prop.max_len is not None and isinstance(value, str) and len(value) > prop.max_len:
            raise bad_request(
                f"Invalid value specified for property '{key}' of resource '{resource}'. "
                f"The value is longer than {prop.max_len} characters."
            )
        out[key] = value
    return out


def _kind_ok(prop: Prop, value: Any) -> bool:
    k = prop.kind
    if k == "str":
        return isinstance(value, str)
    if k == "bool":
        return isinstance(value, bool)
    if k == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if k == "strlist":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if k == "obj":
        return isinstance(value, dict)
    if k == "objlist":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if k == "datetime":
        if not isinstance(value, str):
            return False
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return False
        return True
    return False
