"""A threaded HTTP(S) server that runs one WSGI app in the background, for the simulator's local endpoints."""

from __future__ import annotations

import email.parser
import email.utils
import http.client
import io
import logging
import re
import socket
import ssl
import sys
import threading
import time
from http import HTTPStatus
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler, get_sockaddr, select_address_family

logger = logging.getLogger(__name__)

#: A keep-alive connection idle this long is closed, so idle clients do not pin handler threads forever.
IDLE_TIMEOUT = 120.0
#: How often the accept loop looks for a stop request; bounds how long stop() waits.
POLL_INTERVAL = 0.05
LISTEN_BACKLOG = 512
#: Unread request body a keep-alive connection skips; beyond this the connection is closed instead.
MAX_DRAIN_BYTES = 1024 * 1024
#: WSGI environ key an app sets to have the connection closed without sending a response (chaos).
DROP_CONNECTION = "ccsync.drop_connection"
#: Limits on a request's header block, as ``http.client`` enforces them.
MAX_HEADER_LINE = 65536
MAX_HEADERS = 100
#: A header line the email parser would read as exactly ``name: value`` (a token, a colon, no folding).
_PLAIN_HEADER = re.compile(r"([\x21-\x39\x3b-\x7e]+):[ \t]*([^\r\n]*)\r?\n")
_PLAIN_VERSIONS = {"HTTP/1.1": (1, 1), "HTTP/1.0": (1, 0)}


def _read_header_block(rfile: Any) -> list[bytes]:
    """The header lines up to and including the blank one, read as ``http.client.parse_headers`` reads them."""
    lines: list[bytes] = []
    while True:
        line = rfile.readline(MAX_HEADER_LINE + 1)
        if len(line) > MAX_HEADER_LINE:
            raise http.client.LineTooLong("header line")
        lines.append(line)
        if len(lines) > MAX_HEADERS:
            raise http.client.HTTPException(f"got more than {MAX_HEADERS} headers")
        if line in (b"\r\n", b"\n", b""):
            return lines


def _parse_header_block(lines: list[bytes], message_class: Any) -> http.client.HTTPMessage:
    """The header block as ``http.client.parse_headers`` makes it, without the email parser when it is plain.

    A block of ``name: value`` lines ended by a blank line holds exactly those pairs; anything else
    (folded lines, stray carriage returns, lines without a name, no blank line) goes to the email parser.
    """
    if lines[-1] != b"":
        message = message_class()
        for line in lines[:-1]:
            m = _PLAIN_HEADER.fullmatch(line.decode("iso-8859-1"))
            if m is None:
                break
            message.set_raw(m.group(1), m.group(2))
        else:
            return message  # type: ignore[no-any-return]
    text = b"".join(lines).decode("iso-8859-1")
    return email.parser.Parser(_class=message_class).parsestr(text)  # type: ignore[no-any-return]


_date_cache: tuple[int, str] = (0, "")


def _http_date() -> str:
    """``Date`` as ``BaseHTTPRequestHandler.date_time_string`` writes it, formatted once per second."""
    global _date_cache
    now = time.time()
    second, text = _date_cache
    if int(now) != second:
        text = email.utils.formatdate(now, usegmt=True)
        _date_cache = (int(now), text)
    return text


class _BodyReader(io.RawIOBase):
    """The request body as the app sees it: at most Content-Length bytes, counting what is left unread."""

    def __init__(self, rfile: Any, length: int) -> None:
        super().__init__()
        self._rfile = rfile
        self.remaining = length

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        if self.remaining <= 0:
            return 0
        data = self._rfile.read(min(len(buffer), self.remaining))
        if not data:  # the client went away mid-body
            self.remaining = 0
            return 0
        buffer[: len(data)] = data
        self.remaining -= len(data)
        return len(data)

    def drain(self) -> bool:
        """Skip what the app did not read; False when too much is left to be worth it."""
        if self.remaining > MAX_DRAIN_BYTES:
            return False
        while self.remaining > 0 and self.read(min(self.remaining, 65536)):
            pass
        return True


class _Handler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive, TLS handshake in the connection's own thread, no per-request log lines.

    werkzeug's own ``run_wsgi`` answers every request with ``Connection: close`` and then waits up to
    10 ms for stray input; this one keeps the connection and frames the response itself, which is what
    lets a client reuse one TLS connection for thousands of Graph calls.
    """

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT
    # Buffer each response and send it in one go (flushed per request): a head and a body in separate
    # small segments would wait out the client's delayed ACK, about 40 ms per request.
    wbufsize = 64 * 1024

    def setup(self) -> None:
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass

    def handle(self) -> None:
        conn = self.connection
        if isinstance(conn, ssl.SSLSocket):
            # The listening socket does not handshake on accept: a slow or broken client would stall the
            # accept loop for everyone else. Handshake here, in this connection's thread, instead.
            try:
                conn.do_handshake()
            except (ssl.SSLError, OSError) as exc:
                logger.debug("TLS handshake with %s failed: %s", self.client_address, exc)
                return
        super().handle()

    def parse_request(self) -> bool:
        """``BaseHTTPRequestHandler.parse_request`` for the usual request, without the email package.

        An ``HTTP/1.1`` or ``HTTP/1.0`` request line of three words, with a path not starting ``//``, is
        read here, and its header block by ``_parse_header_block``; anything else goes to the standard
        method, which answers its own errors. Either way ``self.headers`` is the same ``HTTPMessage``.
        """
        self.command = None  # type: ignore[assignment]
        requestline = str(self.raw_requestline, "iso-8859-1").rstrip("\r\n")
        words = requestline.split()
        version = _PLAIN_VERSIONS.get(words[-1]) if len(words) == 3 else None
        if version is None or words[1].startswith("//"):
            return super().parse_request()  # type: ignore[no-any-return]
        self.requestline = requestline
        self.request_version = words[2]
        self.close_connection = not (version >= (1, 1) and self.protocol_version >= "HTTP/1.1")
        self.command, self.path = words[0], words[1]
        try:
            self.headers = _parse_header_block(_read_header_block(self.rfile), self.MessageClass)
        except http.client.LineTooLong as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Line too long", str(err))
            return False
        except http.client.HTTPException as err:
            self.send_error(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "Too many headers", str(err))
            return False
        conntype = self.headers.get("Connection", "").lower()
        if conntype == "close":
            self.close_connection = True
        elif conntype == "keep-alive" and self.protocol_version >= "HTTP/1.1":
            self.close_connection = False
        expect = self.headers.get("Expect", "")
        if (
            expect.lower() == "100-continue"
            and self.protocol_version >= "HTTP/1.1"
            and self.request_version >= "HTTP/1.1"
        ):
            return self.handle_expect_100()  # type: ignore[no-any-return]
        return True

    def run_wsgi(self) -> None:
        # ``Expect: 100-continue`` was answered by parse_request (the standard handler's
        # handle_expect_100); werkzeug's run_wsgi would send a second "100 Continue"
        self.environ = environ = self.make_environ()
        body: _BodyReader | None = None
        if environ.get("wsgi.input_terminated"):
            # A chunked request body has no cheap end to skip to if the app leaves it unread.
            self.close_connection = True
        else:
            try:
                length = max(int(self.headers.get("Content-Length") or 0), 0)
            except ValueError:
                length, self.close_connection = 0, True
            body = _BodyReader(self.rfile, length)
            environ["wsgi.input"] = body
        response = _ResponseWriter(self)
        try:
            result = self.server.app(environ, response.start_response)
            if environ.get(DROP_CONNECTION) and not response.sent:
                if hasattr(result, "close"):
                    result.close()
                self._drop_connection()
                return
            try:
                for data in result:
                    response.write(data)
                response.finish()
            finally:
                if hasattr(result, "close"):
                    result.close()
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True
            return
        except Exception:
            logger.exception("unhandled error serving %s %s", self.command, environ.get("PATH_INFO"))
            self.close_connection = True
            if not response.sent:
                self._send_bare_500()
            return
        if body is not None and not body.drain():
            self.close_connection = True

    def _drop_connection(self) -> None:
        """End the TCP connection with nothing sent: no status line, no TLS close_notify."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _send_bare_500(self) -> None:
        payload = b'{"error":"server_error"}'
        try:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            pass

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Thousands of requests per second would drown the log; the apps log what matters.
        pass

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("connection %s: " + format, self.client_address, *args)


class _ResponseWriter:
    """WSGI ``start_response``/``write`` for one response, framed for keep-alive (length or chunked)."""

    def __init__(self, handler: _Handler) -> None:
        self.handler = handler
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.sent = False
        self.chunked = False

    def start_response(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        if exc_info and self.sent:
            raise exc_info[1].with_traceback(exc_info[2])
        self.status, self.headers = status, list(headers)
        return self.write

    def write(self, data: bytes) -> None:
        h = self.handler
        if not self.sent:
            self._send_head()
        if data:
            if self.chunked:
                h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            else:
                h.wfile.write(data)

    def finish(self) -> None:
        if not self.sent:
            self._send_head()
        if self.chunked:
            self.handler.wfile.write(b"0\r\n\r\n")
        self.handler.wfile.flush()

    def _send_head(self) -> None:
        """Status line and headers as ``send_response``/``send_header``/``end_headers`` write them, in one go."""
        h = self.handler
        assert self.status is not None, "write() before start_response()"
        code_text, _, reason = self.status.partition(" ")
        code = int(code_text)
        if h.request_version == "HTTP/0.9":  # no head at all; the standard methods know
            h.send_response(code, reason)
            h.end_headers()
            self.sent = True
            return
        h.log_request(code)
        lines = [
            f"{h.protocol_version} {code} {reason}\r\n",
            f"Server: {h.version_string()}\r\n",
            f"Date: {_http_date()}\r\n",
        ]
        names = set()
        for key, value in self.headers:
            lines.append(f"{key}: {value}\r\n")
            lower = key.lower()
            names.add(lower)
            if lower == "connection":  # as send_header: the app may ask to close or keep the connection
                if value.lower() == "close":
                    h.close_connection = True
                elif value.lower() == "keep-alive":
                    h.close_connection = False
        bodiless = h.command == "HEAD" or 100 <= code < 200 or code in (204, 304)
        if "content-length" not in names and not bodiless:
            if h.request_version >= "HTTP/1.1":
                self.chunked = True
                lines.append("Transfer-Encoding: chunked\r\n")
            else:
                h.close_connection = True
        if h.close_connection and "connection" not in names:
            lines.append("Connection: close\r\n")
        lines.append("\r\n")
        h.wfile.write("".join(lines).encode("latin-1", "strict"))
        self.sent = True


class _Server(ThreadedWSGIServer):
    """Werkzeug's threaded server, remembering open connections so that stop() can close them."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End every open connection: keep-alive clients must not keep talking to a stopped server."""
        with self._connections_lock:
            open_now = list(self._connections)
        for conn in open_now:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, ssl.SSLError, TimeoutError)):
            # a client went away mid-exchange (killed, timed out): routine for a server, not an error
            logger.debug("connection from %s ended abruptly: %r", client_address, exc)
            return
        logger.warning("unhandled error on connection from %s", client_address, exc_info=True)


class RunningServer:
    """A server answering in a background thread; ``url`` is its base URL, ``stop()`` ends it."""

    def __init__(self, server: _Server, thread: threading.Thread, host: str, tls: bool) -> None:
        self._server = server
        self._thread = thread
        self.host = host
        self.port: int = server.port
        shown = f"[{host}]" if ":" in host else host
        self.url = f"{'https' if tls else 'http'}://{shown}:{self.port}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close open connections and wait for the serving thread to end."""
        if not self._thread.is_alive():
            return
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"RunningServer({self.url})"


def serve(
    app: Any, host: str = "127.0.0.1", port: int = 0, ssl_context: ssl.SSLContext | None = None
) -> RunningServer:
    """Serve the WSGI ``app`` on ``host:port`` (0 picks a free port) in a daemon thread, over TLS if given.

    Raises OSError when the address cannot be bound (werkzeug itself would print and exit the process).
    """
    family = select_address_family(host, port)
    listener = socket.socket(family, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(get_sockaddr(host, port, family))
        listener.listen(LISTEN_BACKLOG)
        # werkzeug dups the descriptor it is given; ours is closed below either way.
        server = _Server(host, port, app, _Handler, fd=listener.fileno())
    finally:
        listener.close()
    if ssl_context is not None:
        server.socket = ssl_context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
        # werkzeug derives wsgi.url_scheme from this attribute.
        server.ssl_context = ssl_context
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": POLL_INTERVAL},
        name=f"ccsync-http-{server.port}",
        daemon=True,
    )
    thread.start()
    return RunningServer(server, thread, host, ssl_context is not None)
