"""``ccsync up`` / ``python -m simulator`` as a user runs them: a real process, real ports."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import token_result


def _wait_for(path: Path, proc: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"ccsync up exited early: {proc.stdout.read() if proc.stdout else ''}")
        if path.exists():
            try:
                return json.loads(path.read_text())
            except ValueError:
                pass
        time.sleep(0.2)
    raise AssertionError("endpoints.json never appeared")


def test_ccsync_up_serves_endpoints_and_prints_credentials(tmp_path: Path) -> None:
    env = {**os.environ, "COLUMNS": "250"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--data-dir", str(tmp_path), "--port-base", "0", "--seed", "5"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        doc = _wait_for(tmp_path / "endpoints.json", proc)
        assert Path(doc["ca_bundle"]).is_file() and str(tmp_path) in doc["ca_bundle"]
        served = httpx.get(f"{doc['control']}/_simulator/endpoints", timeout=10).json()
        assert served["clouds"] == doc["clouds"]
        china = next(t for t in doc["tenants"] if t["cloud"] == "china")
        app = china["apps"][0]
        assert "access_token" in token_result(doc, china, app["clientId"], app["clientSecret"])
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert app["clientSecret"] in out.replace("\n", "") or app["clientId"] in out
    assert "CA bundle" in out


def test_ccsync_up_rejects_a_bad_world_file_with_line_and_fix(tmp_path: Path) -> None:
    world = tmp_path / "w.yaml"
    world.write_text("version: 1\ntenants:\n  - name: X\n    cloud: azure\n")
    r = subprocess.run(
        [sys.executable, "-m", "simulator", "--data-dir", str(tmp_path), "--world", str(world)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2
    assert "line 4" in r.stdout and "azure" in r.stdout
    assert "Traceback" not in r.stdout + r.stderr
