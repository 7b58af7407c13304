"""Expectations of a scenario: read the target, the job and the logs through Graph and compare.

A failed expectation says where it is written, what was expected and what was found, and shows the
provisioning-log rows of the users involved.
"""

from __future__ import annotations

import re
from typing import Any

from scenarios import schema as S
from scenarios.state import RunState
from syncengine.errors import GraphApiError

_BASE_SELECT = "id,userPrincipalName,userType,accountEnabled,displayName,creationType"


class ScenarioFailure(AssertionError):
    """An expectation that did not hold, or a step that failed unexpectedly."""


class Expectations:
    def __init__(self, run: RunState) -> None:
        self.run = run

    # -- reading --------------------------------------------------------------------------

    def _prefix(self, name: str) -> str:
        rec = self.run.users[name]
        return rec.upn.replace("@", "_") + "#EXT#"

    def target_user(
        self, name: str, *, deleted: bool = False, select: list[str] | None = None
    ) -> dict[str, Any] | None:
        """The target user made from the source user ``name`` (by its UPN), live or soft-deleted."""
        rec = self.run.users[name]
        client = self.run.client(self.run.target_role)
        if rec.tenant != self.run.source_role:  # a user of the target itself (a guest)
            path = f"/directory/deletedItems/{rec.id}" if deleted else f"/users/{rec.id}"
            try:
                return client.get(path, {"$select": ",".join([_BASE_SELECT, *(select or [])])})
            except GraphApiError:
                return None
        prefix = self._prefix(name).lower()
        fields = ",".join(dict.fromkeys([*_BASE_SELECT.split(","), *(select or [])]))
        if deleted:
            rows = client.get(
                "/directory/deletedItems/microsoft.graph.user", {"$top": "999", "$select": fields}
            )
            matches = [
                u for u in rows.get("value", []) if prefix in (u.get("userPrincipalName") or "").lower()
            ]
        else:
            query = {
                "$filter": f"startswith(userPrincipalName,'{prefix.replace(chr(39), chr(39) * 2)}')",
                "$select": fields,
            }
            matches = client.get("/users", query).get("value", [])
        if len(matches) > 1:
            raise ScenarioFailure(
                f"'{name}' has {len(matches)} users in the target: {[m['id'] for m in matches]}"
            )
        return matches[0] if matches else None

    def job(self) -> dict[str, Any]:
        return self.run.client(self.run.source_role).get(self.run.sync.job)

    def logs(self, name: str | None = None) -> list[dict[str, Any]]:
        if not self.run.sync.sp_id:
            return []
        client = self.run.client(self.run.source_role)
        query = {"$filter": f"servicePrincipal/id eq '{self.run.sync.sp_id}'", "$top": "999"}
        rows: list[dict[str, Any]] = []
        for page in client.pages("/auditLogs/provisioning", query):
            rows.extend(page)
        if name is not None:
            uid = self.run.users[name].id
            rows = [r for r in rows if (r.get("sourceIdentity") or {}).get("id") == uid]
        return sorted(rows, key=lambda r: r.get("activityDateTime", ""))

    # -- checking -------------------------------------------------------------------------

    def check(self, item: dict[str, Any], path: tuple[Any, ...]) -> None:
        ((kind, value),) = item.items()
        if kind in S.SIMULATOR_ONLY_EXPECT and not self.run.backend.is_simulator:
            self.run.skip_step(self.run.scenario.where(path), f"'{kind}' is only visible on a simulator")
            return
        if kind in S.CYCLE_EXPECT and not self.run.backend.is_simulator:
            self.run.skip_step(
                self.run.scenario.where(path),
                f"'{kind}' needs a scheduled cycle (provisionOnDemand runs none)",
            )
            return
        if kind == "user" and isinstance(value, str):
            value = {"user": value, "exists": True}
        problems = getattr(self, f"_{kind}")(value)
        if problems:
            involved = self._involved(kind, value)
            raise ScenarioFailure(self._report(path, kind, problems, involved))

    def _involved(self, kind: str, value: Any) -> list[str]:
        if isinstance(value, dict) and value.get("user") in self.run.users:
            return [value["user"]]
        return [n for n, r in self.run.users.items() if r.tenant == self.run.source_role][:6]

    def _report(self, path: tuple[Any, ...], kind: str, problems: list[str], involved: list[str]) -> str:
        sc = self.run.scenario
        step_path = path[:2]
        step = sc.steps[step_path[1]] if len(step_path) == 2 and step_path[0] == "steps" else None
        lines = [f"{sc.where(path)}: expectation '{kind}' failed in scenario '{sc.name}'"]
        if step is not None:
            lines.append(f"  step {step_path[1] + 1}: {_short(step)}")
        lines += [f"  {p}" for p in problems]
        for name in involved:
            try:
                rows = self.logs(name)
            except GraphApiError:
                rows = []
            lines.append(f"  provisioning log of '{name}' ({len(rows)} rows):")
            for r in rows[-8:]:
                info = r.get("provisioningStatusInfo") or {}
                err = info.get("errorInformation") or {}
                lines.append(
                    f"    {r.get('activityDateTime', '')[:19]} {r.get('provisioningAction')} {info.get('status')}"
                    + (f" {err.get('errorCode')}: {err.get('reason')}" if err else "")
                )
        if self.run.skipped:
            lines.append("  skipped on this backend: " + "; ".join(self.run.skipped))
        return "\n".join(lines)

    def _user(self, v: dict[str, Any]) -> list[str]:
        name = v["user"]
        attrs = dict(v.get("attributes") or {})
        select = [*attrs, *(v.get("absent_attributes") or [])]
        live = self.target_user(name, select=select)
        problems: list[str] = []
        want_exists = v.get("exists", not v.get("soft_deleted", False))
        if want_exists != (live is not None):
            problems.append(f"exists: expected {want_exists}, actual {live is not None}")
        if "soft_deleted" in v:
            gone = self.target_user(name, deleted=True) is not None
            if gone != v["soft_deleted"]:
                problems.append(f"soft_deleted: expected {v['soft_deleted']}, actual {gone}")
        if live is None:
            return problems
        for key in ("userType", "accountEnabled"):
            if key in v and live.get(key) != v[key]:
                problems.append(f"{key}: expected {v[key]!r}, actual {live.get(key)!r}")
        for key, want in attrs.items():
            if live.get(key) != want:
                problems.append(f"{key}: expected {want!r}, actual {live.get(key)!r}")
        for key in v.get("absent_attributes") or []:
            if live.get(key) not in (None, "", []):
                problems.append(f"{key}: expected no value, actual {live.get(key)!r}")
        return problems

    def _synced_users(self, want: int) -> list[str]:
        names = [n for n, r in self.run.users.items() if r.tenant == self.run.source_role]
        have = [n for n in names if self.target_user(n) is not None]
        if len(have) != want:
            return [f"synced users: expected {want}, actual {len(have)} ({', '.join(have) or 'none'})"]
        return []

    def _job(self, v: dict[str, Any]) -> list[str]:
        status = self.job().get("status") or {}
        problems = []
        if "status" in v and status.get("code") != v["status"]:
            problems.append(f"job status: expected {v['status']}, actual {status.get('code')}")
        q = status.get("quarantine") or {}
        if "quarantine_reason" in v and q.get("reason") != v["quarantine_reason"]:
            problems.append(f"quarantine reason: expected {v['quarantine_reason']}, actual {q.get('reason')}")
        if "error_code" in v:
            code = (q.get("error") or {}).get("code") or (
                (status.get("lastExecution") or {}).get("error") or {}
            ).get("code")
            if code != v["error_code"]:
                problems.append(f"error code: expected {v['error_code']}, actual {code}")
        return problems

    def _log(self, v: dict[str, Any]) -> list[str]:
        rows = self.logs(v.get("user"))
        for key, field in (("action", "provisioningAction"),):
            if key in v:
                rows = [r for r in rows if r.get(field) == v[key]]
        if "status" in v:
            rows = [r for r in rows if (r.get("provisioningStatusInfo") or {}).get("status") == v["status"]]
        if "error_code" in v:
            rows = [r for r in rows if _err(r).get("errorCode") == v["error_code"]]
        if "reason_contains" in v:
            want = v["reason_contains"].lower()
            rows = [r for r in rows if want in _texts(r).lower()]
        n = len(rows)
        what = ", ".join(
            f"{k}={v[k]}" for k in ("user", "action", "status", "error_code", "reason_contains") if k in v
        )
        if "count" in v and n != v["count"]:
            return [f"log rows ({what}): expected {v['count']}, actual {n}"]
        if "count" not in v and n < v.get("at_least", 1):
            return [f"log rows ({what}): expected at least {v.get('at_least', 1)}, actual {n}"]
        return []

    def _audit(self, v: dict[str, Any]) -> list[str]:
        role = v.get("tenant", self.run.target_role)
        client = self.run.client(role)
        rows: list[dict[str, Any]] = []
        for page in client.pages("/auditLogs/directoryAudits", {"$top": "999"}):
            rows.extend(page)
        rows = [r for r in rows if r.get("activityDisplayName") == v["activity"]]
        if "category" in v:
            rows = [r for r in rows if r.get("category") == v["category"]]
        if "initiated_by" in v:
            want = v["initiated_by"].lower()
            rows = [r for r in rows if want in str(r.get("initiatedBy") or {}).lower()]
        if "user" in v:
            rec = self.run.users[v["user"]]
            ids = {rec.id}
            if role == self.run.target_role and rec.tenant == self.run.source_role:
                found = self.target_user(v["user"]) or self.target_user(v["user"], deleted=True)
                ids = {found["id"]} if found else set()
            rows = [r for r in rows if any(t.get("id") in ids for t in r.get("targetResources") or [])]
        want = v.get("present", True)
        if bool(rows) != want:
            return [
                f"audit '{v['activity']}' in {role}: expected {'an entry' if want else 'none'}, found {len(rows)}"
            ]
        return []

    def _traffic(self, v: dict[str, Any]) -> list[str]:
        assert self.run.backend.control is not None
        ids = {t.id for t in self.run.tenants.values()}
        rows = [
            r for r in self.run.backend.control.stats().get("by_app_tenant", []) if r.get("tenant_id") in ids
        ]
        problems = []
        for key, want in v.items():
            counter = key.removesuffix("_at_least")
            have = sum(int(r.get(counter, 0)) for r in rows)
            if have < want:
                problems.append(f"{counter}: expected at least {want}, actual {have}")
        return problems

    def _licence_warning(self, v: dict[str, Any]) -> list[str]:
        control = self.run.backend.control
        sp_id = self.run.sync.sp_id
        text = control.licence_warning(sp_id) if control is not None and sp_id else None
        problems = []
        want = v.get("present", True)
        if bool(text) != want:
            problems.append(f"licence warning: expected {'one' if want else 'none'}, actual {text!r}")
        m = re.match(r"(\d+) of (\d+)", text or "")
        if text and "count" in v and (not m or int(m.group(1)) != v["count"]):
            problems.append(f"licence warning count: expected {v['count']}, actual {text!r}")
        if text and "of" in v and (not m or int(m.group(2)) != v["of"]):
            problems.append(f"licence warning scope: expected of {v['of']}, actual {text!r}")
        return problems


def _err(row: dict[str, Any]) -> dict[str, Any]:
    return (row.get("provisioningStatusInfo") or {}).get("errorInformation") or {}


def _texts(row: dict[str, Any]) -> str:
    parts = [str(_err(row).get("reason") or ""), str(_err(row).get("additionalDetails") or "")]
    parts += [str(s.get("description") or "") for s in row.get("provisioningSteps") or []]
    parts += [str(s.get("details") or "") for s in row.get("provisioningSteps") or []]
    return " | ".join(parts)


def _short(step: Any) -> str:
    text = str(step)
    return text if len(text) < 160 else text[:157] + "..."
