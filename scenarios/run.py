"""Run one scenario against a backend: build the given world, configure synchronization, play the
steps and check each expectation, then clean up what the run created."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from scenarios import schema as S
from scenarios.backends import SYNC_FABRIC_APP, SkipScenario
from scenarios.expect import Expectations, ScenarioFailure
from scenarios.setup_steps import POLICY, ConfigurationSetup
from scenarios.state import UserRecord
from syncengine.clouds import CLOUDS
from syncengine.errors import GraphApiError, NotFoundError

DEFAULT_SKUS = {"P1": 200, "GOVERNANCE": 200}
PASSWORD = {"forceChangePasswordNextSignIn": False}


@dataclass
class ScenarioRun(ConfigurationSetup):
    """One scenario run: its state (``RunState``), the setup steps, the given world and the steps."""

    # -- entry point ----------------------------------------------------------------------

    def run(self) -> None:
        sc = self.scenario.data
        if "simulator" in sc.get("requires", []) and not self.backend.is_simulator:
            raise SkipScenario("needs a simulator (" + ", ".join(sc.get("requires", [])) + ")")
        if "cycles" in sc.get("requires", []) and not self.backend.is_simulator:
            raise SkipScenario(
                "needs scheduled cycles (deletion threshold, pause, the 40-minute schedule); on real tenants "
                "waits are provisionOnDemand, which applies none of them"
            )
        if "inprocess" in sc.get("requires", []) and self.backend.kind != "inprocess":
            raise SkipScenario("needs the in-process simulator (it restarts it)")
        given = sc.get("given") or {}
        uses_world = any("world" in t for t in (given.get("tenants") or {}).values())
        if (
            any("existing" in g for g in (given.get("groups") or {}).values())
            and not self.backend.is_simulator
        ):
            raise SkipScenario(
                "uses an existing group: a run on real tenants could not clean up what syncing it creates"
            )
        with self.backend.scenario(world=uses_world):
            try:
                self.given(sc.get("given") or {})
                self.setup(sc.get("setup"))
                checks = Expectations(self)
                for i, step in enumerate(self.scenario.steps):
                    self.step(i, step, checks)
            finally:
                self.cleanup()

    # -- given ----------------------------------------------------------------------------

    def given(self, given: dict[str, Any]) -> None:
        tenants = given.get("tenants") or {"source": {"cloud": "commercial"}, "target": {"cloud": "gcch"}}
        for role, spec in tenants.items():
            if "world" in spec:
                self.tenants[role] = self.backend.world_tenant(role, spec["world"])
                if self.backend.is_simulator and "skus" in spec:
                    self.backend.seed_skus(self.tenants[role], spec["skus"])
                continue
            handle = self.backend.new_tenant(role, spec["cloud"], self.run_id)
            self.tenants[role] = handle
            if self.backend.is_simulator:
                self.backend.seed_skus(handle, spec.get("skus", DEFAULT_SKUS))
        for name, spec in (given.get("groups") or {}).items():
            role = spec.get("tenant", self.source_role)
            if "existing" in spec:
                found = self.client(role).get("/groups", {"$filter": f"displayName eq '{spec['existing']}'"})
                if not found.get("value"):
                    raise ScenarioFailure(
                        f"{self.scenario.where(('given', 'groups', name))}: no group '{spec['existing']}'"
                    )
                self.groups[name] = (role, found["value"][0]["id"])
            else:
                self.create_group(name, role)
        for name, spec in (given.get("users") or {}).items():
            self.create_user(name, spec)
        for name, spec in (given.get("groups") or {}).items():
            for member in spec.get("members") or []:
                self.add_member(name, member)
        for name, spec in (given.get("guests") or {}).items():
            self.invite_guest(name, spec)

    def create_group(self, name: str, role: str) -> None:
        nick = f"{self.run_id}{name}".replace("-", "")[:60]
        group = self.client(role).post(
            "/groups",
            {
                "displayName": f"{self.run_id} {name}",
                "mailEnabled": False,
                "mailNickname": nick,
                "securityEnabled": True,
            },
        )
        self.groups[name] = (role, group["id"])
        self.created.append((role, "group", group["id"]))

    def create_user(self, name: str, spec: dict[str, Any]) -> None:
        role = spec.get("tenant", self.source_role)
        tenant = self.tenants[role]
        attrs = dict(spec.get("attributes") or {})
        nick = f"{self.run_id}-{name}".lower()
        body = {
            "accountEnabled": True,
            "displayName": f"{self.run_id} {name.capitalize()}",
            "mailNickname": nick.replace("-", ""),
            "userPrincipalName": f"{nick}@{tenant.domain}",
            "passwordProfile": {**PASSWORD, "password": "Sc3nario!" + secrets.token_hex(6)},
            "usageLocation": "US",  # licences need one
        }
        body.update(attrs)
        user = self.client(role).post("/users", body)
        self.users[name] = UserRecord(name, role, user["id"], body["userPrincipalName"])
        self.created.append((role, "user", user["id"]))
        for sku in spec.get("licences") or []:
            self.licence(name, sku, add=True)
        for group in spec.get("groups") or []:
            self.add_member(group, name)

    def add_member(self, group: str, user: str) -> None:
        role, gid = self.groups[group]
        ref = {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{self.users[user].id}"}
        self.client(role).post(f"/groups/{gid}/members/$ref", ref)

    def licence(self, user: str, sku: str, *, add: bool) -> None:
        from simulator.directory.skus import sku as lookup

        rec = self.users[user]
        try:
            sku_id = lookup(sku).sku_id
        except KeyError:
            sku_id = sku
        body = {"addLicenses": [{"skuId": sku_id, "disabledPlans": []}] if add else [],
                "removeLicenses": [] if add else [sku_id]}  # fmt: skip
        self.client(rec.tenant).post(f"/users/{rec.id}/assignLicense", body)

    def invite_guest(self, name: str, spec: dict[str, Any]) -> None:
        role = spec.get("tenant", self.target_role)
        of = self.users[spec["of"]]
        guest = self.client(role).post(
            "/invitations",
            {
                "invitedUserEmailAddress": of.upn,
                "inviteRedirectUrl": "https://myapps.microsoft.com",
                "sendInvitationMessage": False,
                "invitedUserType": spec.get("userType", "Guest"),
            },
        )
        gid = guest["invitedUser"]["id"]
        self.users[name] = UserRecord(name, role, gid, "")
        self.created.append((role, "user", gid))

    def settle(self) -> None:
        """Let the cycles that are due run now (a started job's first cycle runs at once)."""
        if self.backend.control is not None:
            self.backend.control.run_provisioning()
        else:
            self.on_demand_all(self._assigned())

    def _assigned(self) -> set[str] | None:
        """The scenario's users an initial cycle reads: members of the assigned group (None: sync all)."""
        scope = (self.scenario.data.get("setup") or {}).get("scope", "all")
        if scope == "all" or scope not in self.groups:
            return None
        role, gid = self.groups[scope]
        members = {m["id"] for m in self.client(role).list_all(f"/groups/{gid}/members", {"$select": "id"})}
        return {n for n, r in self.users.items() if r.id in members} | self.dirty

    def on_demand_all(self, only: set[str] | None = None) -> None:
        """Real tenants: instead of waiting 40 minutes, provision the scenario's users now (those changed
        since the last wait, or all of them); provisionOnDemand allows 5 calls per 10 s per job."""
        for rec in self.users.values():
            if rec.tenant == self.source_role and self.sync.job_id and (only is None or rec.name in only):
                self.provision_on_demand(rec.name, tolerate=True)
        self.dirty.clear()

    def provision_on_demand(self, user: str, *, tolerate: bool = False) -> Any:
        rule = self.sync.rule_id or self._rule_id()
        body = {
            "parameters": [
                {"ruleId": rule, "subjects": [{"objectId": self.users[user].id, "objectTypeName": "User"}]}
            ]
        }
        try:
            out = self.client(self.source_role).post(f"{self.sync.job}/provisionOnDemand", body)
        except GraphApiError:
            if not tolerate:
                raise
            return None
        self.last_result = out
        return out

    def _rule_id(self) -> str:
        schema = self.client(self.source_role).get(f"{self.sync.job}/schema")
        self.sync.rule_id = next(
            r["id"] for r in schema["synchronizationRules"] if r["name"] == "USER_INBOUND_USER"
        )
        return self.sync.rule_id

    # -- steps ----------------------------------------------------------------------------

    def step(self, i: int, step: Any, checks: Expectations) -> None:
        path: tuple[Any, ...] = ("steps", i)
        if isinstance(step, str):
            step = {step: None}
        action = next((k for k in step if k in S.STEP_ACTIONS), None)
        if action is not None:
            refused = step.get("refused")
            try:
                self.do(action, step[action], (*path, action))
            except SkipScenario as exc:
                self.skip_step(self.scenario.where((*path, action)), str(exc))
                return
            except GraphApiError as exc:
                if refused is None:
                    raise ScenarioFailure(
                        f"{self.scenario.where((*path, action))}: step '{action}' failed: "
                        f"{exc.status} {exc.code}: {exc.message}"
                    ) from None
                self._check_refusal((*path, "refused"), refused, exc)
            else:
                if refused is not None:
                    raise ScenarioFailure(
                        f"{self.scenario.where((*path, 'refused'))}: expected '{action}' to be refused with "
                        f"{refused['code']}, but it succeeded"
                    )
        if "expect" in step:
            exp = step["expect"]
            items = exp if isinstance(exp, list) else [exp]
            for j, item in enumerate(items):
                ipath = (*path, "expect", j) if isinstance(exp, list) else (*path, "expect")
                checks.check(item, ipath)

    def do(self, action: str, value: Any, path: tuple[Any, ...]) -> None:
        ctl = self.backend.control
        touched = value if isinstance(value, str) else value.get("user") if isinstance(value, dict) else None
        if touched in self.users or action == "create_user":
            self.dirty.add(touched)
        if action in S.SIMULATOR_ONLY and ctl is None:
            raise SkipScenario(f"'{action}' is something only a simulator can do")
        if action == "create_user":
            self.create_user(value["user"], value)
        elif action == "update":
            rec = self.users[value["user"]]
            attrs = {k: v for k, v in value.items() if k != "user"}
            self.client(rec.tenant).patch(f"/users/{rec.id}", attrs)
            rec.upn = attrs.get("userPrincipalName", rec.upn)
        elif action in ("disable", "enable"):
            rec = self.users[value]
            self.client(rec.tenant).patch(f"/users/{rec.id}", {"accountEnabled": action == "enable"})
        elif action == "delete":
            rec = self.users[value]
            self.client(rec.tenant).delete(f"/users/{rec.id}")
            rec.deleted = True
        elif action == "restore":
            rec = self.users[value]
            self.client(rec.tenant).post(f"/directory/deletedItems/{rec.id}/restore", {})
            rec.deleted = False
        elif action == "add_to_group":
            self.add_member(value["group"], value["user"])
        elif action == "remove_from_group":
            role, gid = self.groups[value["group"]]
            self.client(role).delete(f"/groups/{gid}/members/{self.users[value['user']].id}/$ref")
        elif action in ("assign_licence", "remove_licence"):
            self.licence(value["user"], value["sku"], add=action == "assign_licence")
        elif action in ("target_update", "target_delete"):
            name = value["user"] if isinstance(value, dict) else value
            found = Expectations(self).target_user(name)
            if found is None:
                raise ScenarioFailure(
                    f"{self.scenario.where(path)}: '{name}' has no user in the target to change"
                )
            c = self.client(self.target_role)
            if action == "target_delete":
                c.delete(f"/users/{found['id']}")
            else:
                c.patch(f"/users/{found['id']}", {k: v for k, v in value.items() if k != "user"})
        elif action in ("advance", "cycles"):
            if ctl is None:
                self.on_demand_all(set(self.dirty))
                return
            for _ in range(value if action == "cycles" else 1):
                ctl.advance("PT40M" if action == "cycles" else value)
            self.backend.after_clock_jump()
        elif action in ("start", "pause"):
            self.client(self.source_role).post(f"{self.sync.job}/{action}", {})
            if action == "start":
                self.settle()
        elif action == "restart":
            scope = (value or {}).get("reset_scope")
            body = {"criteria": {"resetScope": scope}} if scope else {}
            self.client(self.source_role).post(f"{self.sync.job}/restart", body)
            self.settle()
        elif action == "provision_on_demand":
            self.provision_on_demand(value)
        elif action == "policy":
            self.policy(value)
        elif action == "mapping":
            self.change_mapping(value)
            self.dirty.update(n for n, r in self.users.items() if r.tenant == self.source_role)
        elif action == "throttling":
            ctl.set_traffic(value)  # type: ignore[union-attr]
        elif action == "chaos":
            ctl.set_chaos(value)  # type: ignore[union-attr]
        elif action == "fault":
            fault = {k: v for k, v in value.items() if k != "tenant"}
            fault["tenant"] = self.tenants[value.get("tenant", self.target_role)].id
            fault.setdefault("app", SYNC_FABRIC_APP)
            fault.setdefault("count", 1)
            ctl.add_fault(fault)  # type: ignore[union-attr]
        elif action == "restart_simulator":
            self.backend.restart_simulator()
        elif action == "restart_engine":
            self.backend.restart_engine()
        elif action == "crash_engine":
            self.backend.crash_engine(value)

    def policy(self, value: dict[str, Any]) -> None:
        src, tgt = self.tenants[self.source_role], self.tenants[self.target_role]
        for key, on in value.items():
            if key in ("target_cross_cloud", "source_cross_cloud"):
                role, other = (self.target_role, src) if key.startswith("target") else (self.source_role, tgt)
                c = self.client(role)
                current = [
                    x
                    for x in c.get(POLICY).get("allowedCloudEndpoints") or []
                    if x != CLOUDS[other.cloud].cloud_instance
                ]
                c.patch(
                    POLICY,
                    {
                        "allowedCloudEndpoints": [*current, CLOUDS[other.cloud].cloud_instance]
                        if on
                        else current
                    },
                )
            elif key == "target_inbound_sync":
                self.client(self.target_role).patch(
                    f"{POLICY}/partners/{src.id}/identitySynchronization",
                    {"userSyncInbound": {"isSyncAllowed": on}},
                )
            elif key == "target_inbound_redemption":
                self.client(self.target_role).patch(
                    f"{POLICY}/partners/{src.id}", {"automaticUserConsentSettings": {"inboundAllowed": on}}
                )
            elif key == "source_outbound_redemption":
                self.client(self.source_role).patch(
                    f"{POLICY}/partners/{tgt.id}", {"automaticUserConsentSettings": {"outboundAllowed": on}}
                )
            elif key == "cross_cloud_choice":
                if not on:
                    raise ScenarioFailure(
                        "policy cross_cloud_choice: false cannot be simulated: the service infers the "
                        "crossing from the target tenant named by the CompanyId secret (docs/fidelity.md)"
                    )
                c = self.client(self.source_role)
                tags = [t for t in c.get(f"/servicePrincipals/{self.sync.sp_id}").get("tags") or []
                        if t != "CrossCloudSynchronization"]  # fmt: skip
                c.patch(
                    f"/servicePrincipals/{self.sync.sp_id}",
                    {"tags": [*tags, "CrossCloudSynchronization"] if on else tags},
                )

    # -- cleanup --------------------------------------------------------------------------

    def cleanup(self) -> None:
        """Stop the job and delete every object this run created (target copies of its users too)."""
        if not self.tenants:
            return
        if self.sync.job_id:
            try:
                self.client(self.source_role).delete(self.sync.job)
            except GraphApiError:
                pass
        exp = Expectations(self)
        for rec in list(self.users.values()):
            if rec.tenant != self.source_role or not rec.upn or self.target_role not in self.tenants:
                continue
            for found in (exp.target_user(rec.name), exp.target_user(rec.name, deleted=True)):
                if found is not None:
                    self.created.append((self.target_role, "user", found["id"]))
        for role, kind, oid in reversed(self.created):
            c = self.client(role)
            try:
                if kind == "user":
                    try:
                        c.delete(f"/users/{oid}")
                    except NotFoundError:
                        pass
                    c.delete(f"/directory/deletedItems/{oid}")
                elif kind == "group":
                    c.delete(f"/groups/{oid}")
                elif kind == "application":
                    c.delete(f"/applications/{oid}")
                elif kind == "partner":
                    c.delete(f"{POLICY}/partners/{oid}")
            except NotFoundError:
                pass
            except GraphApiError:
                pass
