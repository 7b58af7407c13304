"""The console in a real headless Chromium (Debian's package, driven by Playwright).

Skipped, with the reason, only when no browser can be found (``make test`` installs one when it can).
Screenshots of what the tests saw go to ``build/test-output/console/`` for a person to look at.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ccsync.sample_activity import SCOPE_GROUP, clients, demo_activity
from simulator.testing import running_simulator
from simulator.web.console.browser import blades, chromium, shoot, unavailable
from syncengine.setup import POLICY, PairSetup, configure_service, configure_source, configure_target
from tests.conftest import control_tenant

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=f"browser tests: {unavailable()}")

OUT = Path(__file__).resolve().parents[3] / "build" / "test-output" / "console"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as b:
        yield b


SIMULATOR = {"seed": 21, "empty": True, "virtual_clock": datetime(2026, 3, 2, 8, 0, tzinfo=UTC)}


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    errors: list[str] = []
    p = context.new_page()
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    p.on("pageerror", lambda e: errors.append(str(e)))
    yield p
    context.close()
    assert errors == [], errors


class Pair:
    """A licensed source (commercial) and a target (GCC High), configured through Graph over HTTPS."""

    def __init__(self, sim: Any, name: str) -> None:
        self.sim = sim
        self.source = control_tenant(
            sim, "commercial", 12, name=f"{name} source", licences={"P1+ID_GOVERNANCE": "100%"}
        )
        self.target = control_tenant(sim, "gcch", 2, name=f"{name} target")
        pair = PairSetup(self.source["id"], self.target["id"], "commercial", "gcch")
        backend, (src, tgt) = clients(sim, self.source, self.target)
        configure_target(tgt, pair)
        configure_source(src, pair)
        self.sp = configure_service(
            src, pair, name=f"Sync {name}", scope_group=SCOPE_GROUP
        ).service_principal_id
        group = src.get("/groups", {"$filter": f"displayName eq '{SCOPE_GROUP}'"})["value"][0]
        self.members = src.list_all(f"/groups/{group['id']}/members", {"$select": "id,displayName"})
        backend.close()
        sim.advance_clock(timedelta(minutes=1))

    def url(self, path: str = "/configurations") -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.sim.control_url}/console{path}{sep}tenant={self.source['id']}"

    def graph(self, tenant: dict[str, Any]) -> tuple[Any, Any]:
        backend, (client,) = clients(self.sim, tenant)
        return backend, client


def test_licence_warning_appears_with_the_count_and_goes_when_licences_are_assigned(
    sim: Any, page: Any
) -> None:
    pair = Pair(sim, "Licences")
    page.goto(pair.url())
    assert page.locator(".job-status").inner_text() == "Active"
    assert page.locator(".licence-warning").count() == 0

    backend, src = pair.graph(pair.source)
    taken: dict[str, list[str]] = {}
    for m in pair.members[:3]:
        held = src.get(f"/users/{m['id']}", {"$select": "assignedLicenses"})["assignedLicenses"]
        src.post(
            f"/users/{m['id']}/assignLicense",
            {"addLicenses": [], "removeLicenses": [x["skuId"] for x in held]},
        )
        taken[m["id"]] = [x["skuId"] for x in held]
    backend.close()
    sim.advance_clock(timedelta(minutes=40))

    page.goto(pair.url())
    banner = page.locator(".licence-warning")
    assert banner.count() == 1
    assert banner.inner_text().startswith(f"Licence warning. 3 of {len(pair.members)} users in scope")
    assert "Microsoft Entra ID Governance or Microsoft Entra Suite" in banner.inner_text()
    page.screenshot(path=str(OUT / "licence-warning.png"), full_page=True)
    banner.get_by_role("link", name="View the users without a licence").click()
    assert page.locator(".unlicensed-count").inner_text() == "3"
    assert page.locator("table.unlicensed tbody tr").count() == 3

    backend, src = pair.graph(pair.source)
    for uid, skus in taken.items():
        src.post(
            f"/users/{uid}/assignLicense",
            {"addLicenses": [{"skuId": s, "disabledPlans": []} for s in skus], "removeLicenses": []},
        )
    backend.close()
    sim.advance_clock(timedelta(minutes=40))
    page.goto(pair.url())
    assert page.locator(".licence-warning").count() == 0
    assert page.locator(".job-status").inner_text() == "Active"


def test_a_quarantined_job_shows_its_reason(sim: Any, page: Any) -> None:
    pair = Pair(sim, "Quarantine")
    backend, tgt = pair.graph(pair.target)
    tgt.patch(
        f"{POLICY}/partners/{pair.source['id']}/identitySynchronization",
        {"userSyncInbound": {"isSyncAllowed": False}},
    )
    backend.close()
    sim.advance_clock(timedelta(minutes=40))
    page.goto(pair.url())
    assert page.locator(".job-status").inner_text() == "Quarantine"
    text = page.locator(".quarantine").inner_text()
    assert "EncounteredQuarantineException" in text
    assert "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure" in text
    assert "Next retry:" in text
    page.screenshot(path=str(OUT / "quarantine.png"), full_page=True)


def test_provisioning_log_filters_narrow_the_list(sim: Any, page: Any) -> None:
    pair = Pair(sim, "Filters")
    # the initial cycle reads only the assigned users; an edit of a user outside the scope group reaches
    # the next cycle through delta, and that cycle skips the user (not assigned)
    backend, src = pair.graph(pair.source)
    in_scope = {m["id"] for m in pair.members}
    outsider = next(u for u in src.list_all("/users", {"$select": "id"}) if u["id"] not in in_scope)
    src.patch(f"/users/{outsider['id']}", {"department": "Outside the scope"})
    backend.close()
    sim.advance_clock(timedelta(minutes=40))
    page.goto(pair.url("/logs"))
    everything = page.locator("tr.log-row").count()
    statuses = set(page.locator("tr.log-row td.result").all_inner_texts())
    assert everything > 0 and len(statuses) > 1, statuses  # creates succeed; the outsider is skipped

    page.get_by_label("Status").select_option("success")
    page.get_by_role("button", name="Apply").click()
    successes = page.locator("tr.log-row td.result").all_inner_texts()
    assert 0 < len(successes) < everything and set(successes) == {"success"}

    page.get_by_label("Action").select_option("create")
    page.get_by_role("button", name="Apply").click()
    assert set(page.locator("tr.log-row td.action").all_inner_texts()) == {"create"}

    who = pair.members[0]["displayName"]
    page.get_by_label("Identity (id or name)").fill(who)
    page.get_by_role("button", name="Apply").click()
    rows = page.locator("tr.log-row")
    assert rows.count() == 1 and who in rows.inner_text()
    rows.get_by_role("link", name="View").click()
    assert page.locator("ol.steps li").count() >= 3
    assert "Modified properties" in page.content()
    page.screenshot(path=str(OUT / "log-record.png"), full_page=True)

    page.goto(pair.url("/logs?from=2099-01-01"))
    assert page.locator("tr.log-row").count() == 0 and page.locator(".no-logs").count() == 1


def test_advancing_the_clock_in_the_time_blade_runs_a_cycle(sim: Any, page: Any) -> None:
    pair = Pair(sim, "Clock")
    page.goto(pair.url())
    before = page.locator(".configuration dl").inner_text()
    page.goto(f"{sim.control_url}/console/time")
    assert page.locator(".clock-mode").inner_text() == "virtual"
    assert "Sync Clock" in page.locator("table.due").inner_text()
    clicked_at = sim.clock.now()
    page.get_by_label("Advance by").select_option("PT40M")
    page.get_by_role("button", name="Advance the clock").click()
    notice = page.get_by_role("status").inner_text()
    assert notice.startswith("Advanced the clock by PT40M:") and "0 cycle(s)" not in notice
    page.goto(pair.url())
    after = page.locator(".configuration dl").inner_text()
    assert before != after  # last and next cycle moved on by 40 minutes
    last = page.locator(".configuration dd").nth(4).inner_text()
    ran_at = datetime.strptime(last[:23], "%Y-%m-%d %H:%M:%S UTC").replace(tzinfo=UTC)
    assert clicked_at < ran_at <= clicked_at + timedelta(minutes=40), last  # at its due time in the span


@pytest.fixture
def attacker() -> Iterator[tuple[str, dict[str, str]]]:
    """Another origin on this machine (another port): serves whatever page the test puts in the dict."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", pages
    server.shutdown()
    server.server_close()


def test_a_foreign_page_cannot_post_a_console_form(sim: Any, browser: Any, attacker: Any) -> None:
    """CSRF: a page of another origin auto-submits the advance form; refused, the clock stays."""
    base, pages = attacker
    context = browser.new_context()
    p = context.new_page()
    p.goto(f"{sim.control_url}/console/time")  # the browser holds the console's cookie now
    pages["/"] = (
        f'<form id="f" method="post" action="{sim.control_url}/console/time/advance">'
        '<input name="by" value="P1D"><input name="csrf_token" value="guess"></form>'
        "<script>document.getElementById('f').submit()</script>"
    )
    now = sim.clock.now()
    with p.expect_navigation(url=f"{sim.control_url}/console/time/advance"):
        p.goto(f"{base}/")
    assert "are refused" in p.content() and sim.clock.now() == now

    # the console's own page with a tampered token: same origin, but the token does not match
    p.goto(f"{sim.control_url}/console/time")
    p.evaluate("document.querySelector('input[name=csrf_token]').value = 'tampered'")
    p.get_by_role("button", name="Advance the clock").click()
    assert "form token is missing or stale" in p.content() and sim.clock.now() == now
    context.close()


def test_every_blade_reads_without_javascript_and_fits_a_narrow_window(sim: Any, browser: Any) -> None:
    pair = Pair(sim, "Narrow")
    for js, width in ((False, 1280), (True, 390)):
        context = browser.new_context(viewport={"width": width, "height": 800}, java_script_enabled=js)
        p = context.new_page()
        for blade in blades({"gcch": pair.sp}, pair.source["id"]):
            resp = p.goto(f"{sim.control_url}/console{blade.path}")
            assert resp is not None and resp.status == 200, blade
            assert p.locator("main h1").count() == 1 and p.locator("nav").count() == 1
            if js:
                overflow = p.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 0, (blade, overflow)
        context.close()


def test_a_screenshot_of_each_blade_after_demo_activity(browser: Any) -> None:
    with running_simulator(seed=42) as demo:
        demo.set_traffic("documented")
        activity = demo_activity(demo)
        errors = shoot(
            browser, demo.control_url, blades(activity.service_principals, activity.source["id"]), OUT
        )
    assert errors and all(v == [] for v in errors.values()), errors
    assert all((OUT / f"{name}.png").stat().st_size > 10_000 for name in errors)
