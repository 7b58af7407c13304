"""Quarantine: when a cycle's outcome puts a job into quarantine, and when a quarantined job retries.

Pure rules, no I/O (reference §2.10–2.12, graph-protocol.md §6.6). ``evaluate`` judges one finished
cycle; ``next_attempt`` is the reduced cadence of a quarantined job. The job runner applies both.

Precedence when several triggers fire in one cycle (assumed; the docs name no order):

1. the cycle failed as a whole (preflight / policy check, or an error that ended the cycle)
   → ``EncounteredQuarantineException``;
2. the accidental-deletion threshold held deletes → ``TooManyDeletes``;
3. every export of the cycle was refused for lack of access (401 / 403 codes) → ``EncounteredQuarantineException``;
4. the escrow thresholds, once at least ``escrow_min_failures`` failures (references included) were
   counted: more than ``escrow_proportion`` of the events failed → ``EncounteredEscrowProportionThreshold``
   (the only reason the docs name); more than ``escrow_total`` failures →
   ``EncounteredTotalEscrowThreshold``; more than ``escrow_cap_with_references`` failures counting
   reference failures → ``EncounteredBaseEscrowThreshold`` (the last two names assumed from the enum).
   Reference failures count in neither the proportion nor the total, and "events" are the cycle's
   failed plus successful exports. During an *initial* cycle an escrow threshold prunes the escrows
   instead of quarantining, and the job pauses (documented).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from syncengine.logs import CycleReport
from syncengine.model import SafetyConfig


class QuarantineReason(enum.StrEnum):
    """Graph ``quarantineReason``."""

    ENCOUNTERED_BASE_ESCROW_THRESHOLD = "EncounteredBaseEscrowThreshold"
    ENCOUNTERED_TOTAL_ESCROW_THRESHOLD = "EncounteredTotalEscrowThreshold"
    ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD = "EncounteredEscrowProportionThreshold"
    ENCOUNTERED_QUARANTINE_EXCEPTION = "EncounteredQuarantineException"
    UNKNOWN = "Unknown"
    QUARANTINED_ON_DEMAND = "QuarantinedOnDemand"
    TOO_MANY_DELETES = "TooManyDeletes"
    INGESTION_INTERRUPTED = "IngestionInterrupted"


#: Error codes meaning the target (or source) refuses the engine's identity: "calls consistently fail
#: because of an error, for example invalid admin credentials" (doc-generic). Transient codes (429, 5xx)
#: and per-object data errors (400, 409) only escrow.
ACCESS_DENIED_CODES = frozenset(
    {
        "Authorization_RequestDenied",
        "Authorization_IdentityNotFound",
        "Authentication_Unauthorized",
        "Authentication_MissingOrMalformed",
        "Authentication_ExpiredToken",
        "InvalidAuthenticationToken",
        "Forbidden",
        "accessDenied",
        "AccessDenied",
        "Unauthorized",
    }
)

#: Retries after the first failure: +6 h, +12 h, +24 h from it, then every 24 h (doc-generic).
BACKOFF = (timedelta(hours=6), timedelta(hours=12), timedelta(hours=24))
DAILY = timedelta(hours=24)
#: A job still in quarantine this long after the series began is disabled (doc-generic: "four weeks").
QUARANTINE_LIFETIME = timedelta(days=28)


@dataclass(frozen=True)
class SynchronizationError:
    """Graph ``synchronizationError``."""

    code: str
    message: str
    tenant_actionable: bool

    def to_graph(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "tenantActionable": self.tenant_actionable}


@dataclass(frozen=True)
class Verdict:
    """What one finished cycle means for its job."""

    #: quarantine the job for this reason (None: the cycle lifts any quarantine)
    reason: QuarantineReason | None = None
    #: initial cycle over an escrow threshold: drop the escrows and pause the job instead of quarantining
    prune_escrows: bool = False
    #: the escrow threshold that was crossed (with ``reason`` or ``prune_escrows``)
    escrow_threshold: QuarantineReason | None = None
    #: the cycle counts as a complete failure (``countSuccessiveCompleteFailures``)
    complete_failure: bool = False
    #: why: the quarantine's (or pruning's) ``error``
    error: SynchronizationError | None = None

    @property
    def quarantine(self) -> bool:
        return self.reason is not None


def evaluate(
    report: CycleReport,
    *,
    escrow_failures: int,
    reference_failures: int,
    successes: int,
    initial: bool,
    safety: SafetyConfig,
) -> Verdict:
    """Judge a finished cycle: quarantine (and why), prune escrows, or nothing (see the module docstring)."""
    if report.state == "Failed":
        failure = report.failure or {}
        code = failure.get("code") or "None"
        # a preflight names the side to fix; an error that ended the cycle is actionable when it is access
        actionable = failure.get("side") in ("source", "target") or code in ACCESS_DENIED_CODES
        return Verdict(
            QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION,
            complete_failure=True,
            error=SynchronizationError(code, failure.get("message") or "", actionable),
        )
    if report.quarantine and report.quarantine.get("reason") == QuarantineReason.TOO_MANY_DELETES:
        held = int(report.quarantine.get("held") or 0)
        return Verdict(
            QuarantineReason.TOO_MANY_DELETES,
            error=SynchronizationError(
                QuarantineReason.TOO_MANY_DELETES.value,
                f"{held} deletions or disables were held: more than the accidental-deletion threshold "
                f"of {safety.deletion_threshold}. Allow them with restart resetScope ForceDeletes, or fix "
                "the cause and restart.",
                True,
            ),
        )
    if (
        successes == 0
        and escrow_failures > 0
        and report.errors
        and all(code in ACCESS_DENIED_CODES for code in report.errors)
    ):
        codes = ", ".join(sorted(report.errors))
        return Verdict(
            QuarantineReason.ENCOUNTERED_QUARANTINE_EXCEPTION,
            complete_failure=True,
            error=SynchronizationError(
                sorted(report.errors)[0],
                f"Every one of the {escrow_failures} calls to the target failed ({codes}).",
                True,
            ),
        )
    threshold = escrow_threshold(
        escrow_failures=escrow_failures,
        reference_failures=reference_failures,
        successes=successes,
        safety=safety,
    )
    if threshold is None:
        return Verdict()
    events = escrow_failures + successes
    message = (
        f"{escrow_failures} of {events} events failed ({reference_failures} reference failures besides), "
        f"crossing the escrow threshold ({_rule(threshold, safety)})."
    )
    if initial:
        return Verdict(
            prune_escrows=True,
            escrow_threshold=threshold,
            error=SynchronizationError(
                threshold.value,
                message + " The initial cycle pruned its escrows and the job is paused.",
                True,
            ),
        )
    return Verdict(
        threshold, escrow_threshold=threshold, error=SynchronizationError(threshold.value, message, True)
    )


def escrow_threshold(
    *, escrow_failures: int, reference_failures: int, successes: int, safety: SafetyConfig
) -> QuarantineReason | None:
    """The escrow threshold these counts cross, or None (reference §2.11)."""
    if escrow_failures + reference_failures < safety.escrow_min_failures:
        return None
    events = escrow_failures + successes
    if events and escrow_failures > safety.escrow_proportion * events:
        return QuarantineReason.ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD
    if escrow_failures > safety.escrow_total:
        return QuarantineReason.ENCOUNTERED_TOTAL_ESCROW_THRESHOLD
    if escrow_failures + reference_failures > safety.escrow_cap_with_references:
        return QuarantineReason.ENCOUNTERED_BASE_ESCROW_THRESHOLD
    return None


def _rule(reason: QuarantineReason, safety: SafetyConfig) -> str:
    if reason is QuarantineReason.ENCOUNTERED_ESCROW_PROPORTION_THRESHOLD:
        return f"more than {safety.escrow_proportion:.0%} of events failed"
    if reason is QuarantineReason.ENCOUNTERED_TOTAL_ESCROW_THRESHOLD:
        return f"more than {safety.escrow_total} failures"
    return f"more than {safety.escrow_cap_with_references} failures including references"


def retry_offset(attempt: int) -> timedelta:
    """How long after the first failure retry number ``attempt`` (0-based) is due: 6 h, 12 h, 24 h, 48 h, 72 h, …"""
    if attempt < 0:
        raise ValueError("attempt must be >= 0")
    if attempt < len(BACKOFF):
        return BACKOFF[attempt]
    return DAILY * (attempt - 1)


def next_attempt(series_began: datetime, attempts: int, now: datetime) -> datetime | None:
    """When a quarantined job next retries, given the retries already made; None once it is to be disabled.

    Offsets count from the first failure (``series_began``). Slots already past ``now`` (an engine that was
    down) are skipped rather than run back to back. No retry lies beyond 28 days: at 28 days the job is
    disabled.
    """
    end = series_began + QUARANTINE_LIFETIME
    if now >= end:
        return None
    k = max(attempts, 0)
    when = series_began + retry_offset(k)
    while when <= now:
        k += 1
        when = series_began + retry_offset(k)
    return min(when, end)
