"""Date functions: CDate, DateAdd, DateDiff, DateFromNum, FormatDateTime, Now, NumFromDate.

DateTime values are Python datetimes in UTC; printed, they read ``M/d/yyyy h:mm:ss tt``.
"""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta

from . import dotnet_datetime
from .invocation import FunctionSpec, Invocation, Param
from .nodes import FunctionCall, Omitted

_INTERVALS = ("yyyy", "m", "d", "ww", "h", "n", "s")
_FIXED_UNITS = {
    "d": timedelta(days=1),
    "ww": timedelta(weeks=1),
    "h": timedelta(hours=1),
    "n": timedelta(minutes=1),
    "s": timedelta(seconds=1),
}


def _interval(inv: Invocation) -> str:
    interval = inv.text(0)
    if interval not in _INTERVALS:
        raise inv.fail(f"interval must be one of {', '.join(_INTERVALS)}, got {interval!r}")
    return interval


def _cdate(inv: Invocation) -> datetime | None:
    return inv.date(0)


def _add_months(value: datetime, months: int) -> datetime:
    # .NET AddMonths/AddYears: the day is clamped to the length of the target month.
    index = value.year * 12 + value.month - 1 + months
    year, month = divmod(index, 12)
    if not 1 <= year <= 9999:
        raise ValueError("the result is outside the range of DateTime")
    day = min(value.day, calendar.monthrange(year, month + 1)[1])
    return value.replace(year=year, month=month + 1, day=day)


def _date_add(inv: Invocation) -> datetime | None:
    interval = _interval(inv)
    amount, moment = inv.integer(1), inv.date(2)
    if amount is None or moment is None:
        return None
    try:
        if interval in ("yyyy", "m"):
            return _add_months(moment, amount * (12 if interval == "yyyy" else 1))
        return moment + amount * _FIXED_UNITS[interval]
    except (OverflowError, ValueError) as exc:
        raise inv.fail(str(exc)) from None


def _truncated(delta: timedelta, unit: timedelta) -> int:
    micros, unit_micros = delta // timedelta(microseconds=1), unit // timedelta(microseconds=1)
    quotient = abs(micros) // unit_micros
    return quotient if micros >= 0 else -quotient


def _date_diff(inv: Invocation) -> int | None:
    # Microsoft.VisualBasic DateDiff: calendar differences for years and months, calendar weeks
    # (Sunday to Sunday) for ww, truncated elapsed time for the rest.
    interval = _interval(inv)
    first, second = inv.date(1), inv.date(2)
    if first is None or second is None:
        return None
    first, second = _as_utc(first), _as_utc(second)
    if interval == "yyyy":
        return second.year - first.year
    if interval == "m":
        return (second.year - first.year) * 12 + second.month - first.month
    if interval == "ww":
        start = first.date() - timedelta(days=(first.weekday() + 1) % 7)
        end = second.date() - timedelta(days=(second.weekday() + 1) % 7)
        return (end - start).days // 7
    return _truncated(second - first, _FIXED_UNITS[interval])


def _as_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _date_from_num(inv: Invocation) -> datetime | None:
    ticks = inv.integer(0)
    if ticks is None:
        return None
    try:
        return dotnet_datetime.from_filetime(ticks)
    except OverflowError:
        raise inv.fail(f"{ticks} is outside the range of DateTime") from None


def _format_date_time(inv: Invocation) -> str | None:
    # The reference's form has dateTimeStyles second; the cloud-sync reference documents a
    # three-argument form without it.
    styles_index, input_index = (1, 2) if len(inv) == 4 else (None, 1)
    source = inv.text(0)
    if source is None:
        return None
    input_format, output_format = inv.text(input_index), inv.text(input_index + 1)
    if not input_format or not output_format:
        raise inv.fail("inputFormat and outputFormat must not be empty")
    try:
        styles = dotnet_datetime.parse_styles(inv.text(styles_index) if styles_index else None)
        moment = dotnet_datetime.parse_exact(source, input_format, styles, inv.context.current_time())
        return dotnet_datetime.format_datetime(moment, output_format)
    except ValueError as exc:
        raise inv.fail(str(exc)) from None


def _three_argument_form(call: FunctionCall) -> str | None:
    if len(call.args) == 3 and any(isinstance(arg, Omitted) for arg in call.args):
        return "in the three-argument form (source, inputFormat, outputFormat) no argument may be empty"
    return None


def _now(inv: Invocation) -> datetime:
    return inv.context.current_time().replace(microsecond=0)


def _num_from_date(inv: Invocation) -> int | None:
    moment = inv.date(0)
    return None if moment is None else dotnet_datetime.to_filetime(moment)


def _specs() -> list[FunctionSpec]:
    return [
        FunctionSpec("CDate", "CDate(expression)", (Param("expression"),), _cdate),
        FunctionSpec(
            "DateAdd",
            "DateAdd(interval, value, dateTime)",
            (Param("interval"), Param("value"), Param("dateTime")),
            _date_add,
        ),
        FunctionSpec(
            "DateDiff",
            "DateDiff(interval, date1, date2)",
            (Param("interval"), Param("date1"), Param("date2")),
            _date_diff,
        ),
        FunctionSpec("DateFromNum", "DateFromNum(value)", (Param("value"),), _date_from_num),
        FunctionSpec(
            "FormatDateTime",
            "FormatDateTime(source, dateTimeStyles, inputFormat, outputFormat)",
            (Param("source"), Param("dateTimeStyles", True), Param("inputFormat"), Param("outputFormat")),
            _format_date_time,
            min_args=3,
            check=_three_argument_form,
        ),
        FunctionSpec("Now", "Now()", (), _now),
        FunctionSpec("NumFromDate", "NumFromDate(value)", (Param("value"),), _num_from_date),
    ]


SPECS: tuple[FunctionSpec, ...] = tuple(_specs())
