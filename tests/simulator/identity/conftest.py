"""Fixtures for the identity tests: one tenant per cloud kind, and the three login authorities over real TLS."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from simulator.clock import Clock
from simulator.clouds import CLOUDS, Authority, Cloud
from simulator.directory.store import Store
from simulator.directory.tenant import AppCredential, Tenant
from simulator.identity.ca import TlsMaterial, ensure_tls, server_ssl_context
from simulator.identity.keys import SigningKeys
from simulator.identity.tokens import TokenService
from simulator.web.login_app import create_login_app
from simulator.web.server import RunningServer, serve

ROLES = ["User.ReadWrite.All"]

#: kind -> (cloud, flavor, verified domain)
TENANT_KINDS: dict[str, tuple[Cloud, str, str]] = {
    "commercial": (Cloud.COMMERCIAL, "commercial", "contoso.onmicrosoft.com"),
    "gcc": (Cloud.COMMERCIAL, "gcc", "fabrikamgcc.onmicrosoft.com"),
    "gcch": (Cloud.GCCH, "gcch", "tailspin.onmicrosoft.us"),
    "dod": (Cloud.DOD, "dod", "northwind.onmicrosoft.us"),
    "china": (Cloud.CHINA, "china", "woodgrove.partner.onmschina.cn"),
}


@dataclass(frozen=True)
class AppFixture:
    """An app registered in a test tenant, with the secret the test knows."""

    client_id: str
    secret: str
    sp_id: str


@dataclass(frozen=True)
class TenantFixture:
    """A test tenant and where it signs in."""

    kind: str
    id: str
    cloud: Cloud
    flavor: str
    domain: str
    authority: Authority
    #: several apps, so that negative tests never share msal's 60-second cache of 400 answers.
    apps: tuple[AppFixture, ...]

    @property
    def app(self) -> AppFixture:
        return self.apps[0]

    @property
    def graph_scope(self) -> str:
        return f"https://{CLOUDS[self.cloud].graph_host}/.default"


@dataclass(frozen=True)
class ClientCertificate:
    """A certificate registered on every test app, for private_key_jwt sign-in."""

    private_key_pem: str
    certificate_pem: str
    sha1_hex: str


@dataclass
class LoginWorld:
    """The store, token service, TLS material and running login authorities shared by the identity tests."""

    store: Store
    keys: SigningKeys
    tokens: TokenService
    tls: TlsMaterial
    tenants: dict[str, TenantFixture]
    certificate: ClientCertificate
    servers: dict[Authority, RunningServer] = field(default_factory=dict)

    def login_url(self, authority: Authority) -> str:
        return self.servers[authority].url

    def authority_url(self, tenant: TenantFixture, *, by_domain: bool = False) -> str:
        return f"{self.login_url(tenant.authority)}/{tenant.domain if by_domain else tenant.id}"


def make_certificate(common_name: str = "ccsync test client") -> ClientCertificate:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    return ClientCertificate(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
        cert.public_bytes(serialization.Encoding.PEM).decode(),
        cert.fingerprint(hashes.SHA1()).hex().upper(),
    )


def _add_tenant(store: Store, kind: str, certificate: ClientCertificate) -> TenantFixture:
    cloud, flavor, domain = TENANT_KINDS[kind]
    tenant = Tenant(str(uuid.uuid4()), cloud, flavor, f"Test {kind}", domain, datetime.now(UTC))
    apps = []
    for n in range(8):
        app = AppFixture(str(uuid.uuid4()), f"secret~{kind}~{n}~{uuid.uuid4().hex}", str(uuid.uuid4()))
        tenant.apps[app.client_id] = AppCredential(
            app.client_id,
            f"{kind} sync app {n}",
            [app.secret],
            list(ROLES),
            str(uuid.uuid4()),
            app.sp_id,
            [certificate.certificate_pem],
        )
        apps.append(app)
    store.add_tenant(tenant)
    return TenantFixture(kind, tenant.id, cloud, flavor, domain, CLOUDS[cloud].authority, tuple(apps))


@pytest.fixture(scope="session")
def login_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoginWorld]:
    """Five tenants (commercial, gcc, gcch, dod, china) and the three authorities served over TLS."""
    data_dir: Path = tmp_path_factory.mktemp("identity")
    clock = Clock()
    store = Store(clock)
    keys = SigningKeys()
    tokens = TokenService(keys, clock)
    certificate = make_certificate()
    tenants = {kind: _add_tenant(store, kind, certificate) for kind in TENANT_KINDS}
    tls = ensure_tls(data_dir)
    world = LoginWorld(store, keys, tokens, tls, tenants, certificate)
    context = server_ssl_context(tls)
    try:
        urls: dict[Authority, str] = {}
        for authority in Authority:
            world.servers[authority] = serve(
                create_login_app(authority, store, tokens, urls), ssl_context=context
            )
            urls[authority] = world.servers[authority].url
        yield world
    finally:
        for server in world.servers.values():
            server.stop()


@pytest.fixture(scope="session")
def unregistered_certificate() -> ClientCertificate:
    """A certificate no test app knows."""
    return make_certificate("not registered")


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep clients off proxies: the tests talk to 127.0.0.1 and nothing else."""
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost,::1")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost,::1")


@pytest.fixture
def http(login_world: LoginWorld) -> Iterator[requests.Session]:
    """A requests session trusting the simulator's CA.

    ``trust_env`` is off because requests lets ``REQUESTS_CA_BUNDLE`` override ``Session.verify``
    (graph-protocol.md 2.8), and that variable is set on many machines.
    """
    session = requests.Session()
    session.verify = str(login_world.tls.ca_bundle)
    session.trust_env = False
    yield session
    session.close()
