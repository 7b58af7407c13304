"""Time-driven behaviour follows the simulator clock: the 30-day purge of soft-deleted users."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.conftest import GraphHttp


def test_soft_deleted_user_is_purged_after_30_days_of_virtual_time(
    ccsync_simulator: Any, endpoints: dict[str, Any], new_tenant: Any
) -> None:
    tenant = new_tenant("dod", users=20)
    graph = GraphHttp(endpoints, tenant)
    uid = graph("GET", "/users?$top=1&$select=id").json()["value"][0]["id"]
    assert graph("DELETE", f"/users/{uid}").status_code == 204
    clock = ccsync_simulator.clock
    clock.set_virtual()
    try:
        clock.advance(timedelta(days=29))
        g = GraphHttp(endpoints, tenant)
        assert g("GET", f"/directory/deletedItems/{uid}").status_code == 200
        link = g("GET", "/users/delta?$deltatoken=latest").json()["@odata.deltaLink"]
        clock.advance(timedelta(days=1, hours=1))
        g = GraphHttp(endpoints, tenant)
        assert g("GET", f"/directory/deletedItems/{uid}").status_code == 404
        assert g("POST", f"/directory/deletedItems/{uid}/restore").status_code == 404
        entries = g("GET", link).json()["value"]
        assert entries == [{"id": uid, "@removed": {"reason": "deleted"}}]
    finally:
        clock.set_real()
