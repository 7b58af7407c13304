"""The change log keeps what a valid delta token can still need and drops the rest by itself."""

from datetime import UTC, datetime, timedelta

from simulator.clock import Clock
from simulator.directory.changes import ChangeLog


def _log() -> tuple[ChangeLog, Clock]:
    log, clock = ChangeLog(), Clock(datetime(2026, 1, 1, tzinfo=UTC))
    log.clock = clock
    return log, clock


def test_entries_older_than_any_valid_token_are_dropped_as_the_log_grows():
    log, clock = _log()
    for i in range(100):
        log.record("user", f"old-{i}", "update")
    clock.advance(timedelta(days=9))
    for i in range(5000):
        log.record("user", f"new-{i}", "update")
    kept = log.after(0)
    assert all(c.obj_id.startswith("new-") for c in kept)
    assert log.floor == 100  # a token at or below version 100 must start over (syncStateNotFound)
    assert log.since(100, log.version, "user")[0].obj_id == "new-0"


def test_a_week_old_change_is_still_served():
    log, clock = _log()
    log.record("user", "u1", "update")
    clock.advance(timedelta(days=7))
    for i in range(5000):
        log.record("user", f"n{i}", "update")
    assert log.floor == 0
    assert log.since(0, log.version, "user")[0].obj_id == "u1"
