"""The simulator's one clock: real time by default, virtual on request."""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(
    r"^P(?:(?P<w>\d+(?:\.\d+)?)W)?(?:(?P<d>\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(?P<h>\d+(?:\.\d+)?)H)?(?:(?P<m>\d+(?:\.\d+)?)M)?(?:(?P<s>\d+(?:\.\d+)?)S)?)?$"
)


def parse_duration(text: str) -> timedelta:
    """Parse an ISO-8601 duration such as ``PT40M`` or ``P7DT1H``; raise ValueError otherwise."""
    m = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if not m or text.strip() in ("P", "PT") or text.strip().endswith("T"):
        raise ValueError(f"not an ISO-8601 duration: {text!r} (example: PT40M, P7D, PT1H30M)")
    parts = {k: float(v) if v else 0.0 for k, v in m.groupdict().items()}
    try:
        return timedelta(
            weeks=parts["w"], days=parts["d"], hours=parts["h"], minutes=parts["m"], seconds=parts["s"]
        )
    except OverflowError:
        raise ValueError(f"is too long: {text!r} (at most {timedelta.max.days} days)") from None


#: Virtual time stays before this, so "now + a token lifetime / a purge delay" stays a valid date.
LATEST_VIRTUAL = datetime(9000, 1, 1, tzinfo=UTC)
EARLIEST_VIRTUAL = datetime(1970, 1, 2, tzinfo=UTC)


class ClockRangeError(ValueError):
    """A virtual time outside what the simulator can compute with (before 1970 or from year 9000)."""


def check_virtual_time(when: datetime) -> None:
    """``ClockRangeError`` unless ``when`` is a time the virtual clock may show."""
    if not EARLIEST_VIRTUAL <= when < LATEST_VIRTUAL:
        raise ClockRangeError(
            f"the virtual clock must stay between {EARLIEST_VIRTUAL.date()} and {LATEST_VIRTUAL.date()} "
            f"(asked for {when.isoformat()})"
        )


class Clock:
    """Wall-clock time, or a virtual time that only moves when advanced (or slept through)."""

    def __init__(self, virtual_start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._virtual: datetime | None = virtual_start

    @property
    def is_virtual(self) -> bool:
        return self._virtual is not None

    def now(self) -> datetime:
        """Current time, timezone-aware UTC."""
        v = self._virtual
        return v if v is not None else datetime.now(UTC)

    def timestamp(self) -> float:
        v = self._virtual
        return v.timestamp() if v is not None else time.time()

    def set_virtual(self, start: datetime | None = None) -> None:
        """Freeze time at ``start`` (default: now) and let only ``advance`` move it."""
        try:
            when = (start or datetime.now(UTC)).astimezone(UTC)
        except OverflowError:
            raise ClockRangeError(f"the virtual clock cannot show {start!r}") from None
        check_virtual_time(when)
        with self._lock:
            self._virtual = when

    def set_real(self) -> None:
        with self._lock:
            self._virtual = None

    def advance(self, delta: timedelta) -> datetime:
        """Move virtual time forward; refused on a real clock."""
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        with self._lock:
            if self._virtual is None:
                raise ValueError("the clock is real; switch it to virtual first")
            if delta >= LATEST_VIRTUAL - self._virtual:
                check_virtual_time(LATEST_VIRTUAL)  # raises, naming the range
            self._virtual = self._virtual + delta
            return self._virtual

    def sleep(self, seconds: float) -> None:
        """Wait: really on a real clock, by advancing on a virtual one."""
        if seconds <= 0:
            return
        if self._virtual is None:
            time.sleep(seconds)
        else:
            self.advance(timedelta(seconds=seconds))


def iso(dt: datetime) -> str:
    """Graph's datetime form: UTC with a Z and no fractional seconds."""
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
