"""A small app: read the members of a commercial tenant and invite them as guests into a GCC High tenant.

It talks to Graph with msgraph-sdk, authenticated by azure-identity (msal underneath); it knows nothing
about the simulator. In production build the clients with :func:`graph_client_for`; in tests the
ccsync kit hands it clients pointed at the simulator (see ``test_guest_inviter.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiota_abstractions.base_request_configuration import RequestConfiguration
from msgraph import GraphServiceClient
from msgraph.generated.models.invitation import Invitation
from msgraph.generated.users.users_request_builder import UsersRequestBuilder

#: Where an invited guest lands after redeeming the invitation.
REDIRECT_URL = "https://myapps.microsoft.us"


@dataclass(frozen=True)
class Member:
    """A member of the source tenant, as the app needs it."""

    id: str
    display_name: str
    mail: str


@dataclass(frozen=True)
class InvitedGuest:
    """The guest the target tenant created for a member."""

    source_id: str
    guest_id: str
    user_principal_name: str
    status: str


class GuestInviter:
    """Reads enabled members with a mailbox from ``source`` and invites them into ``target``."""

    def __init__(self, source: GraphServiceClient, target: GraphServiceClient) -> None:
        self.source, self.target = source, target

    async def members(self, page_size: int = 100) -> list[Member]:
        """Every enabled member of the source tenant that has a mail address (all pages)."""
        config = RequestConfiguration(
            query_parameters=UsersRequestBuilder.UsersRequestBuilderGetQueryParameters(
                filter="userType eq 'Member' and accountEnabled eq true",
                select=["id", "displayName", "mail"],
                top=page_size,
            )
        )
        config.headers.add("ConsistencyLevel", "eventual")
        page = await self.source.users.get(request_configuration=config)
        found: list[Member] = []
        while page is not None:
            found.extend(Member(u.id, u.display_name, u.mail) for u in page.value or [] if u.mail)
            if not page.odata_next_link:
                break
            page = await self.source.users.with_url(page.odata_next_link).get()
        return found

    async def invite(self, member: Member) -> InvitedGuest:
        """Invite one member; the target answers with the (pending) guest user."""
        sent = await self.target.invitations.post(
            Invitation(
                invited_user_email_address=member.mail,
                invited_user_display_name=member.display_name,
                invite_redirect_url=REDIRECT_URL,
                send_invitation_message=False,
            )
        )
        guest = sent.invited_user
        guest_user = await self.target.users.by_user_id(guest.id).get()
        return InvitedGuest(member.id, guest.id, guest_user.user_principal_name, sent.status)

    async def invite_all(self, limit: int | None = None) -> list[InvitedGuest]:
        """Invite the source's members (the first ``limit`` of them)."""
        members = await self.members()
        return [await self.invite(m) for m in members[:limit]]


def graph_client_for(
    tenant_id: str, client_id: str, client_secret: str, *, authority: str, graph_root: str, scope: str
) -> Any:
    """A production client for a national cloud (``authority`` such as ``https://login.microsoftonline.us``)."""
    import httpx
    from azure.identity import ClientSecretCredential
    from kiota_authentication_azure.azure_identity_authentication_provider import (
        AzureIdentityAuthenticationProvider,
    )
    from msgraph import GraphRequestAdapter
    from msgraph_core import GraphClientFactory

    credential = ClientSecretCredential(tenant_id, client_id, client_secret, authority=authority)
    http = GraphClientFactory.create_with_default_middleware(client=httpx.AsyncClient())
    adapter = GraphRequestAdapter(
        AzureIdentityAuthenticationProvider(credential, scopes=[scope]), client=http
    )
    adapter.base_url = f"{graph_root}/v1.0"
    return GraphServiceClient(request_adapter=adapter)
