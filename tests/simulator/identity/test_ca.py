"""The simulator's CA and server certificate: made once, reused, renewed when they no longer fit."""

from __future__ import annotations

import ipaddress
import os
import socket
import ssl
import stat
import threading
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec

from simulator.clouds import AUTHORITY_ALIASES, CLOUDS
from simulator.identity import ca
from simulator.identity.ca import ensure_tls, server_ssl_context


def load(path: Path) -> x509.Certificate:
    return x509.load_pem_x509_certificate(path.read_bytes())


def names(cert: x509.Certificate) -> tuple[set[str], set[str]]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return set(san.get_values_for_type(x509.DNSName)), {
        str(i) for i in san.get_values_for_type(x509.IPAddress)
    }


def test_first_call_creates_a_ca_and_a_server_certificate_with_private_keys(tmp_path: Path) -> None:
    tls = ensure_tls(tmp_path)
    for path in (tls.ca_bundle, tls.cert, tls.key):
        assert path.exists()
    assert stat.S_IMODE(os.stat(tls.key).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(tls.key.with_name("ca-key.pem")).st_mode) == 0o600
    root, server = load(tls.ca_bundle), load(tls.cert)
    assert root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    server.verify_directly_issued_by(root)
    assert isinstance(server.public_key(), ec.EllipticCurvePublicKey)
    assert server.public_key().curve.name == "secp256r1"


def test_server_certificate_covers_loopback_and_every_real_host(tmp_path: Path) -> None:
    dns, ips = names(load(ensure_tls(tmp_path).cert))
    assert {"127.0.0.1", str(ipaddress.ip_address("::1"))} <= ips
    assert "localhost" in dns
    for aliases in AUTHORITY_ALIASES.values():
        assert set(aliases) <= dns
    for info in CLOUDS.values():
        assert {info.graph_host, info.login_host} <= dns


def test_second_call_reuses_the_material(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path)
    before = {p: p.read_bytes() for p in (first.ca_bundle, first.cert, first.key)}
    second = ensure_tls(tmp_path)
    assert second == first
    assert {p: p.read_bytes() for p in (second.ca_bundle, second.cert, second.key)} == before


def test_changed_host_names_reissue_the_server_certificate_but_keep_the_ca(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ensure_tls(tmp_path)
    root, server = first.ca_bundle.read_bytes(), first.cert.read_bytes()
    dns, ips = ca.server_names()
    monkeypatch.setattr(ca, "server_names", lambda: (sorted([*dns, "graph.example.test"]), ips))
    again = ensure_tls(tmp_path)
    assert again.ca_bundle.read_bytes() == root
    assert again.cert.read_bytes() != server
    assert "graph.example.test" in names(load(again.cert))[0]


def test_missing_server_key_is_replaced(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path)
    root = first.ca_bundle.read_bytes()
    first.key.unlink()
    again = ensure_tls(tmp_path)
    assert again.key.exists() and again.ca_bundle.read_bytes() == root
    server_ssl_context(again)  # key and certificate match


def test_expiring_material_is_renewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = ensure_tls(tmp_path)
    root = first.ca_bundle.read_bytes()
    # Pretend both certificates are inside the renewal window.
    monkeypatch.setattr(ca, "RENEW_BEFORE", timedelta(days=100_000))
    monkeypatch.setattr(ca, "CA_LIFETIME", timedelta(days=200_000))
    again = ensure_tls(tmp_path)
    assert again.ca_bundle.read_bytes() != root
    load(again.cert).verify_directly_issued_by(load(again.ca_bundle))


def test_damaged_ca_is_replaced_together_with_the_server_certificate(tmp_path: Path) -> None:
    first = ensure_tls(tmp_path)
    first.ca_bundle.write_text("not a certificate")
    again = ensure_tls(tmp_path)
    load(again.cert).verify_directly_issued_by(load(again.ca_bundle))


def test_server_context_completes_a_verified_handshake_for_a_real_host_name(tmp_path: Path) -> None:
    tls = ensure_tls(tmp_path)
    server_ctx = server_ssl_context(tls)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def accept_one() -> None:
        conn, _ = listener.accept()
        with server_ctx.wrap_socket(conn, server_side=True) as tls_conn:
            tls_conn.sendall(b"hi")

    worker = threading.Thread(target=accept_one, daemon=True)
    worker.start()
    client_ctx = ssl.create_default_context(cafile=str(tls.ca_bundle))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with client_ctx.wrap_socket(raw, server_hostname="graph.microsoft.com") as conn:
            assert conn.recv(2) == b"hi"
    worker.join(5)
    listener.close()
