"""The Graph traffic that hits a tenant pair while it synchronizes: a sync engine, directory admins, an HR feed.

    locust -f loadtests/locustfiles/graph_mix.py --headless -u 20 -r 5 -t 60s --host http://127.0.0.1:PORT

``--host`` is the simulator's control plane (``ccsync up`` prints it). Tokens come from the simulator's
login endpoints through msal; Graph is called over verified HTTPS with the simulator's CA. Throttled
requests (429/503) count as failures and are retried after their ``Retry-After``, as a real client would.
"""

from __future__ import annotations

import itertools
import random
import uuid
from typing import Any

import gevent
from locust import HttpUser, between, events, task
from locust.env import Environment

from loadtests.locust_support import SelectableShape, retry_after, site

__all__ = ["DirectoryAdmin", "HrFeed", "SelectableShape", "SyncEngineTraffic"]

_serial = itertools.count()


@events.init_command_line_parser.add_listener
def _arguments(parser: Any) -> None:
    group = parser.add_argument_group("graph_mix")
    group.add_argument(
        "--mix-source", default="", help="source tenant (id or domain); default: the first commercial tenant"
    )
    group.add_argument(
        "--mix-target", default="", help="target tenant (id or domain); default: the first gcch tenant"
    )
    group.add_argument("--engine-weight", type=int, default=1, help="weight of the sync engine users (≥ 1)")
    group.add_argument(
        "--admin-weight", type=int, default=3, help="weight of the directory admin users (≥ 1)"
    )
    group.add_argument("--hr-weight", type=int, default=1, help="weight of the HR feed users (≥ 1)")


@events.init.add_listener
def _weights(environment: Environment, **_: Any) -> None:
    opts = environment.parsed_options
    if opts is None:
        return
    for cls, weight in (
        (SyncEngineTraffic, opts.engine_weight),
        (DirectoryAdmin, opts.admin_weight),
        (HrFeed, opts.hr_weight),
    ):
        if weight < 1:
            raise SystemExit(f"--{cls.option}-weight {weight}: use a whole number of at least 1")
        cls.weight = weight


class _GraphUser(HttpUser):
    """A user that calls one tenant's Graph with an app-only token; host is the control plane."""

    abstract = True
    option = ""
    wait_time = between(0.2, 1.0)

    def on_start(self) -> None:
        sim = site(self.environment)
        opts = self.environment.parsed_options
        self.sim = sim
        self.source = sim.tenant(getattr(opts, "mix_source", ""), "commercial")
        self.target = sim.tenant(getattr(opts, "mix_target", ""), "gcch")
        # locust's HttpUser turns requests' trust_env off: name the simulator's CA here
        self.client.verify = sim.ca_bundle
        self.rng = random.Random(next(_serial))

    def _auth(self, tenant: dict[str, Any], extra: dict[str, str] | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.sim.token(tenant)}", **(extra or {})}

    def graph(
        self,
        method: str,
        tenant: dict[str, Any],
        path: str,
        name: str,
        *,
        json: Any = None,
        headers: dict[str, str] | None = None,
    ) -> Any:
        """One Graph call (absolute URL, so host stays the control plane); waits out a Retry-After."""
        url = path if path.startswith("https://") else f"{self.sim.graph(tenant)}{path}"
        with self.client.request(
            method, url, name=name, json=json, headers=self._auth(tenant, headers), catch_response=True
        ) as resp:
            if resp.status_code >= 400:
                resp.failure(f"{resp.status_code} {_code(resp)}")
        wait = retry_after(resp)
        if wait:
            gevent.sleep(wait)
        return resp.json() if resp.ok and resp.content else None


def _code(resp: Any) -> str:
    try:
        return resp.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""


class SyncEngineTraffic(_GraphUser):
    """What a sync engine sends: delta rounds on the source, batched gets, invitations and patches on the target."""

    option = "engine"

    def on_start(self) -> None:
        super().on_start()
        self.delta_link = ""
        self.seen: list[str] = []
        self.invited: list[str] = []

    @task(3)
    def delta_round(self) -> None:
        link = self.delta_link or "/users/delta?$select=id,displayName,userPrincipalName,department"
        pages = 0
        while link and pages < 50:
            body = self.graph("GET", self.source, link, "engine: users/delta page")
            if body is None:
                return
            pages += 1
            self.seen.extend(u["id"] for u in body.get("value", []) if "id" in u)
            del self.seen[:-500]
            if "@odata.deltaLink" in body:
                self.delta_link = body["@odata.deltaLink"]
                return
            link = body.get("@odata.nextLink", "")

    @task(2)
    def batched_gets(self) -> None:
        if not self.seen:
            return self.delta_round()
        ids = self.rng.sample(self.seen, min(20, len(self.seen)))
        body = {
            "requests": [
                {"id": str(i), "method": "GET", "url": f"/users/{uid}?$select=id,displayName"}
                for i, uid in enumerate(ids)
            ]
        }
        self.graph("POST", self.source, "/$batch", "engine: $batch of 20 gets", json=body)

    @task(2)
    def invite_and_patch(self) -> None:
        who = f"mix{uuid.UUID(int=self.rng.getrandbits(128)).hex[:12]}@contoso.example"
        invited = self.graph(
            "POST",
            self.target,
            "/invitations",
            "engine: invitation",
            json={
                "invitedUserEmailAddress": who,
                "inviteRedirectUrl": "https://myapplications.microsoft.com",
                "sendInvitationMessage": False,
                "invitedUserType": "Member",
            },
        )
        if invited:
            uid = invited["invitedUser"]["id"]
            self.invited.append(uid)
            self.graph(
                "PATCH", self.target, f"/users/{uid}", "engine: patch user", json={"department": "Synced"}
            )

    @task(1)
    def patch_existing(self) -> None:
        if self.invited:
            uid = self.rng.choice(self.invited)
            dept = f"Dept {self.rng.randrange(100)}"
            self.graph("PATCH", self.target, f"/users/{uid}", "engine: patch user", json={"department": dept})


class DirectoryAdmin(_GraphUser):
    """A directory admin's portal and scripts: filtered lists, ``$count``, single gets, on either tenant."""

    option = "admin"

    def _tenant(self) -> dict[str, Any]:
        return self.source if self.rng.random() < 0.5 else self.target

    @task(3)
    def filtered_list(self) -> None:
        letter = self.rng.choice("ABCDEJKLMRS")
        self.graph(
            "GET",
            self._tenant(),
            f"/users?$filter=startswith(displayName,'{letter}')&$select=id,displayName&$top=50",
            "admin: users filtered",
        )

    @task(1)
    def count(self) -> None:
        self.graph(
            "GET",
            self._tenant(),
            "/users/$count",
            "admin: users/$count",
            headers={"ConsistencyLevel": "eventual"},
        )

    @task(2)
    def get_one(self) -> None:
        tenant = self._tenant()
        page = self.graph("GET", tenant, "/users?$select=id&$top=20", "admin: users page")
        if page and page.get("value"):
            uid = self.rng.choice(page["value"])["id"]
            self.graph("GET", tenant, f"/users/{uid}", "admin: get user")

    @task(1)
    def groups(self) -> None:
        self.graph("GET", self._tenant(), "/groups?$top=20", "admin: groups page")


class HrFeed(_GraphUser):
    """An HR system writing into the source tenant: new hires, updates, leavers disabled."""

    option = "hr"

    def on_start(self) -> None:
        super().on_start()
        self.hired: list[str] = []

    @task(2)
    def hire(self) -> None:
        nick = f"hire{next(_serial)}x{self.rng.getrandbits(32):08x}"
        body = {
            "accountEnabled": True,
            "displayName": f"New Hire {nick}",
            "mailNickname": nick,
            "userPrincipalName": f"{nick}@{self.source['defaultDomain']}",
            "passwordProfile": {
                "password": f"P@ss{uuid.uuid4().hex[:12]}",
                "forceChangePasswordNextSignIn": True,
            },
        }
        made = self.graph("POST", self.source, "/users", "hr: create user", json=body)
        if made:
            self.hired.append(made["id"])

    @task(3)
    def update(self) -> None:
        if self.hired:
            uid = self.rng.choice(self.hired)
            body = {
                "jobTitle": f"Grade {self.rng.randrange(10)}",
                "department": f"Dept {self.rng.randrange(40)}",
            }
            self.graph("PATCH", self.source, f"/users/{uid}", "hr: update user", json=body)

    @task(1)
    def leaver(self) -> None:
        if len(self.hired) > 3:
            uid = self.hired.pop(self.rng.randrange(len(self.hired)))
            self.graph(
                "PATCH", self.source, f"/users/{uid}", "hr: disable user", json={"accountEnabled": False}
            )
