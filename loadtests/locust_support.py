"""What the locust profiles share: the simulator's endpoints, app tokens, the load shape, traffic stats.

The profiles in ``loadtests/locustfiles/`` run under plain ``locust -f`` with ``--host`` set to the
simulator's control plane (``ccsync up`` prints it): the endpoints document, the CA and every tenant's
app credentials come from ``{host}/_simulator/endpoints``.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import msal
import requests
from locust import LoadTestShape, events
from locust.env import Environment
from locust.runners import LocalRunner, MasterRunner, WorkerRunner

from loadtests.shapes import SHAPES, shape_users

log = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def add_common_arguments(parser: Any) -> None:
    """The options every ccsync profile takes (locust shows them under its custom arguments)."""
    group = parser.add_argument_group("ccsync")
    group.add_argument(
        "--ccsync-shape",
        choices=SHAPES,
        default="steady",
        help="load shape over -t: steady (-u at -r), ramp (linear to -u by the end), plateau (to -u in a "
        "tenth of the time, then hold), spike (a quarter of -u, all of -u in the middle fifth)",
    )
    group.add_argument(
        "--ccsync-stats-file",
        default="",
        help="write the simulator's /_simulator/traffic/stats at the end of the run to this JSON file",
    )


@dataclass
class SimulatorSite:
    """One simulator as the profiles see it: its endpoints document and a token per (tenant, app)."""

    control: str
    doc: dict[str, Any]
    _apps: dict[tuple[str, str], msal.ConfidentialClientApplication] = field(default_factory=dict)

    @classmethod
    def fetch(cls, control: str) -> SimulatorSite:
        control = control.rstrip("/")
        try:
            doc = httpx.get(f"{control}/_simulator/endpoints", timeout=30).json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SystemExit(
                f"--host {control}: no ccsync control plane answered ({exc.__class__.__name__}); "
                "start one with 'ccsync up' and pass the control URL it prints"
            ) from None
        return cls(control, doc)

    @property
    def ca_bundle(self) -> str:
        return self.doc["ca_bundle"]

    def refresh(self) -> None:
        """Read the endpoints document again (tenants made after the first read)."""
        self.doc = httpx.get(f"{self.control}/_simulator/endpoints", timeout=30).json()

    def tenant(self, ref: str | None, cloud: str) -> dict[str, Any]:
        """A tenant by id or domain, or the first tenant of ``cloud`` when ``ref`` is empty."""
        for t in self.doc["tenants"]:
            if ref and ref.lower() in (t["id"], t["defaultDomain"].lower()):
                return t
            if not ref and t["cloud"] == cloud:
                return t
        raise SystemExit(f"no tenant {ref or 'in cloud ' + cloud} on {self.control}; see ccsync up's list")

    def graph(self, tenant: dict[str, Any]) -> str:
        return f"{self.doc['clouds'][tenant['cloud']]['graph']}/v1.0"

    def token(self, tenant: dict[str, Any], *, write: bool = True) -> str:
        """An app-only token from the tenant's cloud authority, through msal (cached by msal)."""
        app = _app(tenant, write)
        key = (tenant["id"], app["clientId"])
        cca = self._apps.get(key)
        if cca is None:
            cloud = self.doc["clouds"][tenant["cloud"]]
            session = requests.Session()
            session.trust_env = False  # a REQUESTS_CA_BUNDLE in the environment would override this CA
            session.verify = self.ca_bundle
            cca = msal.ConfidentialClientApplication(
                app["clientId"],
                client_credential=app["clientSecret"],
                authority=f"{cloud['login']}/{tenant['id']}",
                instance_discovery=False,
                http_client=session,
            )
            self._apps[key] = cca
        scope = self.doc["clouds"][tenant["cloud"]]["scope"]
        result = cca.acquire_token_for_client(scopes=[scope])
        if "access_token" not in result:
            raise RuntimeError(f"no token for tenant {tenant['defaultDomain']}: {result.get('error')}")
        return result["access_token"]


def _app(tenant: dict[str, Any], write: bool) -> dict[str, Any]:
    wanted = "User.ReadWrite.All" if write else "User.Read.All"
    return next(a for a in tenant["apps"] if wanted in a["permissions"])


def site(environment: Environment) -> SimulatorSite:
    """The environment's simulator, read once per process from ``--host``."""
    found = getattr(environment, "ccsync_site", None)
    if found is None:
        if not environment.host:
            raise SystemExit("pass --host: the simulator's control URL (ccsync up prints it)")
        found = SimulatorSite.fetch(environment.host)
        environment.ccsync_site = found  # type: ignore[attr-defined]
    return found


def retry_after(resp: Any) -> float:
    """Seconds a throttled response asks to wait (0 when it is not a 429/503 with Retry-After)."""
    if resp is None or resp.status_code not in (429, 503):
        return 0.0
    try:
        return max(0.0, float(resp.headers.get("Retry-After", "0")))
    except ValueError:
        return 0.0


class SelectableShape(LoadTestShape):
    """steady / ramp / plateau / spike over locust's own -u, -r and -t (``--ccsync-shape``)."""

    use_common_options = True

    def tick(self) -> tuple[int, float] | None:
        opts = self.runner.environment.parsed_options if self.runner else None
        users = int(getattr(opts, "num_users", None) or 1)
        rate = float(getattr(opts, "spawn_rate", None) or users)
        run_time = float(getattr(opts, "run_time", None) or 0)
        shape = getattr(opts, "ccsync_shape", "steady")
        t = self.get_run_time()
        if run_time and t >= run_time:
            return None
        return shape_users(shape, users, t, run_time), rate


@events.quitting.add_listener
def _read_traffic_stats(environment: Environment, **_: Any) -> None:
    """At the end of every run (as locust quits, after its workers), the simulator's own counts."""
    if isinstance(environment.runner, WorkerRunner) or not isinstance(
        environment.runner, (LocalRunner, MasterRunner)
    ):
        return
    if not environment.host:
        return
    try:
        stats = httpx.get(f"{environment.host.rstrip('/')}/_simulator/traffic/stats", timeout=30).json()
    except (httpx.HTTPError, ValueError) as exc:
        log.warning("could not read the simulator's traffic stats: %s", exc.__class__.__name__)
        return
    totals = stats.get("totals", {})
    log.info(
        "simulator traffic: %s requests, %s RU, %s throttled, %s Retry-After violations",
        totals.get("requests"),
        totals.get("resource_units"),
        totals.get("throttled"),
        totals.get("retry_after_violations"),
    )
    out = getattr(environment.parsed_options, "ccsync_stats_file", "")
    if out:
        Path(out).write_text(json.dumps(stats, indent=2))
