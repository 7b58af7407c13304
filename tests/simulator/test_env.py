"""``ccsync env``: after ``eval "$(ccsync env)"`` requests, msal and a locust HttpUser trust the simulator,
even on a machine whose ``REQUESTS_CA_BUNDLE`` already points at the system bundle."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from simulator.testing import running_simulator
from simulator.trust import system_bundle

CCSYNC = [sys.executable, "-m", "ccsync.cli"]
CLIENTS = """
import json, os, sys, msal, requests
doc = json.load(open(sys.argv[1]))
tenant = next(t for t in doc["tenants"] if t["cloud"] == "gcch")
app, cloud = tenant["apps"][0], doc["clouds"]["gcch"]
cca = msal.ConfidentialClientApplication(
    app["clientId"], client_credential=app["clientSecret"], authority=f"{cloud['login']}/{tenant['id']}",
    instance_discovery=False, verify=os.environ["REQUESTS_CA_BUNDLE"],
)
token = cca.acquire_token_for_client(scopes=[cloud["scope"]])["access_token"]
r = requests.get(f"{cloud['graph']}/v1.0/organization", headers={"Authorization": f"Bearer {token}"})
print("graph", r.status_code, r.json()["value"][0]["id"] == tenant["id"])
"""
LOCUSTFILE = """
import json, os, gevent, msal
from locust import HttpUser, constant, task

doc = json.load(open(os.environ["CCSYNC_ENDPOINTS"]))
tenant = next(t for t in doc["tenants"] if t["cloud"] == "gcch")
app, cloud = tenant["apps"][0], doc["clouds"]["gcch"]

class GraphReader(HttpUser):
    host = cloud["graph"]
    wait_time = constant(0.1)

    def on_start(self):
        # locust's HttpUser turns requests' trust_env off, so no variable reaches it: name the bundle
        self.client.verify = os.environ["REQUESTS_CA_BUNDLE"]
        cca = msal.ConfidentialClientApplication(
            app["clientId"], client_credential=app["clientSecret"],
            authority=f"{cloud['login']}/{tenant['id']}", instance_discovery=False,
        )
        token = cca.acquire_token_for_client(scopes=[cloud["scope"]])["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    @task
    def organization(self):
        self.client.get("/v1.0/organization")
        GraphReader.done += 1
        if GraphReader.done >= 10:  # enough to prove trust; -t is only the upper bound
            gevent.spawn(self.environment.runner.quit)  # from outside this user's greenlet

    done = 0
"""


@pytest.fixture(scope="module")
def simulator_endpoints() -> Iterator[Path]:
    with running_simulator() as sim:
        yield sim.data_dir / "endpoints.json"


@pytest.fixture(scope="module")
def clients_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A script using requests and msal (``verify=``) as a user's code would, with no CA set in code."""
    path = tmp_path_factory.mktemp("clients") / "clients.py"
    path.write_text(CLIENTS)
    return path


def _bash(script: str, env: dict[str, str], timeout: float = 90) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", "-c", script], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def _corporate_env(endpoints: Path) -> dict[str, Any]:
    system = str(system_bundle())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CCSYNC_SAVED_")}
    env.update(
        REQUESTS_CA_BUNDLE=system,
        CURL_CA_BUNDLE=system,
        SSL_CERT_FILE=system,
        CCSYNC_ENDPOINTS=str(endpoints),
    )
    env.pop("NODE_EXTRA_CA_CERTS", None)
    return env


def test_without_ccsync_env_clients_fail_certificate_verification(
    simulator_endpoints: Path, clients_script: Path
) -> None:
    script = f'"{sys.executable}" {clients_script} "$CCSYNC_ENDPOINTS"'

    r = _bash(script, _corporate_env(simulator_endpoints))

    assert r.returncode != 0
    assert "CERTIFICATE_VERIFY_FAILED" in r.stderr


def test_requests_and_msal_with_verify_trust_the_simulator_after_eval(
    simulator_endpoints: Path, clients_script: Path
) -> None:
    ccsync = " ".join(CCSYNC)
    script = f'eval "$({ccsync} env --endpoints "$CCSYNC_ENDPOINTS")" && "{sys.executable}" {clients_script} "$CCSYNC_ENDPOINTS"'

    r = _bash(script, _corporate_env(simulator_endpoints))

    assert r.returncode == 0, r.stderr
    assert "graph 200 True" in r.stdout
    bundle = (simulator_endpoints.parent / "ca-combined.pem").read_text()
    assert Path(system_bundle()).read_text().strip()[:200] in bundle  # real sites stay trusted


@pytest.mark.skipif(shutil.which("locust", path=str(Path(sys.executable).parent)) is None, reason="locust")
def test_a_locust_http_user_runs_against_the_simulator_after_eval(
    simulator_endpoints: Path, tmp_path: Path
) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(textwrap.dedent(LOCUSTFILE))
    locust = Path(sys.executable).parent / "locust"
    ccsync = " ".join(CCSYNC)
    script = (
        f'eval "$({ccsync} env --endpoints "$CCSYNC_ENDPOINTS")" && '
        f'"{locust}" -f {locustfile} --headless -u 2 -r 2 -t 30s --only-summary --exit-code-on-error 1 '
        f"--json-file {tmp_path / 'run'}"
    )

    r = _bash(script, _corporate_env(simulator_endpoints), timeout=60)

    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    # locust's CSV is rewritten once a second and not at exit, so a short run can leave it empty;
    # the JSON file is written from the final statistics at shutdown
    stats = json.loads((tmp_path / "run.json").read_text())
    requests_made = sum(entry["num_requests"] for entry in stats)
    failures = sum(entry["num_failures"] for entry in stats)
    assert requests_made >= 10 and failures == 0


def test_unset_puts_back_the_variables_as_they_were(simulator_endpoints: Path) -> None:
    ccsync = " ".join(CCSYNC)
    env_cmd = f'eval "$({ccsync} env --endpoints "$CCSYNC_ENDPOINTS")"'
    script = (  # twice, as a user re-running it in the same shell would: one --unset still restores
        f'{env_cmd} && {env_cmd} && echo "during $REQUESTS_CA_BUNDLE" && '
        f'eval "$({ccsync} env --unset)" && echo "after $REQUESTS_CA_BUNDLE ${{NODE_EXTRA_CA_CERTS-unset}}"'
    )

    r = _bash(script, _corporate_env(simulator_endpoints))

    assert r.returncode == 0, r.stderr
    assert "during " + str(simulator_endpoints.parent / "ca-combined.pem") in r.stdout
    assert f"after {system_bundle()} unset" in r.stdout


def test_env_without_a_running_simulator_says_how_to_start_one(tmp_path: Path) -> None:
    r = subprocess.run(
        [*CCSYNC, "env", "--endpoints", str(tmp_path / "missing.json")], capture_output=True, text=True
    )

    assert r.returncode == 2 and r.stdout == ""
    assert "ccsync up" in r.stderr and "Traceback" not in r.stderr
