"""``POST /invitations``: B2B guests (``#EXT#`` UPN, creationType Invitation, PendingAcceptance)."""

from __future__ import annotations

import base64
import re
import uuid
from typing import Any

from simulator.clock import iso
from simulator.directory import users as dir_users
from simulator.directory.audit import SYNC_FABRIC_APP_ID
from simulator.directory.schema import check_other_string
from simulator.graph import auditing
from simulator.graph.router import Context, GraphRouter
from simulator.wire import permissions as perm
from simulator.wire.errors import bad_request
from simulator.wire.message import GraphResponse

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALLOWED = {
    "invitedUserEmailAddress",
    "inviteRedirectUrl",
    "invitedUserDisplayName",
    "invitedUserType",
    "sendInvitationMessage",
    "invitedUserMessageInfo",
    "resetRedemption",
}


def guest_upn(email: str, domain: str) -> str:
    """The UPN Entra gives an invited user: ``alias_domain#EXT#@tenant-initial-domain``."""
    return f"{email.replace('@', '_')}#EXT#@{domain}"


def home_identity(home_user_id: str) -> dict[str, Any]:
    """The alternative security id of a B2B user's home account (type 5, key = its netId's bytes, base64)."""
    return {
        "type": 5,
        "identityProvider": None,
        "key": base64.b64encode(bytes.fromhex(dir_users.net_id(home_user_id))).decode("ascii"),
    }


def invite(ctx: Context) -> GraphResponse:
    body: Any = ctx.json_body()
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    unknown = sorted(set(body) - _ALLOWED)
    if unknown:
        raise bad_request(
            f"Property '{unknown[0]}' does not exist as a declared property or extension property."
        )
    for key in ("invitedUserEmailAddress", "invitedUserDisplayName", "inviteRedirectUrl"):
        check_other_string(body.get(key), key, "invitation")
    email = body.get("invitedUserEmailAddress")
    redirect = body.get("inviteRedirectUrl")
    if not isinstance(email, str) or not _EMAIL.match(email):
        raise bad_request(
            "Invalid value specified for property 'invitedUserEmailAddress' of resource 'Invitation'.",
            code="BadRequest",
        )
    if not isinstance(redirect, str) or not redirect:
        raise bad_request("Property 'inviteRedirectUrl' is required.", code="BadRequest")
    user_type = body.get("invitedUserType", "Guest")
    if user_type not in ("Guest", "Member"):
        raise bad_request(
            "Invalid value specified for property 'invitedUserType' of resource 'Invitation'.",
            code="BadRequest",
        )
    display = body.get("invitedUserDisplayName")
    if display is not None and not isinstance(display, str):
        raise bad_request(
            "Invalid value specified for property 'invitedUserDisplayName' of resource 'Invitation'.",
            code="BadRequest",
        )
    upn = guest_upn(email, ctx.tenant.default_domain)
    user = ctx.tenant.user(upn)
    created = user is None
    # The simulated provisioning service (first-party Microsoft.Azure.SyncFabric) creates synced users
    # through this handler, standing in for the service's internal API: the user is redeemed at once
    # (never PendingAcceptance) and no "Invite external user" entry is written; "Add user" is acted by
    # SyncFabric. Any other caller gets an ordinary B2B invitation.
    service = ctx.caller.app_id == SYNC_FABRIC_APP_ID
    if user is None:
        home = ctx.store.tenant(email.split("@", 1)[1])
        home_user = home.user(email) if home is not None else None
        identities = (
            [{"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None}]
            if home is not None
            else [{"signInType": "federated", "issuer": "mail", "issuerAssignedId": email}]
        )
        user = dir_users.create_user(
            ctx.tenant,
            {
                "accountEnabled": True,
                "displayName": display or email.split("@", 1)[0],
                "mailNickname": email.replace("@", "_"),
                "userPrincipalName": upn,
                "mail": email,
                "otherMails": [email],
                "userType": user_type,
                "creationType": "Invitation",
                "externalUserState": "Accepted" if service else "PendingAcceptance",
                "externalUserStateChangeDateTime": iso(ctx.now),
                "showInAddressList": False,
                "identities": identities,
                # the guest's home identity (a user of another Entra tenant): what cross-tenant
                # synchronization matches an existing B2B user on (assumed: recorded at invitation)
                **(
                    {"alternativeSecurityIds": [home_identity(home_user["id"])]}
                    if home_user is not None
                    else {}
                ),
            },
            ctx.now,
            trusted=True,
        )
    if created:
        added = auditing.object_changes({}, user, [k for k in user if k not in ("id", "createdDateTime")])
        auditing.record(ctx, auditing.USER_MANAGEMENT, "Add user", "Add", [auditing.user_target(user, added)])
    if not service:
        auditing.record(
            ctx,
            auditing.USER_MANAGEMENT,
            "Invite external user",
            "Add",
            [auditing.user_target(user)],
            service=auditing.INVITED_USERS,
        )
    invitation = {
        "@odata.context": f"{ctx.root}/$metadata#invitations/$entity",
        "id": str(uuid.uuid4()),
        "inviteRedeemUrl": f"https://login.microsoftonline.com/redeem?rd=ccsync&tenant={ctx.tenant.id}&user={user['id']}",
        "inviteRedirectUrl": redirect,
        "invitedUserDisplayName": user["displayName"],
        "invitedUserEmailAddress": email,
        "invitedUserType": user.get("userType", user_type),
        "resetRedemption": bool(body.get("resetRedemption", False)),
        "sendInvitationMessage": bool(body.get("sendInvitationMessage", False)),
        "status": user.get("externalUserState") or "PendingAcceptance",
        "invitedUserMessageInfo": body.get("invitedUserMessageInfo")
        or {"messageLanguage": None, "ccRecipients": [], "customizedMessageBody": None},
        "invitedUser": {"id": user["id"]},
    }
    return GraphResponse(201, invitation)


def register(router: GraphRouter) -> None:
    router.add("POST", "/invitations", invite, perm.USERS_INVITE)
