"""Quarantine rules: which cycle outcome quarantines a job and why, and the reduced retry cadence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from syncengine.logs import CycleReport
from syncengine.model import SafetyConfig
from syncengine.quarantine import (
    QUARANTINE_LIFETIME,
    QuarantineReason,
    escrow_threshold,
    evaluate,
    next_attempt,
    retry_offset,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DEFAULTS = SafetyConfig()


def report(state: str = "Succeeded", *, errors: dict[str, int] | None = None, **over: Any) -> CycleReport:
    r = CycleReport("job", "cycle-1", "incremental", "2026-03-02T09:00:00Z", state=state)
    r.errors = dict(errors or {})
    for k, v in over.items():
        setattr(r, k, v)
    return r


def judge(
    r: CycleReport,
    failures: int = 0,
    successes: int = 0,
    *,
    references: int = 0,
    initial: bool = False,
    safety: SafetyConfig = DEFAULTS,
):
    return evaluate(
        r,
        escrow_failures=failures,
        reference_failures=references,
        successes=successes,
        initial=initial,
        safety=safety,
    )


def test_reasons_are_graphs_quarantine_reason_enum() -> None:
    assert [r.value for r in QuarantineReason] == [
        "EncounteredBaseEscrowThreshold",
        "EncounteredTotalEscrowThreshold",
        "EncounteredEscrowProportionThreshold",
        "EncounteredQuarantineException",
        "Unknown",
        "QuarantinedOnDemand",
        "TooManyDeletes",
        "IngestionInterrupted",
    ]


def test_a_clean_cycle_quarantines_nothing() -> None:
    v = judge(report(), 0, 20)
    assert not v.quarantine and not v.prune_escrows and not v.complete_failure and v.error is None


def test_a_preflight_failure_is_a_tenant_actionable_quarantine_exception() -> None:
    failed = report(
        "Failed",
        failure={
            "code": "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure",
            "message": "inbound sync is off",
            "side": "target",
        },
    )
    v = judge(failed)
    assert v.reason is QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION
    assert v.complete_failure
    assert v.error is not None and v.error.to_graph() == {
        "code": "AzureActiveDirectoryCrossTenantSyncPolicyCheckFailure",
        "message": "inbound sync is off",
        "tenantActionable": True,
    }


def test_a_cycle_ended_by_a_service_error_is_a_quarantine_exception_not_actionable() -> None:
    failed = report("Failed", failure={"code": "serviceNotAvailable", "message": "503", "side": "pair"})
    v = judge(failed)
    assert v.reason is QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION
    assert v.error is not None and v.error.tenant_actionable is False


def test_held_deletes_quarantine_with_too_many_deletes() -> None:
    v = judge(
        report(quarantine={"reason": "TooManyDeletes", "held": 7}), safety=SafetyConfig(deletion_threshold=5)
    )
    assert v.reason is QuarantineReason.TOO_MANY_DELETES
    assert not v.complete_failure
    assert v.error is not None and "7" in v.error.message and "ForceDeletes" in v.error.message


def test_every_export_refused_for_access_is_a_quarantine_exception() -> None:
    v = judge(report("EntryLevelErrors", errors={"Authorization_RequestDenied": 3}), 3, 0)
    assert v.reason is QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION
    assert v.complete_failure


def test_access_errors_beside_a_success_only_escrow() -> None:
    v = judge(report("EntryLevelErrors", errors={"Authorization_RequestDenied": 3}), 3, 1)
    assert not v.quarantine and not v.complete_failure


def test_transient_errors_of_every_export_only_escrow() -> None:
    v = judge(report("EntryLevelErrors", errors={"serviceNotAvailable": 4}), 4, 0)
    assert not v.quarantine


@pytest.mark.parametrize(
    ("failures", "successes", "references", "expected"),
    [
        # the documented examples (reference §2.11)
        (45_000, 0, 0, QuarantineReason.ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD),
        (30_000, 5_000, 0, QuarantineReason.ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD),
        (20_000, 100_000, 0, None),
        (40_000, 100_000, 21_000, QuarantineReason.ENCOUNTERED_BASE_ESCROW_THRESHOLD),
        # the total alone, below the proportion
        (45_000, 100_000, 0, QuarantineReason.ENCOUNTERED_TOTAL_ESCROW_THRESHOLD),
        # references count in neither the proportion nor the total
        (39_000, 100_000, 20_000, None),
        # below the evaluation floor nothing is judged, even 100 % failures
        (4_999, 0, 0, None),
        # exactly at a limit is not over it
        (40_000, 60_000, 0, None),
    ],
)
def test_escrow_thresholds(
    failures: int, successes: int, references: int, expected: QuarantineReason | None
) -> None:
    assert (
        escrow_threshold(
            escrow_failures=failures, reference_failures=references, successes=successes, safety=DEFAULTS
        )
        is expected
    )
    v = judge(
        report("EntryLevelErrors", errors={"Request_BadRequest": failures}),
        failures,
        successes,
        references=references,
    )
    assert v.reason is expected
    if expected:
        assert v.error is not None and v.error.code == expected.value and v.error.tenant_actionable


def test_an_initial_cycle_over_an_escrow_threshold_prunes_instead_of_quarantining() -> None:
    v = judge(report("EntryLevelErrors", errors={"Request_BadRequest": 6000}), 6000, 100, initial=True)
    assert v.reason is None and not v.quarantine
    assert v.prune_escrows
    assert v.escrow_threshold is QuarantineReason.ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD


def test_an_initial_cycle_still_quarantines_for_held_deletes_and_failures() -> None:
    deletes = judge(report(quarantine={"reason": "TooManyDeletes", "held": 9}), initial=True)
    assert deletes.reason is QuarantineReason.TOO_MANY_DELETES
    failed = judge(report("Failed", failure={"code": "X", "message": "", "side": "source"}), initial=True)
    assert failed.reason is QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION


def test_retries_at_6_12_24_hours_then_daily() -> None:
    hours = [retry_offset(k) / timedelta(hours=1) for k in range(6)]
    assert hours == [6, 12, 24, 48, 72, 96]
    with pytest.raises(ValueError):
        retry_offset(-1)


def test_next_attempt_follows_the_schedule_from_the_first_failure() -> None:
    assert next_attempt(T0, 0, T0) == T0 + timedelta(hours=6)
    assert next_attempt(T0, 1, T0 + timedelta(hours=6)) == T0 + timedelta(hours=12)
    assert next_attempt(T0, 2, T0 + timedelta(hours=12, minutes=3)) == T0 + timedelta(hours=24)
    assert next_attempt(T0, 3, T0 + timedelta(hours=24)) == T0 + timedelta(hours=48)
    assert next_attempt(T0, 4, T0 + timedelta(hours=48)) == T0 + timedelta(hours=72)


def test_next_attempt_skips_slots_missed_while_the_engine_was_down() -> None:
    assert next_attempt(T0, 1, T0 + timedelta(hours=30)) == T0 + timedelta(hours=48)


def test_next_attempt_is_none_once_28_days_have_passed() -> None:
    assert next_attempt(T0, 29, T0 + timedelta(days=27, hours=1)) == T0 + QUARANTINE_LIFETIME
    assert next_attempt(T0, 30, T0 + QUARANTINE_LIFETIME) is None
    assert next_attempt(T0, 0, T0 + timedelta(days=40)) is None
