"""``error_response``: the one builder of Graph's error answer (status, headers, body, request ids)."""

from __future__ import annotations

from datetime import UTC, datetime

from simulator.wire.errors import GraphError, error_response, not_found
from simulator.wire.message import Headers

NOW = datetime(2033, 3, 4, 5, 6, 7, 890000, tzinfo=UTC)


def test_the_answer_carries_the_errors_status_headers_and_body_dated_by_the_given_time() -> None:
    err = GraphError(
        429, "TooManyRequests", "Slow down.", headers={"Retry-After": "7"}, inner_code="Throttled"
    )
    resp = error_response(err, NOW, Headers({"Client-Request-Id": "mine"}), request_id="rid-1")
    assert resp.status == 429
    assert resp.headers == {
        "Retry-After": "7",
        "Content-Type": "application/json",
        "request-id": "rid-1",
        "client-request-id": "mine",
    }
    assert resp.body == {
        "error": {
            "code": "TooManyRequests",
            "message": "Slow down.",
            "innerError": {
                "date": "2033-03-04T05:06:07",
                "request-id": "rid-1",
                "client-request-id": "mine",
                "code": "Throttled",
            },
        }
    }
    assert not resp.drop and resp.text is None


def test_without_a_client_request_id_graph_echoes_a_fresh_request_id() -> None:
    first = error_response(not_found("x"), NOW)
    second = error_response(not_found("x"), NOW, Headers())
    for resp in (first, second):
        inner = resp.body["error"]["innerError"]
        assert inner["request-id"] == inner["client-request-id"] == resp.headers["request-id"]
        assert resp.headers["client-request-id"] == inner["request-id"]
    assert first.headers["request-id"] != second.headers["request-id"]


def test_details_are_kept_and_the_errors_own_headers_are_not_shared() -> None:
    err = GraphError(400, "Request_BadRequest", "Bad.", details=[{"code": "x", "message": "y"}])
    resp = error_response(err, NOW)
    assert resp.body["error"]["details"] == [{"code": "x", "message": "y"}]
    resp.headers["x-extra"] = "1"
    assert err.headers == {}
