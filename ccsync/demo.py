"""``ccsync demo``: the main job in one process — two cross-cloud jobs, two cycles, a readable report.

The default world starts; Contoso (commercial) is configured the documented way to synchronize to
Contoso Government (GCC High) and to Contoso China; an initial cycle runs; then a new hire, an
attribute change, a disabled user, a leaver and an unlicensed user happen in the source, and an
incremental cycle shows what the engine did and why. The engine talks to the simulator over HTTPS
with msal and httpx, exactly as it would to the real clouds.
"""

from __future__ import annotations

import io
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from simulator.testing import running_simulator
from syncengine import mapping
from syncengine.backend import Identity
from syncengine.cli_layout import line, print_json, vertical_table
from syncengine.client import GraphClient
from syncengine.cycle import Cycle, CycleResult
from syncengine.http_backend import HttpGraph
from syncengine.model import AnchorConfig, AnchorKind, JobConfig
from syncengine.setup import PairSetup, assign, configure_source, configure_target, create_sync_app
from syncengine.state import EngineState

SCOPE_GROUP = "Cross-cloud sync users"


def _admin(tenant: dict[str, Any]) -> Identity:
    app = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
    return Identity(tenant["cloud"], tenant["id"], app["clientId"])


#: The rows of the cycle summary: a label and how to read it from a cycle report.
_SUMMARY_ROWS: tuple[tuple[str, Any], ...] = (
    ("cycle", lambda rep: rep.kind),
    ("state", lambda rep: rep.state),
    ("created", lambda rep: rep.actions.get("create", 0)),
    ("updated", lambda rep: rep.actions.get("update", 0)),
    ("disabled", lambda rep: rep.actions.get("disable", 0)),
    ("deleted", lambda rep: rep.actions.get("delete", 0)),
    ("skipped", lambda rep: rep.statuses.get("skipped", 0)),
    ("failed", lambda rep: rep.statuses.get("failure", 0)),
    ("Graph calls", lambda rep: rep.requests),
)


def _summary(console: Console, title: str, results: list[tuple[str, CycleResult]]) -> None:
    """One column per job, one row per figure: two jobs fit 80 columns with their whole names."""
    names = [label for label, _ in _SUMMARY_ROWS]
    records = [(name, [read(r.report) for _, read in _SUMMARY_ROWS]) for name, r in results]
    console.print(vertical_table(title, names, records))


@dataclass
class SourceChanges:
    """Who the demo's changes between two cycles touched (source users as Graph returned them)."""

    hire: dict[str, Any]
    changed: dict[str, Any]
    disabled: dict[str, Any]
    leaver: dict[str, Any]
    unlicensed: dict[str, Any] | None


def change_the_source(
    src: GraphClient, group: dict[str, Any], members: list[dict[str, Any]], domain: str, nick: str
) -> SourceChanges:
    """The demo's changes between two cycles, through Graph: a new hire joins the scope group, the first
    member changes department, the second is disabled, the third leaves the group and the first later
    member holding licences loses them all."""
    changed, disabled, leaver = members[0], members[1], members[2]
    hire = src.post(
        "/users",
        {
            "accountEnabled": True, "displayName": "Nova Hire", "givenName": "Nova", "surname": "Hire",
            "mailNickname": nick.replace(".", ""), "userPrincipalName": f"{nick}@{domain}",
            "mail": f"{nick}@{domain}", "department": "Research", "usageLocation": "US",
            "passwordProfile": {"password": "Demo!12345678"},
        },
    )  # fmt: skip
    src.post(
        f"/groups/{group['id']}/members/$ref",
        {"@odata.id": f"https://graph.microsoft.com/v1.0/directoryObjects/{hire['id']}"},
    )
    src.patch(f"/users/{changed['id']}", {"department": "Platform Engineering"})
    src.patch(f"/users/{disabled['id']}", {"accountEnabled": False})
    src.delete(f"/groups/{group['id']}/members/{leaver['id']}/$ref")
    unlicensed = None
    for m in members[3:]:
        held = src.get(f"/users/{m['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
        if held:
            src.post(
                f"/users/{m['id']}/assignLicense",
                {"addLicenses": [], "removeLicenses": [x["skuId"] for x in held]},
            )
            unlicensed = m
            break
    return SourceChanges(hire, changed, disabled, leaver, unlicensed)


def run_demo(console: Console, *, seed: int = 42, as_json: bool = False) -> int:
    """Start the default world, configure two cross-cloud jobs, run two cycles, explain the outcome.

    ``as_json``: print only the cycle reports and the story's outcomes as one JSON document.
    """
    if not as_json:
        return _run(console, seed)
    results: dict[str, Any] = {}
    code = _run(Console(file=io.StringIO(), width=80), seed, results)
    print_json(console, results)
    return code


def _run(console: Console, seed: int, results: dict[str, Any] | None = None) -> int:
    with running_simulator(seed=seed) as sim, tempfile.TemporaryDirectory(prefix="ccsync-demo-") as tmp:
        doc = sim.endpoints()
        console.print(f"[bold]ccsync[/bold]: simulator up with {len(doc['tenants'])} tenants in 4 clouds")
        line(console, f"  CA bundle: {doc['ca_bundle']}")
        backend = HttpGraph.for_simulator(doc)
        source_t = next(t for t in doc["tenants"] if t["flavor"] == "commercial")
        src = GraphClient(backend, _admin(source_t))
        group = src.get("/groups", {"$filter": f"displayName eq '{SCOPE_GROUP}'"})["value"][0]
        cycles: list[tuple[str, Cycle]] = []

        def say(text: str) -> None:
            line(console, f"  {text}")  # whole ids: never broken across lines

        for cloud in ("gcch", "china"):
            target_t = next(t for t in doc["tenants"] if t["cloud"] == cloud)
            tgt = GraphClient(backend, _admin(target_t))
            console.print(
                f"\n[bold]Configure {source_t['displayName']} → {target_t['displayName']}[/bold] ({cloud})"
            )
            pair = PairSetup(source_t["id"], target_t["id"], "commercial", cloud)
            configure_target(tgt, pair, say)
            configure_source(src, pair, say)
            sp = create_sync_app(src, f"Sync to {target_t['displayName']}", say)
            assign(src, sp, group["id"])
            console.print(f"  source: assigned group '{SCOPE_GROUP}' to the configuration")
            job = JobConfig(
                name=f"{source_t['displayName']} to {target_t['displayName']}",
                source=_admin(source_t),
                target=_admin(target_t),
                mappings=mapping.DEFAULT_MAPPINGS,
                anchor=AnchorConfig(AnchorKind.EXTENSION_ATTRIBUTE),
                service_principal_id=sp,
                cross_cloud=True,
            )
            state = EngineState(Path(tmp) / f"{cloud}.db", job.name)
            cycles.append((job.name, Cycle(job, src, tgt, state, sim.clock)))

        first = [(name, c.run()) for name, c in cycles]
        _summary(console, "initial cycles", first)
        for _, r in first:
            if r.report.licence_warning:
                console.print(f"[yellow]licence warning[/yellow]: {r.report.licence_warning}")

        # what happens in the source between cycles
        members = src.list_all(
            f"/groups/{group['id']}/members", {"$select": "id,displayName,userPrincipalName,department"}
        )
        changes = change_the_source(
            src, group, members, source_t["defaultDomain"], f"new.hire.{uuid.uuid4().hex[:4]}"
        )
        hire, changed, disabled, leaver = changes.hire, changes.changed, changes.disabled, changes.leaver
        unlicensed = changes.unlicensed
        assert unlicensed is not None, "the default world gives the scope group licensed members"
        story = {
            hire["id"]: "new hire, added to the scope group",
            changed["id"]: f"department changed to Platform Engineering (was {changed.get('department')})",
            disabled["id"]: "account disabled in the source",
            leaver["id"]: "left the scope group",
            unlicensed[
                "id"
            ]: "lost every licence (policy warn: still synchronized, and counted in the warning)",
        }
        console.print("\n[bold]In the source:[/bold]")
        for m in (hire, changed, disabled, leaver, unlicensed):
            line(console, f"  {m['displayName']}: {story[m['id']]}")

        second = [(name, c.run()) for name, c in cycles]
        _summary(console, "incremental cycles", second)
        outcomes: list[dict[str, Any]] = []
        for name, r in second:
            console.print(f"\n[bold]{name}[/bold]: what happened and why")
            for rec in r.records:
                sid = rec["sourceIdentity"]["id"]
                if sid not in story:
                    continue
                last = rec["provisioningSteps"][-1]
                outcomes.append(
                    {
                        "job": name,
                        "user": rec["sourceIdentity"]["displayName"],
                        "change": story[sid],
                        "action": rec["provisioningAction"],
                        "status": rec["provisioningStatusInfo"]["status"],
                        "why": last["description"],
                    }
                )
                console.print(
                    f"  {rec['sourceIdentity']['displayName']}: [cyan]{rec['provisioningAction']}[/cyan] ({rec['provisioningStatusInfo']['status']}) — {last['description']}"
                )
            if r.report.licence_warning:
                console.print(f"  [yellow]licence warning[/yellow]: {r.report.licence_warning}")
        backend.close()
        if results is not None:
            results["initial"] = [{"job": n, **r.report.to_dict()} for n, r in first]
            results["incremental"] = [{"job": n, **r.report.to_dict()} for n, r in second]
            results["story"] = outcomes
        failed = [n for n, r in first + second if r.report.state == "Failed"]
        if failed:
            console.print(f"[red]cycles failed: {failed}[/red]")
            return 1
        console.print(
            "\n[green]demo finished[/green]: both cross-cloud jobs ran an initial and an incremental cycle."
        )
    return 0
