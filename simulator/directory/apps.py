"""Applications, service principals, their credentials and app role assignments."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime, timedelta
from typing import Any

from simulator.clock import iso
from simulator.directory.collection import Obj
from simulator.directory.schema import APPLICATION_WRITABLE, SERVICE_PRINCIPAL_WRITABLE, check_properties
from simulator.directory.tenant import AppCredential, Tenant
from simulator.wire.errors import GraphError, bad_request, not_found

#: The default app role every application has ("User" / msiam_access for gallery apps).
DEFAULT_ACCESS_ROLE_ID = "00000000-0000-0000-0000-000000000000"


def create_application(
    tenant: Tenant, body: Any, now: datetime, *, object_id: str | None = None, app_id: str | None = None
) -> Obj:
    props = check_properties(
        body, APPLICATION_WRITABLE, frozenset({"id", "appId"}), "application", "Application"
    )
    if not props.get("displayName"):
        raise bad_request("Property 'displayName' is required for creating an application.")
    app: Obj = {
        "id": object_id or str(uuid.uuid4()),
        "appId": app_id or str(uuid.uuid4()),
        "createdDateTime": iso(now),
        "signInAudience": "AzureADMyOrg",
        "identifierUris": [],
        "tags": [],
        "appRoles": [],
        "requiredResourceAccess": [],
        "passwordCredentials": [],
        "keyCredentials": [],
        "publisherDomain": tenant.default_domain,
    }
    app.update(props)
    tenant.applications.add(app)
    return app


def create_service_principal(tenant: Tenant, body: Any, *, object_id: str | None = None) -> Obj:
    props = check_properties(
        body, SERVICE_PRINCIPAL_WRITABLE, frozenset({"id"}), "servicePrincipal", "ServicePrincipal"
    )
    app_id = props.get("appId")
    if not app_id:
        raise bad_request("Property 'appId' is required for creating a service principal.")
    app = next((a for a in tenant.applications.values() if a["appId"] == app_id), None)
    if app is None:
        raise bad_request(
            f"The appId '{app_id}' of the service principal does not reference a valid application object."
        )
    if any(sp["appId"] == app_id for sp in tenant.service_principals.values()):
        raise GraphError(
            409,
            "Request_MultipleObjectsWithSameKeyValue",
            "The service principal cannot be created, updated, or restored because the service principal name "
            f"{app_id} is already in use.",
        )
    sp: Obj = {
        "id": object_id or str(uuid.uuid4()),
        "appId": app_id,
        "displayName": app["displayName"],
        "appDisplayName": app["displayName"],
        "accountEnabled": True,
        "appRoleAssignmentRequired": False,
        "appOwnerOrganizationId": tenant.id,
        "applicationTemplateId": app.get("applicationTemplateId"),
        "appRoles": list(app.get("appRoles", [])),
        "servicePrincipalNames": [app_id],
        "servicePrincipalType": "Application",
        "tags": [],
    }
    sp.update({k: v for k, v in props.items() if k != "appId"})
    tenant.service_principals.add(sp)
    cred = tenant.apps.get(app_id)
    if cred is not None:  # a secret added before the SP existed: tokens name this SP as oid
        cred.sp_id = sp["id"]
    return sp


def register_app(
    tenant: Tenant,
    display_name: str,
    roles: list[str],
    now: datetime,
    *,
    client_id: str | None = None,
    secret: str | None = None,
    object_ids: tuple[str, str] | None = None,
) -> AppCredential:
    """An app registration with a service principal, a client secret and granted application permissions."""
    app = create_application(
        tenant,
        {"displayName": display_name},
        now,
        object_id=object_ids[0] if object_ids else None,
        app_id=client_id,
    )
    sp = create_service_principal(
        tenant, {"appId": app["appId"]}, object_id=object_ids[1] if object_ids else None
    )
    secret = secret or new_secret()
    key_id = _record_password(app, secret, display_name="ccsync", now=now)["keyId"]
    cred = AppCredential(
        app["appId"], display_name, [secret], sorted(roles), app["id"], sp["id"], secret_key_ids=[key_id]
    )
    tenant.apps[app["appId"]] = cred
    return cred


def new_secret() -> str:
    """A client secret in the shape Entra issues (40 characters, with a ``~``)."""
    raw = secrets.token_urlsafe(30)[:36]
    return f"{raw[:3]}8Q~{raw[3:]}"


def _record_password(app: Obj, secret: str, *, display_name: str, now: datetime) -> Obj:
    cred = {
        "customKeyIdentifier": None,
        "displayName": display_name,
        "endDateTime": iso(now + timedelta(days=730)),
        "hint": secret[:3],
        "keyId": str(uuid.uuid4()),
        "secretText": None,
        "startDateTime": iso(now),
    }
    app["passwordCredentials"].append(cred)
    return cred


def add_password(tenant: Tenant, app: Obj, body: Any, now: datetime) -> Obj:
    """``addPassword``: a new secret, returned once in ``secretText`` and usable at the token endpoint."""
    details = (body.get("passwordCredential") or {}) if isinstance(body, dict) else None
    if not isinstance(details, dict) or not isinstance(details.get("displayName") or "", str):
        raise bad_request(
            "Invalid value specified for property 'passwordCredential' of resource 'Application'."
        )
    name = details.get("displayName")
    secret = new_secret()
    cred = _record_password(app, secret, display_name=name or "", now=now)
    tenant.applications.touch(app["id"])
    sp = next((s for s in tenant.service_principals.values() if s["appId"] == app["appId"]), None)
    existing = tenant.apps.get(app["appId"])
    if existing is None:
        tenant.apps[app["appId"]] = AppCredential(
            app["appId"],
            app["displayName"],
            [secret],
            [],
            app["id"],
            sp["id"] if sp else "",
            secret_key_ids=[cred["keyId"]],
        )
    else:
        # secrets registered before key ids were kept have none ("")
        existing.secret_key_ids = [
            *existing.secret_key_ids,
            *[""] * (len(existing.secrets) - len(existing.secret_key_ids)),
        ]
        existing.secrets.append(secret)
        existing.secret_key_ids.append(cred["keyId"])
    return {**cred, "secretText": secret}


def remove_password(tenant: Tenant, app: Obj, body: Any) -> None:
    """``removePassword``: the secret with ``keyId`` no longer signs in (tokens already issued stay valid)."""
    key_id = body.get("keyId") if isinstance(body, dict) else None
    if not isinstance(key_id, str):
        raise bad_request("Invalid value specified for property 'keyId' of resource 'Application'.")
    creds = app.get("passwordCredentials") or []
    if not any(c.get("keyId") == key_id for c in creds):
        raise GraphError(
            404, "Request_ResourceNotFound", f"No password credential found with keyId '{key_id}'."
        )
    app["passwordCredentials"] = [c for c in creds if c.get("keyId") != key_id]
    tenant.applications.touch(app["id"])
    registered = tenant.apps.get(app["appId"])
    if registered is not None and key_id in registered.secret_key_ids:
        i = registered.secret_key_ids.index(key_id)
        del registered.secret_key_ids[i]
        del registered.secrets[i]


def assign_app_role(tenant: Tenant, resource_sp: Obj, body: Any, now: datetime) -> Obj:
    """``POST servicePrincipals/{id}/appRoleAssignedTo``: grant a user, group or SP an app role."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    for field in ("principalId", "resourceId", "appRoleId"):
        if not isinstance(body.get(field), str):
            raise bad_request(f"Property '{field}' is required for creating an app role assignment.")
    if body["resourceId"].lower() != resource_sp["id"]:
        raise bad_request("The resourceId must be the id of the service principal in the request URL.")
    found = tenant.directory_object(body["principalId"].lower())
    # an application object is not a principal: only users, groups and service principals are
    if found is None or found[0] not in ("user", "group", "servicePrincipal"):
        raise not_found(body["principalId"])
    kind, principal = found
    role_ids = {r["id"] for r in resource_sp.get("appRoles", [])} | {DEFAULT_ACCESS_ROLE_ID}
    if body["appRoleId"].lower() not in role_ids:
        raise bad_request("Permission being assigned was not found on application", code="Request_BadRequest")
    for a in tenant.app_role_assignments.values():
        if (
            a["resourceId"] == resource_sp["id"]
            and a["principalId"] == principal["id"]
            and a["appRoleId"] == body["appRoleId"].lower()
        ):
            raise bad_request("Permission being assigned already exists on the object")
    assignment = {
        "id": secrets.token_urlsafe(32)[:43],
        "appRoleId": body["appRoleId"].lower(),
        "createdDateTime": iso(now),
        "deletedDateTime": None,
        "principalDisplayName": principal.get("displayName"),
        "principalId": principal["id"],
        "principalType": {"user": "User", "group": "Group", "servicePrincipal": "ServicePrincipal"}.get(
            kind, kind
        ),
        "resourceDisplayName": resource_sp.get("displayName"),
        "resourceId": resource_sp["id"],
    }
    tenant.app_role_assignments.add(assignment)
    return assignment


#: Microsoft first-party applications the simulator knows: app id -> display name.
FIRST_PARTY = {"00000014-0000-0000-c000-000000000000": "Microsoft.Azure.SyncFabric"}


def ensure_first_party_sp(tenant: Tenant, app_id: str) -> Obj:
    """The tenant's service principal of a Microsoft first-party app, made on first use (no local application)."""
    for sp in tenant.service_principals.values():
        if sp["appId"] == app_id:
            return sp
    name = FIRST_PARTY.get(app_id, app_id)
    sp: Obj = {
        "id": str(uuid.uuid5(uuid.UUID(tenant.id), app_id)),
        "appId": app_id,
        "displayName": name,
        "appDisplayName": name,
        "accountEnabled": True,
        "appRoleAssignmentRequired": False,
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
        "appRoles": [],
        "servicePrincipalNames": [app_id],
        "servicePrincipalType": "Application",
        "tags": [],
    }
    tenant.service_principals.add(sp)
    return sp
