"""Make every common client trust the simulator: one CA bundle of the system CAs plus the simulator's.

Pointing ``REQUESTS_CA_BUNDLE`` at the simulator's CA alone breaks every other HTTPS call of the same
process, and pointing it at the system bundle (as many corporate machines do) makes requests ignore a
``session.verify`` set in code. A combined bundle works for both: real sites and the simulator.
"""

from __future__ import annotations

import os
import shlex
import ssl
from collections.abc import Mapping
from pathlib import Path

#: The variables ``ccsync env`` sets: requests (and locust, msal), OpenSSL (httpx, urllib, curl), Node.
TRUST_VARIABLES = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "CURL_CA_BUNDLE", "NODE_EXTRA_CA_CERTS")
#: Where ``ccsync env`` keeps a variable's value from before, so ``--unset`` can put it back.
SAVED_PREFIX = "CCSYNC_SAVED_"
COMBINED_NAME = "ca-combined.pem"


def system_bundle() -> Path | None:
    """The platform's CA bundle (OpenSSL's default file), else certifi's, else None."""
    paths = ssl.get_default_verify_paths()
    for candidate in (paths.cafile, paths.openssl_cafile):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    try:
        import certifi
    except ImportError:  # pragma: no cover - requests depends on certifi
        return None
    return Path(certifi.where())


def write_combined_bundle(simulator_ca: Path, target: Path, environ: Mapping[str, str]) -> Path:
    """Write system CAs + any bundle the environment already names + the simulator CA to ``target``."""
    sources: list[Path] = []
    system = system_bundle()
    if system is not None:
        sources.append(system)
    for name in TRUST_VARIABLES:
        # a corporate proxy's CA set before ``ccsync env`` must keep working
        value = environ.get(SAVED_PREFIX + name) or environ.get(name)
        if value and Path(value).is_file() and Path(value).resolve() != target.resolve():
            sources.append(Path(value))
    sources.append(simulator_ca)
    seen: set[Path] = set()
    parts: list[str] = []
    for src in sources:
        real = src.resolve()
        if real in seen:
            continue
        seen.add(real)
        text = real.read_text(encoding="ascii", errors="ignore").strip()
        parts.append(f"# from {real}\n{text}\n")
    tmp = target.with_suffix(".tmp")
    tmp.write_text("\n".join(parts), encoding="ascii")
    os.replace(tmp, target)
    return target


def export_lines(bundle: Path, environ: Mapping[str, str]) -> list[str]:
    """POSIX shell lines that point every trust variable at ``bundle``, saving the values they replace."""
    lines = []
    for name in TRUST_VARIABLES:
        old = environ.get(name)
        if old is not None and SAVED_PREFIX + name not in environ and old != str(bundle):
            lines.append(f"export {SAVED_PREFIX}{name}={shlex.quote(old)}")
        lines.append(f"export {name}={shlex.quote(str(bundle))}")
    return lines


def unset_lines(environ: Mapping[str, str]) -> list[str]:
    """The reverse of :func:`export_lines`: the saved values come back, the others are unset."""
    lines = []
    for name in TRUST_VARIABLES:
        saved = environ.get(SAVED_PREFIX + name)
        if saved is not None:
            lines.append(f"export {name}={shlex.quote(saved)}")
            lines.append(f"unset {SAVED_PREFIX}{name}")
        else:
            lines.append(f"unset {name}")
    return lines
