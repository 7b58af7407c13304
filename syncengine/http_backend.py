"""``HttpGraph``: the seam over HTTPS — msal for tokens, httpx for Graph; real clouds or the simulator."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import msal
import requests

from syncengine.backend import GraphBackend, GraphCall, GraphResult, Identity
from syncengine.clouds import CLOUDS
from syncengine.errors import TokenError, TransportError


@dataclass(frozen=True)
class CloudEndpoints:
    """Where one cloud's login authority and Graph root are, and the scope for app tokens."""

    login: str
    graph: str
    scope: str


#: The real Microsoft clouds (graph-protocol.md §1.1).
REAL_CLOUDS: dict[str, CloudEndpoints] = {
    cloud.value: CloudEndpoints(info.login_authority, info.graph_root, info.graph_scope)
    for cloud, info in CLOUDS.items()
}

_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")

SecretSource = Callable[[Identity], str]


def clouds_from_endpoints(doc: Mapping[str, Any]) -> dict[str, CloudEndpoints]:
    """The clouds of a simulator's ``endpoints.json``."""
    return {
        name: CloudEndpoints(c["login"], c["graph"], c.get("scope") or f"https://{c['graph_host']}/.default")
        for name, c in doc["clouds"].items()
    }


class HttpGraph(GraphBackend):
    """Graph over HTTPS with app-only tokens from each cloud's own authority, cached per identity."""

    def __init__(
        self,
        secrets: SecretSource | Mapping[str, str],
        clouds: Mapping[str, CloudEndpoints] | None = None,
        *,
        ca_bundle: str | None = None,
        timeout: float = 60.0,
    ) -> None:
        self._clouds = dict(clouds or REAL_CLOUDS)
        self._secret = secrets if callable(secrets) else (lambda ident, m=dict(secrets): m[ident.client_id])
        self._ca = ca_bundle
        self._http = httpx.Client(verify=ca_bundle if ca_bundle else True, timeout=timeout)
        self._apps: dict[Identity, msal.ConfidentialClientApplication] = {}
        self._lock = threading.Lock()

    @classmethod
    def for_simulator(cls, doc: Mapping[str, Any]) -> HttpGraph:
        """A backend for a simulator's ``endpoints.json``: its clouds, its CA and every app's secret."""
        secrets = {a["clientId"]: a["clientSecret"] for t in doc["tenants"] for a in t["apps"]}
        return cls(secrets, clouds_from_endpoints(doc), ca_bundle=doc["ca_bundle"])

    def close(self) -> None:
        self._http.close()

    def _cloud(self, identity: Identity) -> CloudEndpoints:
        try:
            return self._clouds[identity.cloud]
        except KeyError:
            raise ValueError(f"no endpoints configured for cloud {identity.cloud!r}") from None

    def _app(self, identity: Identity) -> msal.ConfidentialClientApplication:
        with self._lock:
            app = self._apps.get(identity)
            if app is None:
                cloud = self._cloud(identity)
                local = urlsplit(cloud.login).hostname in _LOCAL_HOSTS
                session = requests.Session()
                if self._ca:
                    # trust_env off: a REQUESTS_CA_BUNDLE in the environment would override this CA
                    session.trust_env = False
                    session.verify = self._ca
                app = msal.ConfidentialClientApplication(
                    identity.client_id,
                    client_credential=self._secret(identity),
                    authority=f"{cloud.login}/{identity.tenant_id}",
                    instance_discovery=not local,
                    http_client=session,
                )
                self._apps[identity] = app
            return app

    def token(self, identity: Identity) -> str:
        """An access token for the identity's cloud Graph (from msal's cache while it is fresh)."""
        try:
            result = self._app(identity).acquire_token_for_client(scopes=[self._cloud(identity).scope])
        except ValueError as exc:  # msal: authority refused (unknown tenant, wrong cloud)
            raise TokenError("invalid_authority", str(exc)) from None
        if "access_token" not in result:
            raise TokenError(
                str(result.get("error")), str(result.get("error_description", "")).split("\r\n")[0]
            )
        return result["access_token"]

    def send(self, identity: Identity, call: GraphCall) -> GraphResult:
        url = (
            call.path
            if call.path.startswith("https://")
            else f"{self._cloud(identity).graph}/{call.version}{call.path}"
        )
        headers = {"Authorization": f"Bearer {self.token(identity)}", **call.headers}
        content = None
        if call.body is not None:
            content = json.dumps(call.body).encode()
            headers.setdefault("Content-Type", "application/json")
        try:
            resp = self._http.request(
                call.method, url, params=dict(call.query) or None, headers=headers, content=content
            )
        except httpx.TransportError as exc:
            raise TransportError(f"{call.method} {urlsplit(url).path}: {exc.__class__.__name__}") from None
        return GraphResult(resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, _body(resp))


def _body(resp: httpx.Response) -> Any:
    if not resp.content:
        return None
    ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return resp.json()
        except ValueError:
            return resp.text
    return resp.text
