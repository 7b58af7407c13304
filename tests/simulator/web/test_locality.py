"""The locality guard: a web page the developer has open cannot drive or read the control plane."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from simulator.web.locality import CsrfTokens, is_loopback_name, split_host

SIMULATOR = {"seed": 5}


def port_of(sim: Any) -> int:
    return int(urlsplit(sim.control_url).port or 0)


def tenant_names(sim: Any) -> set[str]:
    r = httpx.get(f"{sim.control_url}/_simulator/tenants", timeout=30)
    return {t["displayName"] for t in r.json()["value"]}


def test_a_cross_site_simple_post_cannot_reset_the_simulator(sim: Any) -> None:
    """A form or fetch from a web page: text/plain, no preflight, a foreign Origin."""
    made = httpx.post(
        f"{sim.control_url}/_simulator/tenants",
        json={"cloud": "commercial", "users": 1, "name": "Survivor"},
        timeout=60,
    )
    assert made.status_code == 201, made.text
    r = httpx.post(
        f"{sim.control_url}/_simulator/reset",
        content='{"empty": true}',
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
        timeout=30,
    )
    assert r.status_code == 403
    assert r.json()["error"]["code"] == "Forbidden" and "evil.example" in r.json()["error"]["message"]
    assert "access-control-allow-origin" not in r.headers
    assert "Survivor" in tenant_names(sim)


def test_a_post_that_is_not_json_is_refused_even_without_an_origin(sim: Any) -> None:
    before = tenant_names(sim)
    for headers in (
        {"Content-Type": "text/plain"},
        {"Content-Type": "application/x-www-form-urlencoded"},
        {},
    ):
        r = httpx.post(f"{sim.control_url}/_simulator/reset", content=b"empty=true", headers=headers)
        assert r.status_code == 415, (headers, r.text)
        assert "application/json" in r.json()["error"]["message"]
    assert httpx.post(f"{sim.control_url}/_simulator/provisioning/run").status_code == 415
    assert tenant_names(sim) == before


def test_json_with_a_charset_and_a_same_origin_origin_is_accepted(sim: Any) -> None:
    r = httpx.post(
        f"{sim.control_url}/_simulator/provisioning/run",
        content=b"{}",
        headers={"Content-Type": "application/json; charset=utf-8", "Origin": sim.control_url},
    )
    assert r.status_code == 200 and "cyclesRun" in r.json()


def test_delete_needs_no_body(sim: Any) -> None:
    r = httpx.delete(f"{sim.control_url}/_simulator/faults")
    assert r.status_code == 200 and r.json() == {"removed": 0}


@pytest.mark.parametrize(
    "host",
    ["attacker.example:{port}", "attacker.example", "127.0.0.1:1", "localhost", "192.168.1.5:{port}", "::1"],
)
def test_a_foreign_host_cannot_read_the_endpoints(sim: Any, host: str) -> None:
    """DNS rebinding: the page's name now resolves to 127.0.0.1, but the Host header still says it."""
    r = httpx.get(f"{sim.control_url}/_simulator/endpoints", headers={"Host": host.format(port=port_of(sim))})
    assert r.status_code == 421
    body = r.json()
    assert body["error"]["code"] == "MisdirectedRequest"
    assert "clouds" not in body and "access-control-allow-origin" not in r.headers


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "[::1]", "127.0.0.2"])
def test_loopback_names_with_the_own_port_are_served(sim: Any, name: str) -> None:
    r = httpx.get(f"{sim.control_url}/_simulator/endpoints", headers={"Host": f"{name}:{port_of(sim)}"})
    assert r.status_code == 200 and "clouds" in r.json()


def test_a_cors_preflight_gets_no_cors_headers(sim: Any) -> None:
    r = httpx.request(
        "OPTIONS",
        f"{sim.control_url}/_simulator/reset",
        headers={
            "Origin": "https://evil.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert r.status_code == 403
    assert not [h for h in r.headers if h.lower().startswith("access-control-")]
    own = httpx.get(f"{sim.control_url}/_simulator/clock", headers={"Origin": sim.control_url})
    assert own.status_code == 200
    assert not [h for h in own.headers if h.lower().startswith("access-control-")]


def test_origin_null_is_foreign(sim: Any) -> None:
    r = httpx.post(f"{sim.control_url}/_simulator/provisioning/run", json={}, headers={"Origin": "null"})
    assert r.status_code == 403


def test_host_header_parsing() -> None:
    assert split_host("127.0.0.1:8080") == ("127.0.0.1", 8080)
    assert split_host("[::1]:9") == ("[::1]", 9)
    assert split_host("localhost") == ("localhost", None)
    assert split_host("::1") is None and split_host("a:b") is None and split_host("") is None
    assert is_loopback_name("127.9.9.9") and is_loopback_name("[::1]") and is_loopback_name("LOCALHOST")
    assert not is_loopback_name("0.0.0.0") and not is_loopback_name("localhost.evil.example")


def test_csrf_tokens_bind_the_form_to_the_browser_cookie() -> None:
    csrf = CsrfTokens(b"k" * 32)
    cookie = csrf.new_cookie()
    assert csrf.valid(cookie, csrf.token(cookie))
    assert not csrf.valid(csrf.new_cookie(), csrf.token(cookie))
    assert not csrf.valid(cookie, None) and not csrf.valid(None, csrf.token(cookie))
    assert not CsrfTokens(b"x" * 32).valid(cookie, csrf.token(cookie))


def test_a_browser_asking_for_html_gets_the_refusal_as_a_page(sim: Any) -> None:
    r = httpx.post(
        f"{sim.control_url}/console/time/advance",
        data={"by": "PT1H", "csrf_token": "<script>x</script>"},
        headers={"Origin": "https://evil.example", "Accept": "text/html,*/*"},
    )
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "https://evil.example" in r.text and "<script>" not in r.text
    assert r.headers["content-security-policy"] == "default-src 'none'"
