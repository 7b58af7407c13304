"""The example app tested offline with only the public kit (the ``ccsync`` fixture and its marker)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest
from guest_inviter import GuestInviter, InvitedGuest, Member
from msgraph.generated.models.o_data_errors.o_data_error import ODataError

from simulator.testing import CCSync

pytestmark = pytest.mark.ccsync(world="world.yaml")


def inviter(ccsync: CCSync) -> GuestInviter:
    source, target = ccsync.tenant("commercial"), ccsync.tenant("gcch")
    return GuestInviter(ccsync.graph_client(source), ccsync.graph_client(target))


def first_member_invited(
    ccsync: CCSync, before_invite: Callable[[], None] = lambda: None
) -> tuple[Member, InvitedGuest]:
    app = inviter(ccsync)

    async def scenario() -> tuple[Member, InvitedGuest]:
        member = (await app.members())[0]
        before_invite()
        return member, await app.invite(member)

    return asyncio.run(scenario())


def test_reads_every_enabled_member_with_a_mailbox_across_pages(ccsync: CCSync) -> None:
    members = asyncio.run(inviter(ccsync).members(page_size=10))

    with ccsync.http(ccsync.tenant("commercial")) as graph:
        users = graph.get("/users", params={"$select": "id,userType,accountEnabled,mail", "$top": "999"})
    expected = {u["id"] for u in users.json()["value"] if u["userType"] == "Member" and u["accountEnabled"]}
    assert len(members) > 10  # more than one page
    assert {m.id for m in members} == expected and len(members) == len(expected)


def test_invites_a_member_as_a_pending_guest_in_gcc_high(ccsync: CCSync) -> None:
    member, guest = first_member_invited(ccsync)

    assert guest.status == "PendingAcceptance"
    assert guest.user_principal_name.startswith(member.mail.replace("@", "_") + "#EXT#@")
    with ccsync.http(ccsync.tenant("gcch")) as graph:
        user = graph.get(f"/users/{guest.guest_id}", params={"$select": "userType,mail"}).json()
    assert (user["userType"], user["mail"]) == ("Guest", member.mail)


@pytest.mark.ccsync(clock=True)
def test_a_throttled_invitation_waits_retry_after_on_the_virtual_clock(ccsync: CCSync) -> None:
    started: dict[str, Any] = {}

    def throttle_next_invitations() -> None:
        ccsync.fault("POST", "/invitations", 429, count=2, retry_after=30)
        started.update(clock=ccsync.clock.now(), wall=time.monotonic())

    _, guest = first_member_invited(ccsync, throttle_next_invitations)

    # 60 s were waited in simulator time; a wall-clock sleep would take them all (the run takes ~0.5 s)
    assert time.monotonic() - started["wall"] < 15
    assert guest.status == "PendingAcceptance"
    assert (
        ccsync.clock.now() - started["clock"]
    ).total_seconds() >= 60  # two Retry-After: 30, on the simulator clock
    totals = ccsync.stats()["totals"]
    assert totals["faults_fired"] == 2
    assert totals["retry_after_violations"] == 0  # no retry came before its Retry-After


@pytest.mark.ccsync(clock="2026-03-01T08:00:00Z")
def test_a_token_expires_when_the_clock_jumps_and_the_app_gets_a_new_one(ccsync: CCSync) -> None:
    app = inviter(ccsync)

    async def scenario() -> tuple[list[Member], list[Member]]:
        first = await app.members()
        ccsync.advance("PT2H")  # beyond the token's lifetime, in simulator time
        return first, await app.members()  # a wall-clock token cache would send the old token: 401

    first, again = asyncio.run(scenario())

    assert [m.id for m in again] == [m.id for m in first]


def test_a_canned_fault_surfaces_as_an_odata_error_and_invites_nobody(ccsync: CCSync) -> None:
    ccsync.fault("POST", "/invitations", 403, count=1)

    with pytest.raises(ODataError) as raised:
        first_member_invited(ccsync)

    assert raised.value.response_status_code == 403
    with ccsync.http(ccsync.tenant("gcch")) as graph:
        guests = graph.get("/users", params={"$filter": "userType eq 'Guest'"}).json()["value"]
    assert guests == []
