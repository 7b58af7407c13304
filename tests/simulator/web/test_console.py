"""The console over plain HTTP: pages, form actions and their CSRF protection, the locality rules."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from simulator.testing import running_simulator
from simulator.web.locality import CSRF_COOKIE

SIMULATOR = {"seed": 8}


def browser_like(sim: Any) -> httpx.Client:
    """A client that keeps cookies and sends the console's own Origin, as a browser on its pages does."""
    return httpx.Client(base_url=f"{sim.control_url}/console", headers={"Origin": sim.control_url})


def token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def test_every_page_answers_and_sets_a_strict_cookie(sim: Any) -> None:
    with browser_like(sim) as c:
        first = c.get("/")
        assert first.status_code == 200 and "Contoso Government" in first.text
        cookie = first.headers["set-cookie"]
        assert cookie.startswith(f"{CSRF_COOKIE}=") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert "default-src 'none'" in first.headers["content-security-policy"]
        for path in (
            "/configurations",
            "/logs",
            "/audit",
            "/traffic",
            "/time",
            "/tenants/contoso.onmicrosoft.com",
        ):
            r = c.get(path)
            assert r.status_code == 200, (path, r.text[:300])
            assert not [h for h in r.headers if h.lower().startswith("access-control-")]


def test_a_console_form_with_the_pages_token_acts(sim: Any) -> None:
    with browser_like(sim) as c:
        page = c.get("/time")
        r = c.post("/time/virtual", data={"csrf_token": token(page.text)})
        assert r.status_code == 303 and "notice=" in r.headers["location"]
        assert sim.clock.is_virtual
        page = c.get("/time")
        before = sim.clock.now()
        r = c.post("/time/advance", data={"csrf_token": token(page.text), "by": "PT6H"})
        assert r.status_code == 303
        assert (sim.clock.now() - before).total_seconds() == 6 * 3600
        bad = c.post("/time/advance", data={"csrf_token": token(page.text), "by": "six hours"})
        assert bad.status_code == 400 and "not an ISO-8601 duration" in bad.text
    sim.clock.set_real()


@pytest.mark.parametrize(
    ("headers", "data", "message"),
    [
        ({}, {"by": "PT1H"}, "form token is missing or stale"),  # no token
        ({}, {"by": "PT1H", "csrf_token": "0" * 64}, "form token is missing or stale"),  # forged token
        ({"Origin": "http://evil.example"}, {"by": "PT1H"}, "are refused"),
        ({"Origin": None}, {"by": "PT1H"}, "must come from a console page"),  # no Origin, no Referer
    ],
)
def test_console_forms_refuse_what_did_not_come_from_a_console_page(
    sim: Any, headers: dict[str, Any], data: dict[str, str], message: str
) -> None:
    sim.clock.set_virtual()
    now = sim.clock.now()
    with browser_like(sim) as c:
        c.get("/time")
        for k, v in headers.items():
            if v is None:
                c.headers.pop(k, None)
            else:
                c.headers[k] = v
        r = c.post("/time/advance", data=data)
    assert r.status_code == 403 and message in r.json()["error"]["message"]
    assert sim.clock.now() == now
    sim.clock.set_real()


def test_the_console_refuses_a_foreign_host(sim: Any) -> None:
    port = urlsplit(sim.control_url).port
    r = httpx.get(f"{sim.control_url}/console/", headers={"Host": f"rebound.example:{port}"})
    assert r.status_code == 421 and "Contoso" not in r.text


def test_unknown_things_are_an_html_404(sim: Any) -> None:
    with browser_like(sim) as c:
        r = c.get("/tenants/no-such-tenant")
        assert r.status_code == 404 and "No tenant &#39;no-such-tenant&#39;" in r.text
        r = c.get("/logs/no-such-record", params={"tenant": "contoso.onmicrosoft.com"})
        assert r.status_code == 404 and "No provisioning log record" in r.text


def test_a_bad_log_date_is_a_clear_message(sim: Any) -> None:
    with browser_like(sim) as c:
        r = c.get("/logs", params={"from": "last tuesday"})
    assert r.status_code == 400 and "is not a date" in r.text


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Any, Any]]:
    from ccsync.sample_activity import demo_activity

    with running_simulator(seed=42) as s:
        yield s, demo_activity(s, quarantine=False)


def test_pause_start_and_provision_on_demand_act_through_the_provisioning_service(demo: Any) -> None:
    sim, activity = demo
    source, sp = activity.source["id"], activity.service_principals["gcch"]
    with browser_like(sim) as c:
        page = c.get("/configurations", params={"tenant": source})
        assert page.text.count('class="status Active job-status"') == 2
        r = c.post(f"/configurations/{sp}/pause", data={"csrf_token": token(page.text), "tenant": source})
        assert (
            r.status_code == 303
            and "Paused provisioning" in c.get(r.headers["location"].removeprefix("/console")).text
        )
        job = next(j for j in sim.provisioning.jobs.values() if j.sp_id == sp)
        assert sim.provisioning.job_json(job)["status"]["code"] == "Paused"
        r = c.post(f"/configurations/{sp}/start", data={"csrf_token": token(page.text), "tenant": source})
        assert r.status_code == 303 and sim.provisioning.job_json(job)["status"]["code"] == "Active"
        audits = [a["activityDisplayName"] for a in sim.store.audit.directory_audits(source)[:2]]
        assert audits == [
            "Enable/start provisioning configuration",
            "Disable/pause provisioning configuration",
        ]

        upn = next(
            u["userPrincipalName"] for u in sim.store.tenants[source].users.values() if u.get("department")
        )
        r = c.post(
            f"/configurations/{sp}/provision",
            data={"csrf_token": token(page.text), "tenant": source, "user": upn},
        )
        assert r.status_code == 200 and "Provision on demand" in r.text
        assert '<strong class="od-status">' in r.text and '<ol class="steps">' in r.text
        r = c.post(
            f"/configurations/{sp}/provision",
            data={"csrf_token": token(page.text), "tenant": source, "user": "nobody@nowhere"},
        )
        assert r.status_code == 400 and "No user" in r.text
