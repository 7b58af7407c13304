"""Which properties a client may write on each object type, and how values are checked."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from simulator.wire.errors import bad_request


@dataclass(frozen=True)
class Prop:
    """A writable property: its JSON kind and, for strings, the longest value Graph accepts."""

    kind: str  # str | bool | int | strlist | obj | objlist | datetime
    max_len: int | None = None


#: The length of a writable string whose limit Graph does not document (names and the like).
DEFAULT_MAX_LEN = 256


def _s(n: int = DEFAULT_MAX_LEN) -> Prop:
    return Prop("str", n)


USER_WRITABLE: dict[str, Prop] = {
    "accountEnabled": Prop("bool"),
    "ageGroup": _s(),
    "businessPhones": Prop("strlist", 64),
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
}

#: What the provisioning service writes through the directory's internal channel: also the anchor of
#: cross-tenant synchronization, which Graph's v1.0 user does not have (docs/fidelity.md).
SERVICE_USER_WRITABLE: dict[str, Prop] = {**USER_WRITABLE, "alternativeSecurityIds": Prop("objlist")}

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
    "notes": _s(1024),
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
    "notes": _s(1024),
    "tags": Prop("strlist"),
    "servicePrincipalNames": Prop("strlist"),
    "preferredSingleSignOnMode": _s(),
    "appRoles": Prop("objlist"),
}


#: Writable strings of resources that are not created through ``check_properties`` (one table for all).
OTHER_STRING_LIMITS: dict[str, dict[str, int]] = {
    "crossTenantAccessPolicy": {"displayName": 256},
    "crossTenantIdentitySyncPolicyPartner": {"displayName": 256, "externalCloudAuthorizedApplicationId": 256},
    # an e-mail address is at most 254 characters (RFC 5321); a URL 2048 (what browsers keep)
    "invitation": {"invitedUserEmailAddress": 254, "invitedUserDisplayName": 256, "inviteRedirectUrl": 2048},
}

#: C0 controls other than tab, line feed and carriage return (NUL is refused for the whole body).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def check_string(value: str, key: str, resource: str, max_len: int | None) -> None:
    """Graph's 400 for a string that is too long or holds control characters."""
    if max_len is not None and len(value) > max_len:
        raise bad_request(
            f"Invalid value specified for property '{key}' of resource '{resource}'. "
            f"The value is longer than {max_len} characters."
        )
    if _CONTROL.search(value):
        raise bad_request(
            f"Invalid value specified for property '{key}' of resource '{resource}'. "
            "The value contains a control character."
        )


def check_other_string(value: Any, key: str, resource: str) -> None:
    """``check_string`` with the limit from ``OTHER_STRING_LIMITS`` (non-strings are left to the caller)."""
    if isinstance(value, str):
        check_string(value, key, resource, OTHER_STRING_LIMITS[resource][key])


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
        if isinstance(value, str):
            check_string(value, key, resource, prop.max_len)
        elif prop.kind == "strlist" and isinstance(value, list):
            for item in value:
                check_string(item, key, resource, prop.max_len or DEFAULT_MAX_LEN)
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
