"""The simulator's control plane (``/_simulator/``) as a Python object, for tests and tools.

One code path whether the simulator runs in the test process or as ``ccsync up`` elsewhere: every
call is an HTTP request to the control URL of the endpoints document.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx


class ControlPlaneError(RuntimeError):
    """The control plane refused a request; the message is its own."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(f"control plane answered {status}: {message}")
        self.status = status


def duration(value: float | timedelta | str) -> str:
    """An ISO-8601 duration for ``/_simulator/clock/advance`` from seconds, a timedelta or ``PT2H``."""
    if isinstance(value, str):
        return value
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 0:
        raise ValueError("the simulator clock only moves forward")
    return f"PT{seconds:.3f}S"


class SimulatorControl:
    """Reset, clock, traffic, chaos, faults, counters and tenants of one running simulator."""

    def __init__(self, control_url: str, *, timeout: float = 120) -> None:
        self.url = control_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.url}/_simulator", timeout=timeout, trust_env=False)

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        if body is None and method in ("POST", "PUT", "PATCH"):
            body = {}  # the control plane takes writes only as JSON (its locality guard)
        resp = self._http.request(method, path, json=body)
        if resp.status_code >= 400:
            try:
                message = resp.json()["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = resp.text
            raise ControlPlaneError(resp.status_code, message)
        return resp.json()

    # -- state ----------------------------------------------------------------------------

    def endpoints(self) -> dict[str, Any]:
        return self._call("GET", "/endpoints")

    def licence_warning(self, service_principal_id: str) -> str | None:
        """The licence warning an admin of that configuration sees (its job's, else its last test connection's)."""
        doc = self._call("GET", f"/provisioning/configurations/{service_principal_id}/licence-warning")
        return doc["licenceWarning"]

    def reset(self, *, seed: int | None = None, world: str | None = None, empty: bool = False) -> None:
        """Back to a clean world: directory, real clock, traffic, chaos, faults, counters, jobs, logs.

        ``world`` is a world file's YAML text; ``seed`` and ``world`` stay in force afterwards.
        """
        body: dict[str, Any] = {"empty": empty}
        if seed is not None:
            body["seed"] = seed
        if world is not None:
            body["world"] = world
        self._call("POST", "/reset", body)

    def create_tenant(self, cloud: str, users: int, **extra: Any) -> dict[str, Any]:
        return self._call("POST", "/tenants", {"cloud": cloud, "users": users, **extra})

    # -- clock ----------------------------------------------------------------------------

    def clock(self) -> dict[str, Any]:
        """``{"now": "...Z", "virtual": bool}``."""
        return self._call("GET", "/clock")

    def set_virtual(self, now: datetime | str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {"mode": "virtual"}
        if now is not None:
            body["now"] = now if isinstance(now, str) else now.isoformat()
        return self._call("POST", "/clock", body)

    def set_real(self) -> dict[str, Any]:
        return self._call("POST", "/clock", {"mode": "real"})

    def advance(self, by: float | timedelta | str) -> dict[str, Any]:
        """Move virtual time; provisioning cycles that became due run before this returns."""
        return self._call("POST", "/clock/advance", {"by": duration(by)})

    # -- traffic --------------------------------------------------------------------------

    def set_traffic(self, profile: str | dict[str, Any]) -> dict[str, Any]:
        body = {"profile": profile} if isinstance(profile, str) else profile
        return self._call("PUT", "/traffic", body)

    def set_chaos(self, settings: dict[str, Any]) -> dict[str, Any]:
        return self._call("PUT", "/chaos", settings)

    def add_fault(self, fault: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/faults", fault)

    def clear_faults(self) -> int:
        return self._call("DELETE", "/faults")["removed"]

    def stats(self) -> dict[str, Any]:
        return self._call("GET", "/traffic/stats")

    # -- provisioning ---------------------------------------------------------------------

    def run_provisioning(self) -> int:
        """Run the provisioning cycles that are due now; returns how many ran."""
        return self._call("POST", "/provisioning/run")["cyclesRun"]

    def provisioning_jobs(self) -> list[dict[str, Any]]:
        return self._call("GET", "/provisioning/jobs")["value"]
