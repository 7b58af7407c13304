"""Chaos and canned faults through the real router: seeded errors, latency, drops, next-N faults."""

from __future__ import annotations

import random
import re
import time

import pytest

from simulator.clouds import Cloud
from simulator.traffic import TrafficConfigError
from simulator.wire.message import GraphRequest
from tests.simulator.traffic.conftest import Harness

MISSING = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def calm(harness: Harness) -> Harness:
    """The harness with throttling off, so only chaos and faults answer."""
    harness.traffic.configure("off")
    return harness


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"errors": {"FETCH": {"503": 0.1}}}, "'errors': unknown method 'FETCH'"),
        ({"errors": {"GET": {"200": 0.1}}}, "status '200' must be an HTTP error status from 400 to 599"),
        ({"errors": {"GET": {"503": 1.5}}}, "'errors.GET.503' must be from 0 to 1"),
        (
            {"errors": {"GET": {"503": 0.6, "429": 0.6}}},
            "'errors.GET': the probabilities add up to more than 1",
        ),
        ({"errors": {"GET": 0.5}}, "'errors.GET' must be an object keyed by HTTP method"),
        ({"latency": {"GET": {"fixed_ms": -1}}}, "'latency.GET'.fixed_ms must be at least 0"),
        ({"latency": {"GET": {"min_ms": 50, "max_ms": 10}}}, "'latency.GET'.max_ms must be at least 50"),
        ({"latency": {"GET": {"mean": 5}}}, "'latency.GET' must be one of"),
        ({"drop": 2}, "'drop' must be from 0 to 1"),
        ({"drop": {"GET": "often"}}, "'drop.GET' must be a number"),
        ({"seed": "abc"}, "'seed' must be an integer"),
        ({"retry_after": -5}, "'retry_after' must be whole seconds"),
        ({"error_rate": 0.5}, "unknown chaos setting(s) ['error_rate']"),
    ],
)
def test_bad_chaos_settings_are_refused_with_the_reason(harness: Harness, doc: dict, message: str) -> None:
    with pytest.raises(TrafficConfigError, match=re.escape(message)):
        harness.traffic.set_chaos(doc)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"status": 503}, "give exactly one of 'path'"),
        ({"path": "/users*", "path_regex": "^/users", "status": 503}, "give exactly one of 'path'"),
        ({"path_regex": "([", "status": 503}, "'path_regex' is not a valid regular expression"),
        ({"path": "/users*"}, "'status' is required"),
        ({"path": "/users*", "status": 99}, "'status' must be an integer from 200 to 599"),
        ({"path": "/users*", "status": 503, "count": 0}, "'count' must be an integer from 1 to 1000000"),
        ({"path": "/users*", "status": 503, "method": "FETCH"}, "'method' must be one of"),
        ({"path": "/users*", "status": 503, "headers": ["x"]}, "'headers' must be an object"),
        ({"path": "/users*", "drop": True, "status": 503}, "a dropped connection sends nothing"),
        ({"path": "/users*", "status": 503, "when": "now"}, "unknown canned-fault field(s) ['when']"),
    ],
)
def test_bad_canned_faults_are_refused_with_the_reason(harness: Harness, doc: dict, message: str) -> None:
    with pytest.raises(TrafficConfigError, match=re.escape(message)):
        harness.traffic.add_fault(doc)


def test_seeded_error_rate_injects_the_expected_count(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"seed": 11, "errors": {"GET": {"503": 0.25}}})
    statuses = [calm.call(me, "GET", f"/users/{MISSING}").status for _ in range(200)]
    rng = random.Random(11)
    expected = [503 if rng.random() < 0.25 else 404 for _ in range(200)]  # one draw per request
    assert statuses == expected
    totals = calm.traffic.stats()["totals"]
    assert totals["injected_errors_by_status"] == {"503": expected.count(503)}
    # the same seed replays the same run
    calm.traffic.set_chaos({"seed": 11, "errors": {"GET": {"503": 0.25}}})
    assert [calm.call(me, "GET", f"/users/{MISSING}").status for _ in range(200)] == expected


def test_injected_errors_are_graph_shaped_and_carry_retry_after(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"errors": {"*": {"503": 1.0}}, "retry_after": 3})
    resp = calm.call(me, "POST", "/users")
    assert resp.status == 503 and resp.headers["Retry-After"] == "3"
    assert resp.body["error"]["code"] == "serviceNotAvailable"
    assert resp.headers["request-id"] == resp.body["error"]["innerError"]["request-id"]
    assert resp.headers["x-ms-resource-unit"] == "1"


def test_errors_apply_only_to_their_method(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"errors": {"PATCH": {"500": 1.0}}})
    assert calm.call(me, "GET", f"/users/{MISSING}").status == 404
    assert calm.call(me, "PATCH", f"/users/{MISSING}").status == 500


def test_an_injected_429_must_be_honoured_like_a_real_one(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"errors": {"GET": {"429": 1.0}}, "retry_after": 4})
    assert calm.call(me, "GET", "/users").headers["Retry-After"] == "4"
    calm.traffic.set_chaos({})
    early = calm.call(me, "GET", "/users")
    assert early.status == 429 and early.headers["x-ms-throttle-information"] == "RetryAfterViolation"
    calm.advance(int(early.headers["Retry-After"]))
    assert calm.call(me, "GET", "/users").status == 200
    assert calm.traffic.stats()["totals"]["retry_after_violations"] == 1


def test_latency_is_wall_clock_time_even_on_a_virtual_clock(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"latency": {"GET": {"fixed_ms": 30}}})
    before = calm.clock.now()
    started = time.monotonic()
    for _ in range(3):
        calm.call(me, "GET", f"/users/{MISSING}")
    assert time.monotonic() - started >= 0.09
    assert calm.clock.now() == before
    totals = calm.traffic.stats()["totals"]
    assert totals["latency_added_ms"] == 90 and totals["delayed_requests"] == 3


def test_latency_distributions_draw_within_their_bounds(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"seed": 3, "latency": {"*": {"min_ms": 1, "max_ms": 3}}})
    for _ in range(5):
        calm.call(me, "GET", f"/users/{MISSING}")
    added = calm.traffic.stats()["totals"]["latency_added_ms"]
    assert 5 <= added <= 15
    assert calm.traffic.set_chaos({"latency": {"GET": {"mean_ms": 2, "stddev_ms": 1}}})["latency"] == {
        "GET": {"mean_ms": 2, "stddev_ms": 1}
    }


def test_a_dropped_connection_is_signalled_to_the_server(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.set_chaos({"drop": 1.0})
    resp = calm.call(me, "GET", "/users")
    assert resp.drop and resp.status == 503  # what a caller that cannot drop a connection sees
    assert calm.traffic.stats()["totals"]["dropped_connections"] == 1
    # one request, one id: the header and the error body name the same request
    assert resp.body["error"]["innerError"]["request-id"] == resp.headers["request-id"]


def test_canned_faults_fire_exactly_count_times(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    fault = calm.traffic.add_fault({"method": "GET", "path": "/users*", "count": 3, "status": 503})
    assert fault["id"] and fault["remaining"] == 3
    assert calm.call(me, "GET", "/groups").status == 200  # another path: not consumed
    assert calm.call(me, "POST", "/users").status != 503  # another method: not consumed
    statuses = [calm.call(me, "GET", "/users").status for _ in range(5)]
    assert statuses == [503, 503, 503, 200, 200]
    listed = calm.traffic.faults()
    assert listed[0]["fired"] == 3 and listed[0]["remaining"] == 0
    assert calm.traffic.stats()["totals"]["faults_fired"] == 3


def test_canned_fault_bodies_headers_and_default_retry_after(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.add_fault({"path": "/groups", "status": 429})
    calm.traffic.add_fault(
        {
            "path_regex": r"^/organization$",
            "status": 500,
            "body": {"error": {"code": "Custom", "message": "custom"}},
            "headers": {"x-test": "yes"},
        }
    )
    throttled = calm.call(me, "GET", "/groups")
    assert throttled.status == 429 and throttled.headers["Retry-After"] == "1"
    assert throttled.body["error"]["code"] == "TooManyRequests"
    calm.advance(1)  # honour it: the next request is not early
    custom = calm.call(me, "GET", "/organization")
    assert custom.status == 500 and custom.body == {"error": {"code": "Custom", "message": "custom"}}
    assert custom.headers["x-test"] == "yes" and custom.headers["Content-Type"] == "application/json"


def test_canned_faults_can_target_one_tenant_or_app(calm: Harness) -> None:
    mine, other = calm.caller(calm.tenant()), calm.caller(calm.tenant())
    calm.traffic.add_fault({"path": "*", "status": 503, "tenant": other.tenant_id.upper()})
    calm.traffic.add_fault({"path": "*", "status": 502, "app": "not-this-app"})
    assert calm.call(mine, "GET", "/users").status == 200
    assert calm.call(other, "GET", "/users").status == 503


def test_a_canned_fault_can_hit_the_batch_envelope(calm: Harness) -> None:
    me = calm.caller(calm.tenant())
    calm.traffic.add_fault({"method": "POST", "path": "/$batch", "status": 503})
    req = GraphRequest("POST", "/$batch", {}, body=b"{}")
    with pytest.raises(Exception, match="503"):
        calm.traffic.admit(Cloud.COMMERCIAL, req, me, calm.router.routes[0])
    assert calm.traffic.admit(Cloud.COMMERCIAL, req, me, calm.router.routes[0]) is None


def test_the_hook_is_idle_when_nothing_is_configured(calm: Harness) -> None:
    assert not calm.traffic.active
    calm.traffic.add_fault({"path": "*", "status": 503})
    assert calm.traffic.active
    calm.traffic.clear_faults()
    calm.traffic.set_chaos({"drop": 0.1})
    assert calm.traffic.active
    calm.traffic.reset()
    assert not calm.traffic.active and calm.traffic.stats()["totals"]["requests"] == 0
