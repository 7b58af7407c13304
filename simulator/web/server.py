"""A threaded HTTP(S) server that runs one WSGI app in the background, for the simulator's local endpoints."""

from __future__ import annotations

import logging
import socket
import ssl
import threading
from typing import Any

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler, get_sockaddr, select_address_family

logger = logging.getLogger(__name__)

#: A keep-alive connection idle this long is closed, so idle clients do not pin handler threads forever.
IDLE_TIMEOUT = 120.0
#: How often the accept loop looks for a stop request; bounds how long stop() waits.
POLL_INTERVAL = 0.05
LISTEN_BACKLOG = 512


class _Handler(WSGIRequestHandler):
    """HTTP/1.1 keep-alive, TLS handshake in the connection's own thread, no per-request log lines."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT

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

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # Thousands of requests per second would drown the log; the apps log what matters.
        pass

    def log_error(self, format: str, *args: Any) -> None:
        logger.debug("connection %s: " + format, self.client_address, *args)


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
