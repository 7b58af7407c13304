"""Throttling through the real router: every limit scope, its headers, Retry-After, the penalty."""

from __future__ import annotations

import math
import re
from dataclasses import replace

import pytest

from simulator.clouds import Cloud
from simulator.traffic import Limits, TrafficConfigError, make_limits
from simulator.traffic.throttle import Budget
from simulator.wire.message import GraphRequest, GraphResponse
from tests.simulator.traffic.conftest import Harness

MISSING = "00000000-0000-0000-0000-000000000000"


def assert_throttled(resp: GraphResponse, scope: str, information: str) -> int:
    """The response is Graph's 429 for ``scope``; returns its Retry-After."""
    assert resp.status == 429, resp.body
    err = resp.body["error"]
    assert err["code"] == "TooManyRequests"
    assert re.fullmatch(
        r"Too many requests from Identifier:[0-9a-f-]+\+[0-9a-f-]+ under category:throttle\.aad\.ags\.[\w.]+\. "
        r"Please try again later\.",
        err["message"],
    ), err["message"]
    assert set(err["innerError"]) >= {"date", "request-id", "client-request-id"}
    assert resp.headers["request-id"] == err["innerError"]["request-id"]
    assert resp.headers["x-ms-throttle-scope"] == scope
    assert resp.headers["x-ms-throttle-information"] == information
    assert resp.headers["Content-Type"] == "application/json"
    retry_after = int(resp.headers["Retry-After"])
    assert retry_after >= 1
    return retry_after


def custom(**budgets: Budget) -> Limits:
    """The documented limits with some budgets replaced (to reach a shared limit first)."""
    return replace(make_limits("documented"), profile="custom", **budgets)


def test_documented_profile_has_the_documented_numbers() -> None:
    lim = make_limits("documented")
    assert [lim.tenant_app_ru(u).quota for u in (0, 49, 50, 500, 501)] == [3500, 3500, 5000, 5000, 8000]
    assert {lim.tenant_app_ru(0).window, lim.app_requests.window} == {10}
    assert (lim.tenant_app_writes.quota, lim.tenant_app_writes.window) == (3000, 150)
    assert (lim.app_ru.quota, lim.app_ru.window) == (150_000, 20)
    assert (lim.app_writes.quota, lim.app_writes.window) == (35_000, 300)
    assert (lim.tenant_writes.quota, lim.tenant_writes.window) == (18_000, 300)
    assert lim.app_requests.quota == 130_000
    assert (lim.provision_on_demand.quota, lim.reports.quota) == (5, 5)


def test_scaled_divides_every_budget_by_the_factor() -> None:
    lim = make_limits("scaled", 100)
    assert [lim.tenant_app_ru(u).quota for u in (10, 100, 1000)] == [35, 50, 80]
    assert lim.tenant_app_writes == Budget(30, 150)
    assert lim.app_ru == Budget(1500, 20)
    assert lim.tenant_writes == Budget(180, 300)
    # already tiny limits keep their documented numbers; nothing drops below one unit
    assert lim.provision_on_demand == Budget(5, 10)
    assert make_limits("scaled", 1_000_000).tenant_app_writes == Budget(1, 150)
    assert make_limits("scaled").factor == 100


@pytest.mark.parametrize(
    ("profile", "message"),
    [
        ("heavy", "'profile' must be one of off, documented, scaled"),
        ({"profile": "scaled", "factor": 0}, "'factor' must be a positive number"),
        ({"profile": "scaled", "factor": "ten"}, "'factor' must be a positive number"),
        ({"profile": "documented", "factor": 10}, "'factor' applies only to the 'scaled' profile"),
        ({"profile": "scaled", "speed": 1}, "unknown traffic setting(s) ['speed']"),
        ({"profile": "scaled", "retry_after_penalty": -1}, "'retry_after_penalty' must be whole seconds"),
    ],
)
def test_bad_profiles_are_refused_with_the_reason(harness: Harness, profile: object, message: str) -> None:
    with pytest.raises(TrafficConfigError, match=re.escape(message)):
        harness.traffic.configure(profile)  # type: ignore[arg-type]


def test_every_response_carries_its_resource_unit_cost(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    assert harness.call(me, "GET", "/users").headers["x-ms-resource-unit"] == "2"
    assert (
        harness.call(me, "GET", "/users", {"$select": "id", "$top": "5"}).headers["x-ms-resource-unit"] == "1"
    )
    missing = harness.call(me, "GET", f"/users/{MISSING}")
    assert missing.status == 404 and missing.headers["x-ms-resource-unit"] == "1"
    write = harness.call(me, "PATCH", f"/users/{MISSING}")
    assert write.headers["x-ms-resource-unit"] == "1"
    assert "x-ms-throttle-limit-percentage" not in write.headers


def test_app_tenant_resource_units_throttle_with_documented_headers(harness: Harness) -> None:
    tenant = harness.tenant(users=20)  # small: 3,500 / 100 = 35 RU per 10 s
    me = harness.caller(tenant)
    passed, resp = harness.until_throttled(me, "GET", "/users")  # 2 RU each
    assert passed == 17
    ra = assert_throttled(
        resp, f"Tenant_Application/ReadWrite/{me.app_id}/{tenant}", "ResourceUnitLimitExceeded"
    )
    assert resp.body["error"]["message"].startswith(
        f"Too many requests from Identifier:{me.app_id}+{tenant} "
    )
    assert resp.headers["x-ms-resource-unit"] == "2"
    assert float(resp.headers["x-ms-throttle-limit-percentage"]) >= 1.0
    # 35 - 34 - 2 = -1 after the throttled charge: 3 RU to refill at 3.5 RU/s
    assert ra == math.ceil(3 / 3.5)
    stats = harness.traffic.stats()["totals"]
    assert stats["throttled_by_limit"] == {"tenant_application_resource_units": 1}
    assert stats["resource_units"] == 36 and stats["requests"] == 18


@pytest.mark.parametrize(("users", "budget"), [(20, 35), (60, 50), (501, 80)])
def test_tenant_size_picks_the_resource_unit_budget(harness: Harness, users: int, budget: int) -> None:
    tenant = harness.tenant(users=users)
    me = harness.caller(tenant)
    passed, _ = harness.until_throttled(me, "GET", f"/users/{MISSING}")  # 1 RU each
    assert passed == budget


def test_a_tenant_that_grows_gets_the_bigger_budget(harness: Harness) -> None:
    tenant = harness.tenant(users=45)
    me = harness.caller(tenant)
    users = harness.store.tenants[tenant].users
    for i in range(50 - len(users)):  # into the medium band (50-500 users): 5,000 / 100 = 50 RU
        users.add({"id": f"grown-{i}", "displayName": f"N{i}"})
    passed, _ = harness.until_throttled(me, "GET", f"/users/{MISSING}")
    assert passed == 50


def test_app_tenant_write_budget_throttles_writes(harness: Harness) -> None:
    tenant = harness.tenant()
    me = harness.caller(tenant)
    passed, resp = harness.until_throttled(me, "PATCH", f"/users/{MISSING}")  # 30 writes / 150 s
    assert passed == 30
    ra = assert_throttled(resp, f"Tenant_Application/Write/{me.app_id}/{tenant}", "WriteLimitExceeded")
    assert ra == math.ceil(2 / (30 / 150))  # one write of debt plus the retry, at 0.2 writes/s
    assert harness.traffic.stats()["totals"]["writes"] == 31


def test_tenant_write_budget_spans_applications(harness: Harness) -> None:
    harness.traffic.use_limits(custom(tenant_writes=Budget(4, 300)))
    tenant = harness.tenant()
    first, second = (
        harness.caller(tenant),
        harness.caller(tenant, app_id="11111111-2222-3333-4444-555555555555"),
    )
    for who in (first, second, first, second):
        assert harness.call(who, "PATCH", f"/users/{MISSING}").status == 404
    resp = harness.call(second, "PATCH", f"/users/{MISSING}")
    assert_throttled(resp, f"Tenant/Write/{second.app_id}/{tenant}", "WriteLimitExceeded")
    assert harness.call(first, "GET", f"/users/{MISSING}").status == 404  # reads are not writes


def test_application_budgets_span_tenants(harness: Harness) -> None:
    harness.traffic.use_limits(custom(app_ru=Budget(6, 20), app_writes=Budget(100, 300)))
    app = "99999999-8888-7777-6666-555555555555"
    callers = [harness.caller(harness.tenant(), app_id=app) for _ in range(3)]
    for who in callers:
        assert harness.call(who, "GET", "/users").status == 200
    resp = harness.call(callers[0], "GET", "/users")
    ra = assert_throttled(
        resp, f"Application/ReadWrite/{app}/{callers[0].tenant_id}", "ResourceUnitLimitExceeded"
    )
    assert ra == math.ceil(4 / (6 / 20))


def test_application_write_budget_spans_tenants(harness: Harness) -> None:
    harness.traffic.use_limits(custom(app_writes=Budget(2, 300)))
    app = "99999999-8888-7777-6666-555555555555"
    a, b = (harness.caller(harness.tenant(), app_id=app) for _ in range(2))
    harness.call(a, "PATCH", f"/users/{MISSING}")
    harness.call(b, "PATCH", f"/users/{MISSING}")
    assert_throttled(
        harness.call(b, "DELETE", f"/users/{MISSING}"),
        f"Application/Write/{app}/{b.tenant_id}",
        "WriteLimitExceeded",
    )


def test_global_request_limit_per_application(harness: Harness) -> None:
    harness.traffic.use_limits(custom(app_requests=Budget(3, 10)))
    me = harness.caller(harness.tenant())
    passed, resp = harness.until_throttled(me, "GET", f"/users/{MISSING}")
    assert passed == 3
    assert_throttled(resp, f"Application/ReadWrite/{me.app_id}/{me.tenant_id}", "RequestLimitExceeded")


def test_waiting_exactly_retry_after_gets_through(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    for method, path in (("GET", "/users"), ("PATCH", f"/users/{MISSING}")):
        _, resp = harness.until_throttled(me, method, path)
        harness.advance(int(resp.headers["Retry-After"]))
        assert harness.call(me, method, path).status != 429
        harness.advance(300)  # refill everything before the next case
    assert harness.traffic.stats()["totals"]["retry_after_violations"] == 0


def test_retrying_early_is_a_counted_violation_with_a_penalty(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    _, resp = harness.until_throttled(me, "GET", "/users")
    ra = int(resp.headers["Retry-After"])
    again = harness.call(me, "GET", "/users")
    assert again.status == 429 and again.body["error"]["code"] == "TooManyRequests"
    assert again.headers["x-ms-throttle-information"] == "RetryAfterViolation"
    penalised = int(again.headers["Retry-After"])
    assert penalised >= ra + 2  # the remaining wait plus the default 2 s penalty
    harness.advance(penalised - 1)
    assert harness.call(me, "GET", "/users").status == 429  # still early: another violation
    totals = harness.traffic.stats()["totals"]
    assert totals["retry_after_violations"] == 2 and totals["throttled"] == 1
    last = harness.call(me, "GET", "/users")
    harness.advance(int(last.headers["Retry-After"]))
    assert harness.call(me, "GET", "/users").status == 200


def test_limit_percentage_is_sent_above_eighty_percent(harness: Harness) -> None:
    me = harness.caller(harness.tenant())  # 35 RU
    seen = [
        harness.call(me, "GET", f"/users/{MISSING}").headers.get("x-ms-throttle-limit-percentage")
        for _ in range(30)
    ]
    assert seen[:28] == [None] * 28  # 28 / 35 = 0.8 is not above 0.8
    assert seen[28:] == ["0.8", "0.9"]


def test_provision_on_demand_has_its_own_limit(harness: Harness) -> None:
    harness.router.add(
        "POST",
        "/servicePrincipals/{sid}/synchronization/jobs/{jid}/provisionOnDemand",
        lambda ctx, sid, jid: GraphResponse(200, {"value": []}),
        (),
    )
    me = harness.caller(harness.tenant())
    passed, resp = harness.until_throttled(
        me, "POST", "/servicePrincipals/s1/synchronization/jobs/j1/provisionOnDemand"
    )
    assert passed == 5
    assert_throttled(resp, f"Tenant_Application/Write/{me.app_id}/{me.tenant_id}", "RequestLimitExceeded")


def test_reports_have_their_own_limit_and_no_resource_units(harness: Harness) -> None:
    harness.router.add("GET", "/auditLogs/directoryAudits", lambda ctx: GraphResponse(200, {"value": []}), ())
    me = harness.caller(harness.tenant())
    passed, resp = harness.until_throttled(me, "GET", "/auditLogs/directoryAudits")
    assert passed == 5
    assert_throttled(resp, f"Tenant_Application/Read/{me.app_id}/{me.tenant_id}", "RequestLimitExceeded")
    assert harness.traffic.stats()["totals"]["resource_units"] == 0
    harness.advance(10)
    assert harness.call(me, "GET", f"/users/{MISSING}").status == 404  # the RU budget was untouched


def test_switching_profile_resets_the_buckets_and_off_stops_throttling(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    harness.until_throttled(me, "GET", "/users")
    harness.traffic.configure({"profile": "scaled", "factor": 10})  # 350 RU: fresh, full buckets
    passed, _ = harness.until_throttled(me, "GET", f"/users/{MISSING}", limit=1000)
    assert passed == 350
    harness.traffic.configure("off")
    assert all(harness.call(me, "GET", "/users").status == 200 for _ in range(100))


def test_the_batch_envelope_is_free_and_unthrottled(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    harness.until_throttled(me, "GET", "/users")
    route = harness.router.routes[0]
    req = GraphRequest("POST", "/$batch", {}, body=b"{}")
    harness.advance(60)
    assert harness.traffic.admit(Cloud.COMMERCIAL, req, me, route) is None
    resp = GraphResponse(200, {"responses": []})
    harness.traffic.settle(Cloud.COMMERCIAL, req, me, route, resp)
    assert "x-ms-resource-unit" not in resp.headers


def test_other_clouds_have_their_own_buckets(harness: Harness) -> None:
    commercial = harness.caller(harness.tenant())
    gcch = harness.caller(harness.tenant(cloud=Cloud.GCCH))
    harness.until_throttled(commercial, "GET", "/users")
    assert harness.call(gcch, "GET", "/users", cloud=Cloud.GCCH).status == 200


def test_concurrent_requests_never_overspend_a_budget(harness: Harness) -> None:
    from concurrent.futures import ThreadPoolExecutor

    me = harness.caller(harness.tenant())  # 35 RU, and the virtual clock does not move

    def burst(_: int) -> list[int]:
        return [harness.call(me, "GET", f"/users/{MISSING}").status for _ in range(25)]

    with ThreadPoolExecutor(8) as pool:
        statuses = [s for batch in pool.map(burst, range(8)) for s in batch]
    assert statuses.count(404) == 35 and statuses.count(429) == 200 - 35
    totals = harness.traffic.stats()["totals"]
    assert totals["requests"] == 200
    assert totals["throttled"] + totals["retry_after_violations"] == 165


def test_every_identity_response_carries_x_ms_resource_unit_also_with_traffic_off(harness: Harness) -> None:
    me = harness.caller(harness.tenant())
    harness.router.traffic = None  # the "off" profile: no hook at all
    listed = harness.call(me, "GET", "/users")
    assert listed.status == 200 and listed.headers["x-ms-resource-unit"] == "2"  # documented cost of users
    assert harness.call(me, "GET", "/users", {"$top": "5"}).headers["x-ms-resource-unit"] == "1"  # $top < 20
    selected = harness.call(me, "GET", "/users", {"$select": "id"})
    assert selected.headers["x-ms-resource-unit"] == "1"  # $select −1
    missing = harness.call(me, "GET", f"/users/{MISSING}")
    assert missing.status == 404 and missing.headers["x-ms-resource-unit"] == "1"
    assert harness.call(me, "GET", "/subscribedSkus").headers["x-ms-resource-unit"] == "3"


def test_invitations_are_limited_per_tenant_across_all_apps(harness: Harness) -> None:
    harness.router.add("GET", "/invitations", lambda ctx: GraphResponse(200, {"value": []}), ())
    harness.traffic.configure("documented")  # the invitation limit is on by default
    tenant = harness.tenant()
    first = harness.caller(tenant)
    second = harness.caller(tenant, app_id="11111111-2222-3333-4444-555555555555")
    for n in range(150):  # two apps share the tenant's 150 requests per 5 seconds
        assert harness.call(first if n % 2 else second, "GET", "/invitations").status == 200, n
    resp = harness.call(first, "GET", "/invitations")
    retry_after = assert_throttled(
        resp, f"Tenant/ReadWrite/{first.app_id}/{first.tenant_id}", "RequestLimitExceeded"
    )
    assert retry_after <= 5
    other = harness.caller(harness.tenant())  # another tenant has its own budget
    assert harness.call(other, "GET", "/invitations").status == 200
    harness.advance(5)
    assert harness.call(second, "GET", "/invitations").status == 200


def test_the_invitation_limit_can_be_turned_off(harness: Harness) -> None:
    harness.router.add("GET", "/invitations", lambda ctx: GraphResponse(200, {"value": []}), ())
    harness.traffic.configure({"profile": "documented", "invitation_limit": False})
    assert harness.traffic.describe()["invitation_limit"] is False
    plain = harness.caller(harness.tenant())
    assert all(harness.call(plain, "GET", "/invitations").status == 200 for _ in range(151))
    harness.traffic.configure({"profile": "scaled"})
    assert harness.traffic.describe()["invitation_limit"] is True
    with pytest.raises(TrafficConfigError, match="'documented' and 'scaled'"):
        harness.traffic.configure({"profile": "off", "invitation_limit": True})
    with pytest.raises(TrafficConfigError, match="true or false"):
        harness.traffic.configure({"profile": "documented", "invitation_limit": "yes"})


def test_scaled_profile_keeps_the_documented_invitation_limit() -> None:
    assert make_limits("scaled", 100).invitations == Budget(150, 5)
