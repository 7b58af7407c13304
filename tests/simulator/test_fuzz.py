"""Fuzzing: generated bodies, query strings and headers for every Graph route and the control plane.

Properties, for every request: no 500 (``501 NotImplemented`` is an honest answer), the server keeps
answering, and a refused write (4xx) leaves the directory exactly as it was.

``make test`` runs a bounded, derandomized sample; ``make fuzz`` runs many more examples
(``CCSYNC_FUZZ_EXAMPLES``) and writes the figures to ``CCSYNC_FUZZ_REPORT`` (docs/reliability.md).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import string
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import GraphHttp, app_of, control_tenant

GRAPH_EXAMPLES = int(os.environ.get("CCSYNC_FUZZ_EXAMPLES", "1000"))
CONTROL_EXAMPLES = max(GRAPH_EXAMPLES // 4, 100)
REPORT = os.environ.get("CCSYNC_FUZZ_REPORT")
LONG_RUN = "CCSYNC_FUZZ_EXAMPLES" in os.environ

FUZZ = settings(
    max_examples=GRAPH_EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,  # make test: the same examples every run; make fuzz: fresh ones
    database=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)

# -- what a request is made of -------------------------------------------------------------------

_NAMES = (
    "displayName accountEnabled mailNickname userPrincipalName passwordProfile password jobTitle department "
    "givenName surname usageLocation employeeId otherMails businessPhones identities description groupTypes "
    "securityEnabled mailEnabled members@odata.bind @odata.id @odata.type appId tags appRoles web "
    "requiredResourceAccess identifierUris notes tenantId isServiceProvider inboundTrust allowedCloudEndpoints "
    "userSyncInbound isSyncAllowed automaticUserConsentSettings inboundAllowed outboundAllowed "
    "invitedUserEmailAddress inviteRedirectUrl invitedUserDisplayName invitedUserType sendInvitationMessage "
    "requests id method url body headers dependsOn keyId passwordCredential addLicenses removeLicenses skuId "
    "disabledPlans principalId resourceId appRoleId templateId credentials key value useSavedCredentials "
    "parameters subjects objectId objectTypeName ruleId criteria resetScope value"
).split()

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=40),
    st.sampled_from(["", "x" * 300, "a@b.example", "00000000-0000-0000-0000-000000000000", "\x07", "Z"]),
)
_keys = st.one_of(st.sampled_from(_NAMES), st.text(max_size=12))
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(_keys, inner, max_size=6)),
    max_leaves=16,
)
_raw_bodies = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(
        [
            b'{"displayName": "bad \\ud800 app"}',
            b"[" * 3000 + b"]" * 3000,
            b'{"a": "\\u0000"}',
            b"{",
            b"null",
            b'"text"',
            b'{"displayName": "' + b"x" * 70000 + b'"}',
        ]
    ),
)

_QUERY_OPTIONS = (
    "$filter",
    "$select",
    "$top",
    "$orderby",
    "$count",
    "$search",
    "$skiptoken",
    "$expand",
    "$skip",
)
_query_values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "displayName eq 'x'",
            "startswith(displayName,'a')",
            "id in ('a','b')",
            "displayName",
            "displayName desc",
            "id,displayName",
            "5",
            "0",
            "-1",
            "1000000",
            "true",
            '"x"',
            "accountEnabled eq true and (",
            "not(x)",
            "a/any(c:c eq 'x')",
            "'" * 40,
            "(" * 500,
        ]
    ),
)
_queries = st.dictionaries(
    st.one_of(st.sampled_from(_QUERY_OPTIONS), st.text(max_size=8)), _query_values, max_size=4
)
_headers = st.fixed_dictionaries(
    {},
    optional={
        "ConsistencyLevel": st.sampled_from(["eventual", "Eventual", "strong", ""]),
        "Content-Type": st.sampled_from(
            [
                "application/json",
                "text/plain",
                "application/xml",
                "multipart/form-data",
                "application/json; charset=utf-16",
            ]
        ),
        "Prefer": st.sampled_from(["return=minimal", "odata.maxpagesize=3", "x"]),
        "If-Match": st.sampled_from(["*", 'W/"1"']),
    },
)
_segment = st.text(alphabet=string.ascii_letters + string.digits + "-_.'()%~", min_size=1, max_size=40)


def _templates(sim: Any) -> list[tuple[str, str]]:
    """(method, path template with {param}) of every Graph route, read from the router."""
    out = []
    for route in sim.router.routes:
        text = route.pattern.pattern.removeprefix("^").removesuffix("$")
        text = re.sub(r"\(\?P<(\w+)>\[\^/\]\+\)", r"{\1}", text).replace("\\", "")
        out.append((route.method, text))
    return out


def _fingerprint(sim: Any, tenant_id: str | None = None) -> str:
    """A digest of the directory (one tenant, or every tenant) as a snapshot would save it."""
    with sim.store.lock:
        if tenant_id is not None:
            doc: Any = sim.store.tenants[tenant_id].to_dict()
        else:
            doc = sim.store.snapshot()
    return hashlib.sha256(json.dumps(doc, sort_keys=True, default=str).encode()).hexdigest()


class Stats:
    """What the fuzzing sent and got back (written to the report of ``make fuzz``)."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.statuses: Counter[int] = Counter()
        self.families: Counter[str] = Counter()
        self.refused_writes = 0

    def add(self, family: str, status: int) -> None:
        self.statuses[status] += 1
        self.families[family] += 1

    def report(self) -> dict[str, Any]:
        return {
            "requests": sum(self.statuses.values()),
            "statuses": dict(sorted(self.statuses.items())),
            "families": dict(sorted(self.families.items())),
            "refusedWritesChecked": self.refused_writes,
            "http500": self.statuses.get(500, 0),
            "seconds": round(time.monotonic() - self.started, 1),
        }


@pytest.fixture(scope="module")
def stats() -> Iterator[Stats]:
    s = Stats()
    yield s
    if REPORT:
        path = Path(REPORT)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(s.report(), indent=1))


#: A small world (fuzz_world.yaml): every reset the fuzzing triggers rebuilds it quickly.
SIMULATOR = {"seed": 99, "durable": True, "world": "fuzz_world.yaml"}


@pytest.fixture(scope="module")
def target(sim: Any) -> dict[str, Any]:
    tenant = control_tenant(sim, "commercial", 6, name="Fuzz Co")
    graph = GraphHttp(sim.endpoints(), tenant, app_of(tenant))
    ids: dict[str, list[str]] = {}
    for kind, key in (
        ("users", "uid"),
        ("groups", "gid"),
        ("applications", "aid"),
        ("servicePrincipals", "sid"),
    ):
        ids[key] = [o["id"] for o in graph("GET", f"/{kind}?$top=5&$select=id").json()["value"]]
    ids["mid"] = ids["uid"]
    ids["oid"] = ids["uid"] + ids["gid"]
    ids["tid"] = [t["id"] for t in sim.endpoints()["tenants"][:3]]
    return {"tenant": tenant, "graph": graph, "ids": ids}


#: A valid body per route family; the fuzzing mutates one of them half of the time, so requests get
#: past the first checks into the handlers.
_VALID: dict[str, dict[str, Any]] = {
    "users": {
        "accountEnabled": True,
        "displayName": "Fuzz User",
        "mailNickname": "fuzz",
        "userPrincipalName": "fuzz@fuzzhome.onmicrosoft.com",
        "passwordProfile": {"password": "Xy!12345678"},
        "jobTitle": "t",
    },
    "groups": {"displayName": "Fuzz", "mailEnabled": False, "mailNickname": "fz", "securityEnabled": True},
    "applications": {"displayName": "Fuzz app", "tags": ["a"], "notes": "n"},
    "servicePrincipals": {"appId": "00000000-0000-0000-0000-000000000000", "accountEnabled": True},
    "invitations": {"invitedUserEmailAddress": "g@fabrikam.example", "inviteRedirectUrl": "https://x"},
    "policies": {
        "tenantId": "00000000-0000-0000-0000-000000000001",
        "displayName": "p",
        "userSyncInbound": {"isSyncAllowed": True},
        "automaticUserConsentSettings": {"inboundAllowed": True},
        "allowedCloudEndpoints": ["microsoftonline.us"],
    },
    "$batch": {
        "requests": [
            {"id": "1", "method": "GET", "url": "/users?$top=1"},
            {"id": "2", "method": "POST", "url": "/groups", "body": {"displayName": "b"}, "headers": {}},
            {"id": "3", "method": "DELETE", "url": "/users/x", "dependsOn": ["1"]},
        ]
    },
    "applicationTemplates": {"displayName": "Fuzz sync"},
}


@st.composite
def _mutated(draw: Any, family: str) -> Any:
    body = json.loads(json.dumps(_VALID.get(family, {"displayName": "x"})))
    for _ in range(draw(st.integers(0, 2))):
        keys = list(body)
        choice = draw(st.integers(0, 3))
        if choice == 0 and keys:
            body[draw(st.sampled_from(keys))] = draw(_json)
        elif choice == 1 and keys:
            del body[draw(st.sampled_from(keys))]
        elif choice == 2:
            body[draw(_keys)] = draw(_scalars)
        elif keys:
            k = draw(st.sampled_from(keys))
            if isinstance(body[k], list) and body[k]:
                i = draw(st.integers(0, len(body[k]) - 1))
                body[k][i] = draw(_json)
    return body


def _fill(template: str, ids: dict[str, list[str]], draw: Any) -> str:
    def one(m: re.Match[str]) -> str:
        known = ids.get(m.group(1), [])
        if known and draw(st.integers(0, 9)) < 8:
            return draw(st.sampled_from(known))
        return draw(_segment)

    return re.sub(r"\{(\w+)\}", one, template)


@st.composite
def graph_requests(draw: Any, templates: list[tuple[str, str]], ids: dict[str, list[str]]) -> dict[str, Any]:
    method, template = draw(st.sampled_from(templates))
    if draw(st.integers(0, 9)) == 0:
        method = draw(st.sampled_from(["GET", "POST", "PATCH", "PUT", "DELETE"]))
    request: dict[str, Any] = {
        "method": method,
        "path": _fill(template, ids, draw),
        "family": template.strip("/").split("/")[0],
        "params": draw(_queries),
        "headers": draw(_headers),
    }
    if method in ("POST", "PATCH", "PUT"):
        pick = draw(st.integers(0, 9))
        if pick == 0:
            request["content"] = draw(_raw_bodies)
        elif pick < 6:
            request["content"] = json.dumps(draw(_mutated(request["family"]))).encode()
        else:
            request["content"] = json.dumps(draw(_json)).encode()
            request["headers"].setdefault("Content-Type", "application/json")
    return request


def test_graph_routes_never_answer_500_and_refused_writes_change_nothing(
    sim: Any, target: dict[str, Any], stats: Stats
) -> None:
    graph: GraphHttp = target["graph"]
    tenant_id = target["tenant"]["id"]

    @FUZZ
    @given(req=graph_requests(_templates(sim), target["ids"]))
    def check(req: dict[str, Any]) -> None:
        before = _fingerprint(sim, tenant_id) if req["method"] != "GET" else None
        r = graph(
            req["method"],
            req["path"],
            params=req["params"],
            headers=req["headers"],
            content=req.get("content"),
        )
        stats.add(req["family"], r.status_code)
        assert r.status_code < 500 or r.status_code in (501, 503), (req, r.status_code, r.text[:300])
        if before is not None and r.status_code >= 400:
            stats.refused_writes += 1
            assert _fingerprint(sim, tenant_id) == before, (
                "a refused write changed the directory",
                req,
                r.text,
            )

    check()
    assert graph("GET", "/organization").status_code == 200  # still answering


_CONTROL = (
    ("POST", "/reset"),
    ("POST", "/tenants"),
    ("POST", "/clock"),
    ("POST", "/clock/advance"),
    ("PUT", "/snapshot"),
    ("POST", "/snapshot/save"),
    ("POST", "/snapshot/load"),
    ("PUT", "/traffic"),
    ("POST", "/traffic"),
    ("PUT", "/chaos"),
    ("POST", "/chaos"),
    ("POST", "/faults"),
    ("DELETE", "/faults/{x}"),
    ("POST", "/tenants/{x}/delta/reset"),
    ("PUT", "/tenants/{x}/cross-cloud-sync/{x}"),
)
_CONTROL_KEYS = (
    "seed empty world cloud flavor users name domain id licences mode now by clock tenants format kind "
    "profile factor method path path_regex count status body headers drop retry_after enabled error_rate"
).split()
_control_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(_CONTROL_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=10,
)


@st.composite
def control_requests(draw: Any) -> dict[str, Any]:
    method, template = draw(st.sampled_from(_CONTROL))
    path = re.sub(r"\{x\}", lambda _: draw(_segment), template)
    body = draw(
        st.one_of(_control_json, st.dictionaries(st.sampled_from(_CONTROL_KEYS), _scalars, max_size=4))
    )
    raw = draw(_raw_bodies) if draw(st.integers(0, 5)) == 0 else json.dumps(body).encode()
    return {"method": method, "path": path, "content": raw}


def test_the_control_plane_never_answers_500_and_refusals_change_nothing(sim: Any, stats: Stats) -> None:
    client = httpx.Client(base_url=f"{sim.control_url}/_simulator", timeout=120)

    @settings(FUZZ, max_examples=CONTROL_EXAMPLES)
    @given(req=control_requests())
    def check(req: dict[str, Any]) -> None:
        before = _fingerprint(sim)
        r = client.request(
            req["method"], req["path"], content=req["content"], headers={"Content-Type": "application/json"}
        )
        stats.add("_simulator", r.status_code)
        assert r.status_code < 500, (req["method"], req["path"], req["content"][:200], r.text[:300])
        if r.status_code >= 400:
            stats.refused_writes += 1
            assert _fingerprint(sim) == before, ("a refused control-plane call changed state", req, r.text)
        else:  # accepted: put the simulator back to a plain state for the next example
            client.delete("/faults")
            client.request("PUT", "/traffic", json={"profile": "off"})
            client.request("PUT", "/chaos", json={})
            client.post("/clock", json={"mode": "real"})

    try:
        check()
        assert client.get("/endpoints").status_code == 200
    finally:
        client.close()
