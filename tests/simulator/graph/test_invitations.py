"""``POST /invitations``: B2B guests as a Graph client sees them, and the invitation it gets back."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import GraphHttp, assert_graph_error, control_tenant, reader_of
from tests.simulator.graph.directory_client import count

REDIRECT = "https://myapps.microsoft.com"


TENANT = {"users": 5}


@pytest.fixture(scope="module")
def initial_domain(graph: GraphHttp) -> str:
    org = graph("GET", "/organization").json()["value"][0]
    return next(d["name"] for d in org["verifiedDomains"] if d["isInitial"])


def email() -> str:
    return f"guest.{uuid.uuid4().hex[:8]}@fabrikam.example"


def invite(graph: GraphHttp, address: str, **extra: Any) -> Any:
    return graph(
        "POST",
        "/invitations",
        json={"invitedUserEmailAddress": address, "inviteRedirectUrl": REDIRECT, **extra},
    )


def user(graph: GraphHttp, uid: str) -> dict[str, Any]:
    select = "id,userPrincipalName,userType,creationType,externalUserState,externalUserStateChangeDateTime,mail,otherMails,showInAddressList,identities,displayName,accountEnabled"
    r = graph("GET", f"/users/{uid}?$select={select}")
    assert r.status_code == 200, r.text
    return r.json()


def test_invitation_creates_a_pending_guest(graph: GraphHttp, initial_domain: str) -> None:
    address = email()
    before = count(graph, "/users")
    r = invite(graph, address, invitedUserDisplayName="Gus Guest")
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["@odata.context"].endswith("/$metadata#invitations/$entity")
    uuid.UUID(inv["id"])
    assert inv["invitedUserEmailAddress"] == address
    assert inv["inviteRedirectUrl"] == REDIRECT
    assert inv["inviteRedeemUrl"].startswith("https://")
    assert inv["invitedUserType"] == "Guest"
    assert inv["invitedUserDisplayName"] == "Gus Guest"
    assert inv["status"] == "PendingAcceptance"
    assert inv["sendInvitationMessage"] is False
    assert count(graph, "/users") == before + 1

    guest = user(graph, inv["invitedUser"]["id"])
    assert guest["userPrincipalName"] == f"{address.replace('@', '_')}#EXT#@{initial_domain}"
    assert guest["userType"] == "Guest"
    assert guest["creationType"] == "Invitation"
    assert guest["externalUserState"] == "PendingAcceptance"
    assert guest["externalUserStateChangeDateTime"].endswith("Z")
    assert guest["mail"] == address and guest["otherMails"] == [address]
    assert guest["showInAddressList"] is False
    assert guest["displayName"] == "Gus Guest" and guest["accountEnabled"] is True


def test_guest_is_found_by_its_ext_upn_and_by_filter(graph: GraphHttp) -> None:
    inv = invite(graph, email()).json()
    guest = user(graph, inv["invitedUser"]["id"])
    by_upn = graph("GET", f"/users/{quote(guest['userPrincipalName'], safe='@')}")
    assert by_upn.status_code == 200, by_upn.text
    assert by_upn.json()["id"] == guest["id"]
    r = graph("GET", "/users?$filter=userType eq 'Guest'&$select=id,userType&$top=999")
    assert r.status_code == 200
    assert guest["id"] in {u["id"] for u in r.json()["value"]}
    r = graph("GET", "/users?$filter=creationType eq 'Invitation'&$select=id&$top=999")
    assert guest["id"] in {u["id"] for u in r.json()["value"]}


def test_invited_member(graph: GraphHttp) -> None:
    r = invite(graph, email(), invitedUserType="Member")
    assert r.status_code == 201, r.text
    assert r.json()["invitedUserType"] == "Member"
    member = user(graph, r.json()["invitedUser"]["id"])
    assert member["userType"] == "Member" and member["creationType"] == "Invitation"
    assert "#EXT#@" in member["userPrincipalName"]


def test_reinvite_returns_the_same_user(graph: GraphHttp) -> None:
    address = email()
    first = invite(graph, address).json()
    before = count(graph, "/users")
    again = invite(graph, address.upper(), sendInvitationMessage=True)
    assert again.status_code == 201, again.text
    assert again.json()["invitedUser"]["id"] == first["invitedUser"]["id"]
    assert again.json()["id"] != first["id"]
    assert count(graph, "/users") == before


def test_guest_from_another_simulated_tenant_is_external_azure_ad(
    ccsync_simulator: Any, graph: GraphHttp
) -> None:
    home = control_tenant(ccsync_simulator, users=0)
    address = f"someone@{home['defaultDomain']}"
    inv = invite(graph, address).json()
    guest = user(graph, inv["invitedUser"]["id"])
    assert {"signInType": "federated", "issuer": "ExternalAzureAD", "issuerAssignedId": None} in guest[
        "identities"
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"invitedUserEmailAddress": "not-an-email", "inviteRedirectUrl": REDIRECT},
        {"invitedUserEmailAddress": "two@at@signs.example", "inviteRedirectUrl": REDIRECT},
        {"invitedUserEmailAddress": 42, "inviteRedirectUrl": REDIRECT},
        {"inviteRedirectUrl": REDIRECT},
        {"invitedUserEmailAddress": "fine@fabrikam.example"},
        {"invitedUserEmailAddress": "fine@fabrikam.example", "inviteRedirectUrl": ""},
        {
            "invitedUserEmailAddress": "fine@fabrikam.example",
            "inviteRedirectUrl": REDIRECT,
            "invitedUserType": "Boss",
        },
        {"invitedUserEmailAddress": "fine@fabrikam.example", "inviteRedirectUrl": REDIRECT, "colour": "red"},
        {
            "invitedUserEmailAddress": "fine@fabrikam.example",
            "inviteRedirectUrl": REDIRECT,
            "invitedUserDisplayName": 7,
        },
    ],
)
def test_bad_invitation_is_400_and_creates_nobody(graph: GraphHttp, body: dict[str, Any]) -> None:
    before = count(graph, "/users")
    r = graph("POST", "/invitations", json=body)
    assert r.status_code == 400, r.text
    assert_graph_error(r, 400, r.json()["error"]["code"])
    assert r.json()["error"]["code"] in ("BadRequest", "Request_BadRequest")
    assert count(graph, "/users") == before


def test_read_only_app_cannot_invite(
    endpoints: dict[str, Any], tenant: dict[str, Any], graph: GraphHttp
) -> None:
    reader = GraphHttp(endpoints, tenant, reader_of(tenant))
    before = count(graph, "/users")
    assert_graph_error(invite(reader, email()), 403, "Authorization_RequestDenied")
    assert count(graph, "/users") == before


def test_beta_answers_invitations(graph: GraphHttp) -> None:
    beta = graph.root.replace("/v1.0", "/beta")
    r = graph(
        "POST",
        f"{beta}/invitations",
        json={"invitedUserEmailAddress": email(), "inviteRedirectUrl": REDIRECT},
    )
    assert r.status_code == 201, r.text
    assert r.json()["@odata.context"].startswith(f"{beta}/$metadata#invitations")
