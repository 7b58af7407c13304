"""Configure synchronization the way the documentation does: each setup step of a scenario is the Graph
calls of one documented step on the source or target tenant (cross-tenant access policy, the
configuration's service principal, its job, secrets, attribute mappings, assignment and start)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from scenarios import schema as S
from scenarios.expect import ScenarioFailure
from scenarios.state import RunState
from syncengine.clouds import CLOUDS, is_same_cloud
from syncengine.errors import ConflictError, GraphApiError

TEMPLATE_ID = "518e5f48-1fc8-4c48-9387-9fdf28b0dfe7"
POLICY = "/policies/crossTenantAccessPolicy"


class ConfigurationSetup(RunState):
    """The setup steps of ``ScenarioRun`` (which inherits them): ``setup`` plays the scenario's steps in
    order (``_setup_<step>``) and checks an expected refusal."""

    if TYPE_CHECKING:
        _sp: dict[str, Any]

        def settle(self) -> None: ...

    def setup(self, setup: dict[str, Any] | None) -> None:
        if setup is None:
            return
        refused = setup.get("refused")
        try:
            for name in setup.get("steps") or S.SETUP_STEPS:
                getattr(self, f"_setup_{name}")(setup)
        except GraphApiError as exc:
            if refused is None:
                raise ScenarioFailure(
                    f"{self.scenario.where(('setup',))}: setup step failed: {exc.status} {exc.code}: {exc.message}"
                ) from None
            self._check_refusal(("setup", "refused"), refused, exc)
            return
        if refused is not None:
            raise ScenarioFailure(
                f"{self.scenario.where(('setup', 'refused'))}: expected the setup to be refused with "
                f"{refused['code']}, but every step succeeded"
            )

    def _check_refusal(self, path: tuple[Any, ...], refused: dict[str, Any], exc: GraphApiError) -> None:
        text = exc.message
        if exc.code != refused["code"] and f"Error code: {refused['code']}" not in text:
            raise ScenarioFailure(
                f"{self.scenario.where(path)}: expected refusal code {refused['code']!r}, got {exc.code!r}: {text}"
            )
        want = refused.get("message_contains")
        if want and want.lower() not in text.lower():
            raise ScenarioFailure(
                f"{self.scenario.where(path)}: the refusal does not mention {want!r}: {text}"
            )

    @property
    def cross_cloud(self) -> bool:
        return not is_same_cloud(self.tenants[self.source_role].cloud, self.tenants[self.target_role].cloud)

    def _allow_cloud(self, role: str, other: str) -> None:
        if not self.cross_cloud:
            return
        c = self.client(role)
        current = c.get(POLICY).get("allowedCloudEndpoints") or []
        inst = CLOUDS[self.tenants[other].cloud].cloud_instance
        if inst not in current:
            c.patch(POLICY, {"allowedCloudEndpoints": [*current, inst]})

    def _partner(self, role: str, other: str) -> None:
        try:
            self.client(role).post(f"{POLICY}/partners", {"tenantId": self.tenants[other].id})
            self.created.append((role, "partner", self.tenants[other].id))
        except ConflictError:
            pass

    def _setup_target_cloud_setting(self, _: dict[str, Any]) -> None:
        self._allow_cloud(self.target_role, self.source_role)

    def _setup_source_cloud_setting(self, _: dict[str, Any]) -> None:
        self._allow_cloud(self.source_role, self.target_role)

    def _setup_target_partner(self, _: dict[str, Any]) -> None:
        self._partner(self.target_role, self.source_role)

    def _setup_source_partner(self, _: dict[str, Any]) -> None:
        self._partner(self.source_role, self.target_role)

    def _setup_target_inbound_sync(self, _: dict[str, Any]) -> None:
        path = f"{POLICY}/partners/{self.tenants[self.source_role].id}/identitySynchronization"
        try:
            self.client(self.target_role).put(path, {"userSyncInbound": {"isSyncAllowed": True}})
        except ConflictError:
            self.client(self.target_role).patch(path, {"userSyncInbound": {"isSyncAllowed": True}})

    def _setup_target_inbound_redemption(self, _: dict[str, Any]) -> None:
        self.client(self.target_role).patch(
            f"{POLICY}/partners/{self.tenants[self.source_role].id}",
            {"automaticUserConsentSettings": {"inboundAllowed": True}},
        )

    def _setup_source_outbound_redemption(self, _: dict[str, Any]) -> None:
        self.client(self.source_role).patch(
            f"{POLICY}/partners/{self.tenants[self.target_role].id}",
            {"automaticUserConsentSettings": {"outboundAllowed": True}},
        )

    def _setup_configuration(self, _: dict[str, Any]) -> None:
        created = self.client(self.source_role).post(
            f"/applicationTemplates/{TEMPLATE_ID}/instantiate", {"displayName": f"{self.run_id} sync"}
        )
        sp = created["servicePrincipal"]
        self.sync.sp_id, self.sync.app_id = sp["id"], created["application"]["id"]
        self._sp = sp
        self.created.append((self.source_role, "application", created["application"]["id"]))

    def _setup_cross_cloud_choice(self, _: dict[str, Any]) -> None:
        # The tag the msgraph-sdk example adds (tags are free-form in Graph); the simulated service does
        # not read it: it infers the crossing from the target tenant the CompanyId secret names.
        if self.cross_cloud:
            tags = [*(self._sp.get("tags") or []), "CrossCloudSynchronization"]
            self.client(self.source_role).patch(f"/servicePrincipals/{self.sync.sp_id}", {"tags": tags})

    def _credentials(self) -> list[dict[str, str]]:
        return [
            {"key": "CompanyId", "value": self.tenants[self.target_role].id},
            {"key": "AuthenticationType", "value": "SyncPolicy"},
        ]

    def _setup_test_connection(self, _: dict[str, Any]) -> None:
        self.client(self.source_role).post(
            f"{self.sync.base}/jobs/validateCredentials",
            {"useSavedCredentials": False, "templateId": "Azure2Azure", "credentials": self._credentials()},
        )

    def _setup_job(self, setup: dict[str, Any]) -> None:
        body: dict[str, Any] = {"templateId": "Azure2Azure"}
        if setup.get("licence_policy"):
            body["synchronizationJobSettings"] = [{"name": "LicensePolicy", "value": setup["licence_policy"]}]
        job = self.client(self.source_role).post(f"{self.sync.base}/jobs", body)
        self.sync.job_id = job["id"]

    def _setup_secrets(self, setup: dict[str, Any]) -> None:
        threshold = setup.get("deletion_threshold")
        notification: dict[str, Any] = {"Enabled": False, "DeleteThresholdEnabled": threshold is not None}
        if threshold is not None:
            notification["DeleteThresholdValue"] = threshold
        values = [
            *self._credentials(),
            {"key": "SyncNotificationSettings", "value": json.dumps(notification)},
            {"key": "SyncAll", "value": "true" if setup.get("scope") == "all" else "false"},
        ]
        self.client(self.source_role).put(f"{self.sync.base}/secrets", {"value": values})

    def _setup_mappings(self, setup: dict[str, Any]) -> None:
        for m in setup.get("mappings") or []:
            self.change_mapping(m)
        if "scoping_filter" in setup or setup.get("delete_action") is False:
            self._change_user_mapping(
                lambda users: self._scope_and_actions(
                    users, setup.get("scoping_filter"), setup.get("delete_action", True)
                )
            )

    @staticmethod
    def _scope_and_actions(
        users: dict[str, Any], groups: list[list[dict[str, Any]]] | None, delete: bool
    ) -> None:
        if groups is not None:
            users["scope"] = {
                "groups": [
                    {
                        "name": f"Filter {i + 1}",
                        "clauses": [
                            {
                                "operatorName": c["operator"],
                                "sourceOperandName": c["attribute"],
                                "targetOperand": {
                                    "values": []
                                    if "value" not in c
                                    else [
                                        str(c["value"]).lower()
                                        if isinstance(c["value"], bool)
                                        else str(c["value"])
                                    ]
                                },
                            }
                            for c in group
                        ],
                    }
                    for i, group in enumerate(groups)
                ]
            }
        users["flowTypes"] = "Add, Update, Delete" if delete else "Add, Update"

    def _change_user_mapping(self, change: Any) -> None:
        c = self.client(self.source_role)
        schema = c.get(f"{self.sync.job}/schema")
        rule = next(r for r in schema["synchronizationRules"] if r["name"] == "USER_INBOUND_USER")
        change(rule["objectMappings"][0])
        c.put(f"{self.sync.job}/schema", schema)

    def change_mapping(self, m: dict[str, Any]) -> None:
        self._change_user_mapping(lambda users: self._set_mapping(users, m))

    @staticmethod
    def _set_mapping(users: dict[str, Any], m: dict[str, Any]) -> None:
        mappings = [g for g in users["attributeMappings"] if g["targetAttributeName"] != m["target"]]
        if "expression" in m:
            src = {
                "type": "Function",
                "name": m["expression"].split("(")[0].strip(),
                "expression": m["expression"],
                "parameters": [],
            }
        elif "constant" in m:
            src = {
                "type": "Constant",
                "name": m["constant"],
                "expression": f'"{m["constant"]}"',
                "parameters": [],
            }
        else:
            name = m.get("source", m["target"])
            src = {"type": "Attribute", "name": name, "expression": f"[{name}]", "parameters": []}
        mappings.append(
            {
                "targetAttributeName": m["target"],
                "defaultValue": None,
                "exportMissingReferences": False,
                "flowBehavior": "FlowWhenChanged",
                "flowType": m.get("flow", "Always"),
                "matchingPriority": m.get("matching_priority", 0),
                "source": src,
            }  # fmt: skip
        )
        users["attributeMappings"] = mappings

    def _setup_assign(self, setup: dict[str, Any]) -> None:
        scope = setup.get("scope", "all")
        if scope == "all":
            return
        role, gid = self.groups[scope]
        app_role = (self._sp.get("appRoles") or [{"id": "00000000-0000-0000-0000-000000000000"}])[0]["id"]
        self.client(role).post(
            f"/servicePrincipals/{self.sync.sp_id}/appRoleAssignedTo",
            {"principalId": gid, "resourceId": self.sync.sp_id, "appRoleId": app_role},
        )

    def _setup_start(self, _: dict[str, Any]) -> None:
        self.client(self.source_role).post(f"{self.sync.job}/start", {})
        self.settle()
