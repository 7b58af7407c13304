"""The locality guard of the control plane and the console: only this machine, only this origin.

The control plane listens on loopback, but a web page the developer has open can still reach it: a
cross-site form or ``fetch`` (a "simple" request needs no CORS preflight), or DNS rebinding (a foreign
name that resolves to 127.0.0.1 makes the page same-origin with it). The guard refuses all three:

* ``Host`` must be a loopback name or address (``localhost``, ``127.x.x.x``, ``[::1]``) with the port the
  server listens on, else **421 Misdirected Request**: a rebound name never matches.
* ``Origin``, when sent, must be this server's own origin, else **403**.
* POST, PUT and PATCH must say ``Content-Type: application/json``, else **415**: a cross-site page cannot
  send that without a preflight, which gets no CORS headers and so fails. DELETE is exempt (a browser
  cannot send a cross-site DELETE without a preflight either).
* the console's own HTML forms (``form_prefix``) are the one exception to the JSON rule; they need a
  same-origin ``Origin`` or ``Referer`` and the CSRF token of :class:`CsrfTokens`.

No response carries ``Access-Control-*`` headers.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import io
import ipaddress
import json
import secrets
from collections.abc import Callable
from http.cookies import CookieError, SimpleCookie
from typing import Any
from urllib.parse import parse_qs, urlsplit

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH"})
FORM_TYPES = ("application/x-www-form-urlencoded",)
MAX_FORM_BYTES = 64 * 1024
CSRF_COOKIE = "ccsync_console"
CSRF_FIELD = "csrf_token"


def is_loopback_name(host: str) -> bool:
    """``localhost`` (and ``*.localhost``), ``127.0.0.0/8`` or ``::1``; brackets allowed around IPv6."""
    name = host.strip("[]").rstrip(".").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def split_host(value: str) -> tuple[str, int | None] | None:
    """``("127.0.0.1", 8080)`` from a Host header value; None when it is not ``name[:port]``."""
    value = value.strip()
    if value.startswith("["):  # an IPv6 literal: [::1]:8080
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[: end + 1], value[end + 1 :]
    elif value.count(":") > 1:
        return None  # an unbracketed IPv6 address is not a valid Host
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if not name:
        return None
    if not rest:
        return name, None
    if not rest.startswith(":") or not rest[1:].isdigit():
        return None
    return name, int(rest[1:])


class CsrfTokens:
    """Tokens for the console's forms: a random browser cookie, and the form field is its HMAC.

    The cookie is ``SameSite=Strict`` and the field can only be read by a same-origin page (no CORS,
    and the Host check defeats DNS rebinding), so a foreign page can neither send nor forge the pair.
    """

    def __init__(self, secret: bytes | None = None) -> None:
        self._secret = secret or secrets.token_bytes(32)

    @staticmethod
    def new_cookie() -> str:
        return secrets.token_urlsafe(24)

    def token(self, cookie: str) -> str:
        return hmac.new(self._secret, cookie.encode(), hashlib.sha256).hexdigest()

    def valid(self, cookie: str | None, token: str | None) -> bool:
        if not cookie or not token:
            return False
        return hmac.compare_digest(self.token(cookie), token)


def _refusal(
    status: str, code: str, message: str, start_response: Callable[..., Any], environ: dict[str, Any]
) -> list[bytes]:
    """The refusal as JSON (the control plane's error shape), or as a short page for a browser that
    asked for HTML (a console form post)."""
    if "text/html" in environ.get("HTTP_ACCEPT", ""):
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title></head>'
            f"<body><h1>Refused ({html.escape(status)})</h1><p>{html.escape(message)}</p>"
            '<p><a href="/console/">Back to the console</a></p></body></html>'
        ).encode()
        ctype = "text/html; charset=utf-8"
    else:
        body = json.dumps({"error": {"code": code, "message": message}}, indent=1).encode()
        ctype = "application/json"
    start_response(
        status,
        [
            ("Content-Type", ctype),
            ("Content-Length", str(len(body))),
            ("Vary", "Origin, Accept"),
            ("Content-Security-Policy", "default-src 'none'"),
        ],
    )
    return [body]


class LocalityGuard:
    """WSGI middleware around the control app: refuses what did not come from this machine's own pages.

    ``form_prefix`` names the path prefix whose POSTs are HTML forms (the console); ``csrf`` checks them.
    """

    def __init__(
        self,
        app: Any,
        *,
        form_prefix: str | None = None,
        csrf: CsrfTokens | None = None,
    ) -> None:
        self.app = app
        self.form_prefix = form_prefix
        self.csrf = csrf

    def _host_ok(self, environ: dict[str, Any]) -> bool:
        parsed = split_host(environ.get("HTTP_HOST", ""))
        if parsed is None:
            return False
        name, port = parsed
        own_port = int(environ.get("SERVER_PORT") or 0)
        if port is None:
            port = 443 if environ.get("wsgi.url_scheme") == "https" else 80
        if port != own_port:
            return False
        return is_loopback_name(name)

    def _same_origin(self, url: str, environ: dict[str, Any]) -> bool:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return False
        scheme = environ.get("wsgi.url_scheme", "http")
        if parts.scheme != scheme or not parts.hostname:
            return False
        port = port or (443 if scheme == "https" else 80)
        host = split_host(environ.get("HTTP_HOST", ""))
        return (
            host is not None
            and port == int(environ.get("SERVER_PORT") or 0)
            and parts.hostname.lower() == host[0].strip("[]").lower()
        )

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if not self._host_ok(environ):
            return _refusal(
                "421 Misdirected Request",
                "MisdirectedRequest",
                "The control plane answers only to a loopback Host (localhost, 127.0.0.1 or [::1]) with "
                "its own port; this Host header names another server (DNS rebinding?).",
                start_response,
                environ,
            )
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and not self._same_origin(origin, environ):
            return _refusal(
                "403 Forbidden",
                "Forbidden",
                f"Requests from origin '{origin}' are refused: only the simulator's own pages and "
                "non-browser clients on this machine may use the control plane.",
                start_response,
                environ,
            )
        method = environ.get("REQUEST_METHOD", "GET").upper()
        if method in WRITE_METHODS:
            path = environ.get("PATH_INFO", "")
            ctype = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
            if self.form_prefix and path.startswith(self.form_prefix):
                refused = self._form_refusal(environ, ctype, origin)
                if refused:
                    return _refusal("403 Forbidden", "Forbidden", refused, start_response, environ)
            elif ctype != "application/json":
                return _refusal(
                    "415 Unsupported Media Type",
                    "UnsupportedMediaType",
                    f"{method} to the control plane needs 'Content-Type: application/json' and a JSON body "
                    '({} when there is nothing to send); e.g. curl -H "Content-Type: application/json" '
                    "-d '{}'.",
                    start_response,
                    environ,
                )
        return self.app(environ, start_response)

    def _form_refusal(self, environ: dict[str, Any], ctype: str, origin: str | None) -> str | None:
        """Why a console form post is refused, or None when it is this console's own form."""
        if ctype not in FORM_TYPES:
            return "Console actions are HTML form posts from the console's own pages."
        if origin is None:
            referer = environ.get("HTTP_REFERER")
            if not referer or not self._same_origin(referer, environ):
                return "A console action must come from a console page (no same-origin Origin or Referer)."
        if self.csrf is None:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_FORM_BYTES:
            return "A console form post is at most 64 KiB."
        raw = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(raw)  # the app reads the same form again
        token = parse_qs(raw.decode("latin-1")).get(CSRF_FIELD, [None])[0]
        try:
            morsel = SimpleCookie(environ.get("HTTP_COOKIE", "")).get(CSRF_COOKIE)
        except CookieError:
            morsel = None
        if not self.csrf.valid(morsel.value if morsel else None, token):
            return "The console's form token is missing or stale: reload the page and try again."
        return None
