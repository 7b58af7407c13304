"""Open a simulator's endpoints: three login authorities, four Graph roots and the control plane.

Each endpoint is one Flask app on its own local port (HTTPS with the simulator's own CA, the control
plane plain HTTP), in a background server thread; the simulator keeps them and stops them with itself.
"""

from __future__ import annotations

from typing import Any

from simulator.clouds import Authority, Cloud
from simulator.identity.ca import ensure_tls, server_ssl_context
from simulator.runtime import Simulator
from simulator.web import server
from simulator.web.control.app import create_control_app
from simulator.web.graph_app import create_graph_app
from simulator.web.login_app import create_login_app

#: Offsets from ``--port-base``: logins, Graph roots, control plane.
PORT_LAYOUT: list[tuple[str, Any]] = [
    ("login", Authority.GLOBAL),
    ("login", Authority.USGOV),
    ("login", Authority.CHINA),
    ("graph", Cloud.COMMERCIAL),
    ("graph", Cloud.GCCH),
    ("graph", Cloud.DOD),
    ("graph", Cloud.CHINA),
    ("control", None),
]


def serve(sim: Simulator) -> dict[str, Any]:
    """Open every endpoint of ``sim`` and write its ``endpoints.json``; returns the endpoints document.

    Raises OSError when a port cannot be opened (the simulator is then stopped).
    """
    sim.before_serving()
    tls = ensure_tls(sim.data_dir)
    ssl_ctx = server_ssl_context(tls)
    host, base = sim.config.host, sim.config.port_base
    servers: list[server.RunningServer] = []
    # the login apps read this dict as it fills: one authority's documents lead to another's
    login_urls: dict[Authority, str] = {}
    graph_urls: dict[Cloud, str] = {}
    control_url = ""
    try:
        for i, (kind, which) in enumerate(PORT_LAYOUT):
            port = base + i if base else 0
            if kind == "login":
                srv = server.serve(
                    create_login_app(which, sim.store, sim.tokens, login_urls), host, port, ssl_ctx
                )
                login_urls[which] = srv.url
            elif kind == "graph":
                srv = server.serve(create_graph_app(which, sim.router), host, port, ssl_ctx)
                graph_urls[which] = srv.url
            else:
                srv = server.serve(create_control_app(sim), host, port, None)
                control_url = srv.url
            servers.append(srv)
    except OSError:
        for srv in reversed(servers):
            srv.stop()
        sim.stop()
        raise
    return sim.serving(tls.ca_bundle, servers, login_urls, graph_urls, control_url)
