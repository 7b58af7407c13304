"""The simulator's HTTP server reads requests and writes heads as the standard library does, only faster.

``_parse_header_block`` must give the same ``HTTPMessage`` as ``http.client.parse_headers`` for every
header block (plain ones without the email parser, the rest through it); over a real socket, the usual
request, HTTP/1.0, ``Connection: close``, ``100-continue``, odd request lines and oversized headers must
be answered as ``BaseHTTPRequestHandler`` answers them.
"""

from __future__ import annotations

import email.parser
import http.client
import io
import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from simulator.web import server
from simulator.web.server import _parse_header_block, _read_header_block

BLOCKS = [
    b"Host: 127.0.0.1:4443\r\nAuthorization: Bearer abc.def\r\nContent-Length: 12\r\n\r\n",
    b"host:x\r\nX-Empty:\r\nX-Spaces:  \t padded value  \r\nx-dup: 1\r\nX-Dup: 2\r\n\r\n",
    b"Host: x\nAccept: */*\n\n",  # bare LF line ends
    b"\r\n",  # no headers at all
    b"X-Latin: caf\xe9\r\nX-Controls: a\x0bb\x85c\r\n\r\n",
    # irregular: each goes to the email parser
    b"X-Folded: first\r\n  second\r\nHost: x\r\n\r\n",
    b"X-Cr: a\rb\r\nHost: x\r\n\r\n",
    b"Bad Name: x\r\nHost: y\r\n\r\n",
    b"NoColon\r\nHost: y\r\n\r\n",
    b"From someone\r\nHost: y\r\n\r\n",
    b"Host: x\r\nContent-Type: multipart/form-data; boundary=zz\r\n\r\n",
    b"Host: x\r\n",  # the client went away before the blank line
]


def standard(block: bytes) -> http.client.HTTPMessage:
    return http.client.parse_headers(io.BytesIO(block))


@pytest.mark.parametrize("block", BLOCKS)
def test_a_header_block_parses_as_http_client_parses_it(block: bytes) -> None:
    ours = _parse_header_block(_read_header_block(io.BytesIO(block)), http.client.HTTPMessage)
    theirs = standard(block)
    assert type(ours) is type(theirs)
    assert ours.items() == theirs.items()
    for name in {k.lower() for k in theirs.keys()} | {"host", "content-length", "missing"}:
        assert ours.get(name) == theirs.get(name)
        assert ours.get_all(name) == theirs.get_all(name)


def test_plain_blocks_skip_the_email_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    used: list[str] = []
    real = email.parser.Parser.parsestr

    def spy(self: Any, text: str, headersonly: bool = False) -> Any:
        used.append(text)
        return real(self, text, headersonly)

    monkeypatch.setattr(email.parser.Parser, "parsestr", spy)
    for block in BLOCKS[:5]:
        _parse_header_block(_read_header_block(io.BytesIO(block)), http.client.HTTPMessage)
    assert used == []
    _parse_header_block(_read_header_block(io.BytesIO(BLOCKS[5])), http.client.HTTPMessage)
    assert len(used) == 1


def test_header_limits_are_http_clients() -> None:
    with pytest.raises(http.client.LineTooLong):
        _read_header_block(io.BytesIO(b"X: " + b"a" * server.MAX_HEADER_LINE + b"\r\n\r\n"))
    with pytest.raises(http.client.HTTPException, match="more than 100 headers"):
        _read_header_block(io.BytesIO(b"X: a\r\n" * 101 + b"\r\n"))


# -- over a socket -------------------------------------------------------------------------------------


def echo_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    body = environ["wsgi.input"].read()
    seen = {
        "method": environ["REQUEST_METHOD"],
        "path": environ["PATH_INFO"],
        "query": environ["QUERY_STRING"],
        "protocol": environ["SERVER_PROTOCOL"],
        "headers": sorted((k, v) for k, v in environ.items() if k.startswith("HTTP_")),
        "body": body.decode("latin-1"),
    }
    payload = json.dumps(seen).encode()
    headers = [("Content-Type", "application/json"), ("X-Echo", "yes"), ("Content-Length", str(len(payload)))]
    if environ.get("HTTP_X_CLOSE"):
        headers.append(("Connection", "close"))
    start_response("201 CREATED", headers)
    return [payload]


@pytest.fixture(scope="module")
def echo() -> Iterator[tuple[str, int]]:
    with server.serve(echo_app) as running:
        yield running.host, running.port


def exchange(address: tuple[str, int], *requests: bytes) -> bytes:
    """Send ``requests`` one after another on one connection; everything the server sent until it closed."""
    with socket.create_connection(address, timeout=10) as conn:
        try:
            for r in requests:
                conn.sendall(r)
            conn.shutdown(socket.SHUT_WR)
        except OSError:  # the server already closed its end (Connection: close, HTTP/1.0, errors)
            pass
        out = b""
        while chunk := conn.recv(65536):
            out += chunk
        return out


def responses(raw: bytes) -> list[tuple[bytes, dict[str, str], bytes]]:
    out = []
    while raw:
        head, _, rest = raw.partition(b"\r\n\r\n")
        status, *lines = head.split(b"\r\n")
        headers = dict(line.decode("latin-1").split(": ", 1) for line in lines)
        length = int(headers.get("Content-Length", "0"))
        out.append((status, headers, rest[:length]))
        raw = rest[length:]
    return out


def test_keep_alive_requests_are_framed_like_the_standard_handler(echo: tuple[str, int]) -> None:
    first = b"POST /a/b?x=1 HTTP/1.1\r\nHost: h\r\nX-Thing: one\r\nContent-Length: 5\r\n\r\nhello"
    second = b"GET /c HTTP/1.1\r\nHost: h\r\n\r\n"
    (s1, h1, b1), (s2, h2, b2) = responses(exchange(echo, first, second))
    assert s1 == s2 == b"HTTP/1.1 201 CREATED"
    assert list(h1)[:2] == ["Server", "Date"] and h1["Server"].startswith("Werkzeug/")
    assert list(h1)[2:] == ["Content-Type", "X-Echo", "Content-Length"]
    seen = json.loads(b1)
    assert (seen["method"], seen["path"], seen["query"], seen["body"]) == ("POST", "/a/b", "x=1", "hello")
    assert ["HTTP_X_THING", "one"] in seen["headers"]
    assert json.loads(b2)["path"] == "/c" and "Connection" not in h2


def test_connection_close_http_1_0_and_continue(echo: tuple[str, int]) -> None:
    closing = b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
    ignored = b"GET /never HTTP/1.1\r\nHost: h\r\n\r\n"
    only = responses(exchange(echo, closing, ignored))
    assert len(only) == 1 and only[0][1]["Connection"] == "close"
    old = responses(exchange(echo, b"GET /old HTTP/1.0\r\nHost: h\r\n\r\n", ignored))
    assert len(old) == 1 and json.loads(old[0][2])["protocol"] == "HTTP/1.0"
    app_closes = responses(exchange(echo, b"GET /x HTTP/1.1\r\nX-Close: 1\r\n\r\n", ignored))
    assert len(app_closes) == 1
    raw = exchange(echo, b"PUT /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok")
    interim, final = raw.split(b"HTTP/1.1 201 CREATED\r\n")
    assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"  # once: not once by the handler and once by the app
    assert json.loads(final.partition(b"\r\n\r\n")[2])["body"] == "ok"
    folded = responses(exchange(echo, b"GET /f HTTP/1.1\r\nX-F: a\r\n b\r\nHost: h\r\n\r\n"))
    assert ["HTTP_X_F", "a b"] in json.loads(folded[0][2])["headers"]  # unfolded by werkzeug's environ


def test_odd_request_lines_are_the_standard_handlers(echo: tuple[str, int]) -> None:
    double = responses(exchange(echo, b"GET //x//y HTTP/1.1\r\nHost: h\r\n\r\n"))
    assert json.loads(double[0][2])["path"] == "/x//y"  # the standard handler's guard against //host
    # a request line the standard handler refuses is answered as HTTP/0.9: an error page, no head
    bad_version = exchange(echo, b"GET /x HTTP/x.y\r\n\r\n")
    assert bad_version.startswith(b"<!DOCTYPE HTML>") and b"Bad request version" in bad_version
    too_new = exchange(echo, b"GET /x HTTP/2.0\r\n\r\n")
    assert too_new.startswith(b"<!DOCTYPE HTML>") and b"505" in too_new
    too_long = exchange(echo, b"GET /x HTTP/1.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n")
    assert too_long.startswith(b"HTTP/1.1 431 ") and b"Line too long" in too_long
    assert exchange(echo, b"GET /nine\r\n").startswith(
        b'{"method": "GET", "path": "/nine"'
    )  # HTTP/0.9: no head
