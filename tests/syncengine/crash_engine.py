"""Run one cycle of a job file and SIGKILL this process after the N-th Graph request (0 = never).

Used by the crash-safety test as ``python -m tests.syncengine.crash_engine JOB.toml N``: a real
SIGKILL at a reproducible point, instead of a timer racing the engine.
"""

from __future__ import annotations

import os
import signal
import sys

from syncengine.backend import GraphCall, GraphResult, Identity
from syncengine.client import GraphClient
from syncengine.clock import RealClock
from syncengine.config import endpoints_document, load_job
from syncengine.cycle import Cycle
from syncengine.http_backend import HttpGraph, clouds_from_endpoints
from syncengine.state import EngineState


class KillingGraph(HttpGraph):
    """HttpGraph that kills its own process once it has answered ``limit`` requests."""

    def __init__(self, *args: object, limit: int, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.limit = limit
        self.sent = 0

    def send(self, identity: Identity, call: GraphCall) -> GraphResult:
        result = super().send(identity, call)
        self.sent += 1
        if self.limit and self.sent >= self.limit:
            os.kill(os.getpid(), signal.SIGKILL)
        return result


def main() -> int:
    loaded = load_job(sys.argv[1])
    limit = int(sys.argv[2])
    doc = endpoints_document(loaded.endpoints_path)
    backend = KillingGraph(
        loaded.secrets, clouds_from_endpoints(doc), ca_bundle=doc["ca_bundle"], limit=limit
    )
    state = EngineState(loaded.state_path, loaded.job.name)
    cycle = Cycle(
        loaded.job,
        GraphClient(backend, loaded.job.source),
        GraphClient(backend, loaded.job.target),
        state,
        RealClock(),
    )
    report = cycle.run().report
    print(report.state, report.actions, report.requests)
    return 0 if report.state != "Failed" else 1


if __name__ == "__main__":
    raise SystemExit(main())
