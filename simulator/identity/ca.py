"""The simulator's own certificate authority and the one server certificate its HTTPS endpoints present."""

from __future__ import annotations

import fcntl
import ipaddress
import os
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from simulator.clouds import AUTHORITY_ALIASES, AUTHORITY_HOSTS, CLOUDS

CA_LIFETIME = timedelta(days=3650)
#: Kept under 825 days so that strict TLS clients (macOS, some browsers) accept the certificate too.
SERVER_LIFETIME = timedelta(days=800)
#: Certificates this close to expiry are replaced on the next start rather than left to fail mid-run.
RENEW_BEFORE = timedelta(days=30)

LOCAL_IPS = ("127.0.0.1", "::1")


@dataclass(frozen=True)
class TlsMaterial:
    """Paths of the CA bundle clients must trust and of the server certificate and key."""

    ca_bundle: Path
    cert: Path
    key: Path


def server_names() -> tuple[list[str], list[str]]:
    """(DNS names, IP addresses) the server certificate must cover: local addresses and every real host."""
    dns = {"localhost"}
    for aliases in AUTHORITY_ALIASES.values():
        dns.update(aliases)
    dns.update(AUTHORITY_HOSTS.values())
    for info in CLOUDS.values():
        dns.update((info.graph_host, info.login_host))
    return sorted(dns), list(LOCAL_IPS)


def ensure_tls(data_dir: Path) -> TlsMaterial:
    """The CA and server certificate under ``data_dir/tls``: made on first call, reused while still right.

    The CA is kept as long as it is valid, so clients that already trust it keep trusting; the server
    certificate is reissued when it is missing, near expiry, not signed by the CA, or its names changed.
    """
    tls_dir = Path(data_dir) / "tls"
    tls_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    material = TlsMaterial(tls_dir / "ca.pem", tls_dir / "server.pem", tls_dir / "server-key.pem")
    ca_key_path = tls_dir / "ca-key.pem"
    # Several simulator processes may share a data dir; only one may (re)write the files at a time.
    with _locked(tls_dir / ".lock"):
        now = datetime.now(UTC)
        ca = _load_pair(material.ca_bundle, ca_key_path)
        if ca is None or not _ca_usable(ca[0], now):
            ca = _new_ca(now)
            _write_pair(ca, material.ca_bundle, ca_key_path)
            server = None
        else:
            server = _load_pair(material.cert, material.key)
        if server is None or not _server_usable(server[0], ca[0], now):
            server = _new_server(ca, now)
            _write_pair(server, material.cert, material.key)
    return material


def server_ssl_context(tls: TlsMaterial) -> ssl.SSLContext:
    """A server-side TLS context presenting the simulator's certificate (TLS 1.2+, HTTP/1.1)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(tls.cert), str(tls.key))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


# -- checks ------------------------------------------------------------------------------

_Pair = tuple[x509.Certificate, ec.EllipticCurvePrivateKey]


def _ca_usable(cert: x509.Certificate, now: datetime) -> bool:
    try:
        basic = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return False
    return basic.ca and cert.not_valid_after_utc - RENEW_BEFORE > now


def _server_usable(cert: x509.Certificate, ca: x509.Certificate, now: datetime) -> bool:
    if cert.not_valid_after_utc - RENEW_BEFORE <= now:
        return False
    try:
        cert.verify_directly_issued_by(ca)
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (ValueError, TypeError, InvalidSignature, x509.ExtensionNotFound):
        return False
    dns, ips = server_names()
    have_dns = sorted(san.get_values_for_type(x509.DNSName))
    have_ips = sorted(str(ip) for ip in san.get_values_for_type(x509.IPAddress))
    return have_dns == dns and have_ips == sorted(ips)


# -- issuing -----------------------------------------------------------------------------


def _new_ca(now: datetime) -> _Pair:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ccsync"),
            x509.NameAttribute(NameOID.COMMON_NAME, f"ccsync local simulator CA {now:%Y-%m-%d %H%M%S}"),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + CA_LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _new_server(ca: _Pair, now: datetime) -> _Pair:
    ca_cert, ca_key = ca
    key = ec.generate_private_key(ec.SECP256R1())
    dns, ips = server_names()
    san = x509.SubjectAlternativeName(
        [x509.DNSName(d) for d in dns] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]
    )
    ca_ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ccsync simulator")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(min(now + SERVER_LIFETIME, ca_cert.not_valid_after_utc))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(san, critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    return cert, key


# -- files -------------------------------------------------------------------------------


def _load_pair(cert_path: Path, key_path: Path) -> _Pair | None:
    """The certificate and key stored at the two paths, or None when either is missing or damaged."""
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.public_key() != cert.public_key():
        return None
    return cert, key


def _write_pair(pair: _Pair, cert_path: Path, key_path: Path) -> None:
    cert, key = pair
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # Key first: a reader never sees a new certificate next to the old key for long.
    _atomic_write(key_path, key_pem, 0o600)
    _atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _atomic_write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    # The mode is set at creation, so a private key is never readable by others, not even briefly.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with os.fdopen(os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
