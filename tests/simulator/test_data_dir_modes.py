"""The data dir holds client secrets and private keys: it is 0700 and its secret files 0600."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import httpx

from simulator.testing import running_simulator
from tests.conftest import GraphHttp, tenant_of

#: Public certificates a client must read; everything else in the data dir is private.
PUBLIC = {"ca.pem", "server.pem"}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_files_are_private(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)  # the usual umask: without care, files would be 0644
    try:
        data = tmp_path / "fresh" / "data"
        with running_simulator(data_dir=data, durable=True, seed=5) as sim:
            doc = sim.endpoints()
            graph = GraphHttp(doc, tenant_of(doc, "commercial", "commercial"))
            assert (
                graph("PATCH", "/policies/crossTenantAccessPolicy", json={"displayName": "x"}).status_code
                == 204
            )
            r = httpx.post(f"{sim.control_url}/_simulator/snapshot/save", json={"name": "s1"})
            assert r.status_code == 200, r.text
            paths = sorted(p for p in data.rglob("*"))
            names = {p.name for p in paths}
            assert {"state.db", "endpoints.json", "ca-key.pem", "s1.json"} <= names
            assert _mode(data) == 0o700
            for p in paths:
                if p.is_dir():
                    assert _mode(p) == 0o700, p
                elif p.name not in PUBLIC:
                    assert _mode(p) == 0o600, (p, oct(_mode(p)))
    finally:
        os.umask(old_umask)


def test_an_existing_data_dir_is_tightened(tmp_path: Path) -> None:
    data = tmp_path / "old"
    with running_simulator(data_dir=data, durable=True, seed=5):
        pass
    os.chmod(data, 0o755)
    os.chmod(data / "state.db", 0o644)
    with running_simulator(data_dir=data, durable=True, seed=5):
        assert _mode(data) == 0o700
        assert _mode(data / "state.db") == 0o600
