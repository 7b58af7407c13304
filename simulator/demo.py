"""``ccsync demo``: start the simulator and exercise it once with real clients (msal + httpx)."""

from __future__ import annotations

import httpx
import msal
import requests
from rich.console import Console
from rich.table import Table

from simulator.testing import running_simulator


def _ca_session(ca_bundle: str) -> requests.Session:
    # trust_env=False: otherwise a REQUESTS_CA_BUNDLE in the environment overrides the simulator's CA
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle
    return session


def _token(doc: dict, tenant: dict, app: dict) -> str:
    cloud = doc["clouds"][tenant["cloud"]]
    cca = msal.ConfidentialClientApplication(
        app["clientId"],
        client_credential=app["clientSecret"],
        authority=f"{cloud['login']}/{tenant['id']}",
        instance_discovery=False,
        http_client=_ca_session(doc["ca_bundle"]),
    )
    result = cca.acquire_token_for_client(scopes=[cloud["scope"]])
    if "access_token" not in result:
        raise RuntimeError(f"token request failed: {result.get('error')}: {result.get('error_description')}")
    return result["access_token"]


def run_demo(console: Console, *, seed: int = 42) -> int:
    """Start the default world, sign in to every cloud, read and write through Graph, report."""
    with running_simulator(seed=seed) as sim:
        doc = sim.endpoints()
        console.print(
            f"[bold]ccsync simulator[/bold] started: {len(doc['tenants'])} tenants, CA {doc['ca_bundle']}"
        )
        table = Table(title="one real-client round trip per tenant")
        for col in ("tenant", "cloud", "token from", "users", "first user", "guest created"):
            table.add_column(col, overflow="fold")
        tokens: dict[str, str] = {}
        with httpx.Client(verify=doc["ca_bundle"], timeout=30) as http:
            for tenant in doc["tenants"]:
                admin = next(a for a in tenant["apps"] if "User.ReadWrite.All" in a["permissions"])
                cloud = doc["clouds"][tenant["cloud"]]
                token = _token(doc, tenant, admin)
                tokens[tenant["cloud"]] = token
                auth = {"Authorization": f"Bearer {token}"}
                graph = f"{cloud['graph']}/v1.0"
                count = http.get(f"{graph}/users/$count", headers={**auth, "ConsistencyLevel": "eventual"})
                count.raise_for_status()
                first = http.get(
                    f"{graph}/users",
                    params={"$top": "1", "$select": "displayName,userPrincipalName"},
                    headers=auth,
                )
                first.raise_for_status()
                invite = http.post(
                    f"{graph}/invitations",
                    headers=auth,
                    json={
                        "invitedUserEmailAddress": f"demo.guest.{seed}@example.com",
                        "inviteRedirectUrl": "https://myapps.microsoft.com",
                    },
                )
                invite.raise_for_status()
                guest = http.get(
                    f"{graph}/users/{invite.json()['invitedUser']['id']}",
                    params={"$select": "userPrincipalName"},
                    headers=auth,
                )
                table.add_row(
                    tenant["displayName"],
                    f"{tenant['cloud']}/{tenant['flavor']}",
                    cloud["login_host"],
                    count.text,
                    first.json()["value"][0]["userPrincipalName"],
                    guest.json()["userPrincipalName"],
                )
            console.print(table)
            wrong = http.get(
                f"{doc['clouds']['commercial']['graph']}/v1.0/users",
                headers={"Authorization": f"Bearer {tokens['gcch']}"},
            )
            console.print(
                f"A GCC High token sent to the commercial Graph: HTTP {wrong.status_code} {wrong.json()['error']['code']}"
            )
        console.print(
            "[green]demo finished[/green]: every cloud signed in with msal and answered Graph over HTTPS."
        )
    return 0
