"""Token signing keys: one RSA key per login authority, published as a JWKS document."""

from __future__ import annotations

import base64
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulator.clouds import Authority


def b64url(data: bytes) -> str:
    """Unpadded base64url, the encoding of JWK numbers and thumbprints."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@dataclass(frozen=True)
class SigningKey:
    """The private key an authority signs access tokens with, and its public certificate."""

    authority: Authority
    private_key: rsa.RSAPrivateKey
    certificate: x509.Certificate
    #: base64url SHA-1 thumbprint of the certificate; Entra uses the same value for ``kid`` and ``x5t``.
    kid: str

    @property
    def public_key(self) -> rsa.RSAPublicKey:
        return self.private_key.public_key()

    def jwk(self) -> dict[str, Any]:
        """The public half as a JWK, shaped like an entry of Entra's ``discovery/v2.0/keys``."""
        numbers = self.public_key.public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA",
            "use": "sig",
            "kid": self.kid,
            "x5t": self.kid,
            "n": b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "x5c": [base64.b64encode(der).decode("ascii")],
        }


class SigningKeys:
    """The signing keys of all authorities, made on first use; persisted under ``data_dir/keys`` if given."""

    def __init__(self, data_dir: Path | None = None) -> None:
        self.data_dir = Path(data_dir) if data_dir is not None else None
        self._keys: dict[Authority, SigningKey] = {}
        self._lock = threading.Lock()
        #: Tokens already verified against these keys (filled by ``tokens.validate_graph_token``); it
        #: lives here so that it goes away with the keys it was verified against.
        self.verified: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"SigningKeys(data_dir={self.data_dir!r})"

    def for_authority(self, authority: Authority) -> SigningKey:
        """The key ``authority`` signs with (created, or loaded from disk, on first use)."""
        key = self._keys.get(authority)
        if key is not None:
            return key
        with self._lock:
            key = self._keys.get(authority)
            if key is None:
                key = self._load_or_create(authority)
                self._keys[authority] = key
            return key

    def jwks(self, authority: Authority) -> dict[str, Any]:
        """The JWKS document of ``authority``'s discovery/keys endpoints."""
        return {"keys": [self.for_authority(authority).jwk()]}

    # -- persistence ---------------------------------------------------------------------

    def _load_or_create(self, authority: Authority) -> SigningKey:
        if self.data_dir is None:
            return _new_key(authority)
        path = Path(self.data_dir) / "keys" / f"{authority.value}.pem"
        if path.exists():
            loaded = _read_key(authority, path)
            if loaded is not None:
                return loaded
        key = _new_key(authority)
        _write_key(key, path)
        # Another process may have won the race to create it; whatever is on disk is the key.
        return _read_key(authority, path) or key


def _new_key(authority: Authority) -> SigningKey:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"ccsync {authority.value} token signing")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        # Signing keys never expire in the simulator; the certificate only carries x5t/x5c.
        .not_valid_after(now + timedelta(days=3650))
        .sign(private, hashes.SHA256())
    )
    return _signing_key(authority, private, cert)


def _signing_key(authority: Authority, private: rsa.RSAPrivateKey, cert: x509.Certificate) -> SigningKey:
    kid = b64url(cert.fingerprint(hashes.SHA1()))  # noqa: S303 - a thumbprint, as Entra computes it
    return SigningKey(authority, private, cert, kid)


def _write_key(key: SigningKey, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    pem = key.private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ) + key.certificate.public_bytes(serialization.Encoding.PEM)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    try:
        # link() refuses to overwrite: the first writer's key stays the key.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def _read_key(authority: Authority, path: Path) -> SigningKey | None:
    """The key stored at ``path``, or None when the file is damaged (it is then replaced)."""
    data = path.read_bytes()
    marker = b"-----BEGIN CERTIFICATE-----"
    at = data.find(marker)
    try:
        private = serialization.load_pem_private_key(data[:at], password=None)
        cert = x509.load_pem_x509_certificate(data[at:])
    except (ValueError, TypeError):
        path.unlink(missing_ok=True)
        return None
    if not isinstance(private, rsa.RSAPrivateKey) or cert.public_key() != private.public_key():
        path.unlink(missing_ok=True)
        return None
    return _signing_key(authority, private, cert)


def thumbprint_sha1(cert: x509.Certificate) -> str:
    """``x5t`` of a certificate: base64url of its SHA-1 fingerprint."""
    return b64url(cert.fingerprint(hashes.SHA1()))  # noqa: S303


def thumbprint_sha256(cert: x509.Certificate) -> str:
    """``x5t#S256`` of a certificate."""
    return b64url(cert.fingerprint(hashes.SHA256()))
