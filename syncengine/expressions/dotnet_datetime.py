""".NET date and time formats in Python: custom and standard format strings, ParseExact, FILETIME.

The provisioning service is a .NET service: FormatDateTime takes .NET custom format strings
(``yyyy-MM-ddzzz``, ``yyyyMMddHHmmss.fZ``), DateAdd/Now/CDate print ``M/d/yyyy h:mm:ss tt`` and
DateFromNum/NumFromDate use Active Directory's FILETIME. Everything here uses the invariant culture.

A parsed value keeps .NET's DateTimeKind as its tzinfo: ``UTC`` (``timezone.utc``), ``LOCAL`` (the
service's local time, assumed to be UTC) or none (Unspecified). Values are always held in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime, timedelta, timezone

LOCAL = timezone(timedelta(0), "Local")
DISPLAY_FORMAT = "M/d/yyyy h:mm:ss tt"

MONTHS = tuple(
    "January February March April May June July August September October November December".split()
)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

# Invariant-culture patterns of the one-letter standard format strings.
_STANDARD = {
    "d": "MM/dd/yyyy",
    "D": "dddd, dd MMMM yyyy",
    "f": "dddd, dd MMMM yyyy HH:mm",
    "F": "dddd, dd MMMM yyyy HH:mm:ss",
    "g": "MM/dd/yyyy HH:mm",
    "G": "MM/dd/yyyy HH:mm:ss",
    "m": "MMMM dd",
    "M": "MMMM dd",
    "o": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "O": "yyyy'-'MM'-'dd'T'HH':'mm':'ss'.'fffffffK",
    "r": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "R": "ddd, dd MMM yyyy HH':'mm':'ss 'GMT'",
    "s": "yyyy'-'MM'-'dd'T'HH':'mm':'ss",
    "t": "HH:mm",
    "T": "HH:mm:ss",
    "u": "yyyy'-'MM'-'dd HH':'mm':'ss'Z'",
    "U": "dddd, dd MMMM yyyy HH:mm:ss",
    "y": "yyyy MMMM",
    "Y": "yyyy MMMM",
}
_SPECIFIERS = frozenset("dfFghHKmMstyz")
_MAX_RUN = {"d": 4, "M": 4, "h": 2, "H": 2, "m": 2, "s": 2, "t": 2, "z": 3, "K": 1, "g": 2}

STYLE_NAMES = tuple(
    "None AllowLeadingWhite AllowTrailingWhite AllowInnerWhite AllowWhiteSpaces NoCurrentDateDefault "
    "AdjustToUniversal AssumeLocal AssumeUniversal RoundtripKind".split()
)
DEFAULT_STYLES = frozenset({"RoundtripKind", "AllowLeadingWhite", "AllowTrailingWhite"})

Token = tuple[str, int] | str  # (specifier letter, run length) or literal text


def tokenize(fmt: str) -> list[Token]:
    """Split a .NET format string into specifiers and literals (standard one-letter formats expanded)."""
    if len(fmt) == 1:
        if fmt not in _STANDARD:
            raise ValueError(f"'{fmt}' is not a standard date and time format")
        fmt = _STANDARD[fmt]
    tokens: list[Token] = []
    i = 0
    while i < len(fmt):
        char = fmt[i]
        if char in _SPECIFIERS:
            run = 1
            while i + run < len(fmt) and fmt[i + run] == char:
                run += 1
            if char in "fF" and run > 7:
                raise ValueError(f"'{char * run}': at most 7 fraction digits")
            tokens.append((char, min(run, _MAX_RUN.get(char, run))))
            i += run
        elif char in "'\"":
            end = fmt.find(char, i + 1)
            if end < 0:
                raise ValueError(f"unterminated quoted literal in '{fmt}'")
            tokens.append(fmt[i + 1 : end])
            i = end + 1
        elif char == "\\":
            if i + 1 >= len(fmt):
                raise ValueError(f"'\\' at the end of '{fmt}'")
            tokens.append(fmt[i + 1])
            i += 2
        elif char == "%":
            if i + 1 >= len(fmt) or fmt[i + 1] not in _SPECIFIERS:
                raise ValueError(f"'%' must precede a format specifier in '{fmt}'")
            tokens.append((fmt[i + 1], 1))
            i += 2
        else:
            tokens.append(char)
            i += 1
    return tokens


def format_datetime(value: datetime, fmt: str) -> str:
    """``value.ToString(fmt, CultureInfo.InvariantCulture)``."""
    out: list[str] = []
    for token in tokenize(fmt):
        if isinstance(token, str):
            out.append(token)
            continue
        char, run = token
        if char in "fF":
            digits = f"{value.microsecond:06d}0"[:run]
            if char == "F":
                digits = digits.rstrip("0")
                if not digits and out and out[-1].endswith("."):
                    out[-1] = out[-1][:-1]
            out.append(digits)
        else:
            out.append(_format_field(value, char, run))
    return "".join(out)


def _format_field(value: datetime, char: str, run: int) -> str:
    hour12 = value.hour % 12 or 12
    numeric = {
        "d": value.day,
        "M": value.month,
        "h": hour12,
        "H": value.hour,
        "m": value.minute,
        "s": value.second,
    }
    if char in numeric and run <= 2:
        return f"{numeric[char]:0{run}d}"
    if char == "d":
        return DAYS[value.weekday()][:3] if run == 3 else DAYS[value.weekday()]
    if char == "M":
        return MONTHS[value.month - 1][:3] if run == 3 else MONTHS[value.month - 1]
    if char == "y":
        return f"{value.year % 100:0{run}d}" if run <= 2 else f"{value.year:0{run}d}"
    if char == "t":
        return ("AM" if value.hour < 12 else "PM")[:run]
    if char == "g":
        return "A.D."
    if char == "K":
        return "" if value.tzinfo is None else ("Z" if value.tzinfo is UTC else "+00:00")
    # z, zz, zzz: the service's local offset, which is UTC.
    return {1: "+0", 2: "+00"}.get(run, "+00:00")


def parse_styles(text: str | None) -> frozenset[str]:
    """DateTimeStyles names separated by commas or '|', with or without the ``DateTimeStyles.`` prefix."""
    if text is None or not text.strip():
        return DEFAULT_STYLES
    styles: set[str] = set()
    canonical = {name.lower(): name for name in STYLE_NAMES}
    for raw in re.split(r"[,|+]", text):
        name = raw.strip().removeprefix("DateTimeStyles.").strip()
        if name.lower() not in canonical:
            raise ValueError(
                f"unknown DateTimeStyles value '{raw.strip()}'; use one of {', '.join(STYLE_NAMES)}"
            )
        styles.add(canonical[name.lower()])
    if "AllowWhiteSpaces" in styles:
        styles |= {"AllowLeadingWhite", "AllowTrailingWhite", "AllowInnerWhite"}
    return frozenset(styles)


def _names(names: Collection[str]) -> str:
    return "(?i:" + "|".join(sorted(names, key=len, reverse=True)) + ")"


def _pattern(char: str, run: int) -> str:
    if char in "dMhHms" and run <= 2:
        return r"\d{1,2}" if run == 1 else r"\d{2}"
    if char == "d":
        return _names([d[:3] for d in DAYS] if run == 3 else DAYS)
    if char == "M":
        return _names([m[:3] for m in MONTHS] if run == 3 else MONTHS)
    if char == "y":
        return {1: r"\d{1,2}", 2: r"\d{2}", 3: r"\d{3,4}"}.get(run, rf"\d{{{run}}}")
    if char == "f":
        return rf"\d{{{run}}}"
    if char == "F":
        return rf"\d{{0,{run}}}"
    if char == "t":
        return "(?i:[AP])" if run == 1 else "(?i:AM|PM)"
    if char == "z":
        return {1: r"[+-]\d{1,2}", 2: r"[+-]\d{2}"}.get(run, r"[+-]\d{2}:\d{2}")
    if char == "K":
        return r"(?:Z|[+-]\d{2}:\d{2})?"
    return r"(?i:A\.?D\.?)"  # g: the era


def parse_exact(text: str, fmt: str, styles: frozenset[str], now: datetime) -> datetime:
    """``DateTime.ParseExact(text, fmt, InvariantCulture, styles)``; raises ValueError on a mismatch."""
    tokens = tokenize(fmt)
    if "AllowLeadingWhite" in styles:
        text = text.lstrip()
    if "AllowTrailingWhite" in styles:
        text = text.rstrip()
    gap = r"\s*" if "AllowInnerWhite" in styles else ""
    parts: list[str] = []
    fields: list[tuple[str, int]] = []
    for token in tokens:
        if isinstance(token, str):
            parts.append(re.escape(token))
        else:
            parts.append(f"({_pattern(*token)})")
            fields.append(token)
    match = re.fullmatch(gap.join(parts), text)
    if match is None:
        raise ValueError(f"'{text}' does not match the format '{fmt}'")
    return _assemble(list(zip(fields, match.groups(), strict=True)), styles, now)


def _assemble(found: list[tuple[tuple[str, int], str]], styles: frozenset[str], now: datetime) -> datetime:
    fields: dict[str, tuple[int, str]] = {}
    for (char, run), text in found:
        if not (char == "d" and run >= 3):  # a day name carries nothing the date does not
            fields[char] = (run, text)

    def number(char: str, default: int) -> int:
        return int(fields[char][1]) if char in fields else default

    has_date = any(char in fields for char in "yMd")
    base = datetime(1, 1, 1) if has_date or "NoCurrentDateDefault" in styles else now
    year = base.year if "y" in fields or not has_date else now.year
    if "y" in fields:
        run, digits = fields["y"]
        year = int(digits) + ((2000 if int(digits) <= 29 else 1900) if run <= 2 else 0)
    month = base.month
    if "M" in fields:
        run, text = fields["M"]
        month = int(text) if run <= 2 else _month_number(text)
    hour = number("H", number("h", 0))
    if "t" in fields:
        hour = hour % 12 + (12 if fields["t"][1].upper().startswith("P") else 0)
    fraction = fields.get("f", fields.get("F", (0, "")))[1]
    micro = int((fraction + "000000")[:6])
    value = datetime(year, month, number("d", base.day), hour, number("m", 0), number("s", 0), micro)
    offset_text = fields.get("z", fields.get("K", (0, "")))[1]
    if offset_text:
        value = (value - _offset(offset_text)).replace(tzinfo=UTC)
        utc = "AdjustToUniversal" in styles or (offset_text == "Z" and "RoundtripKind" in styles)
        return value if utc else value.replace(tzinfo=LOCAL)
    if "AssumeUniversal" in styles:
        return value.replace(tzinfo=UTC)
    if "AssumeLocal" in styles:
        return value.replace(tzinfo=UTC if "AdjustToUniversal" in styles else LOCAL)
    return value


def _month_number(name: str) -> int:
    for index, month in enumerate(MONTHS):
        if month.lower().startswith(name.lower()):
            return index + 1
    raise ValueError(f"unknown month name '{name}'")


def _offset(text: str) -> timedelta:
    if text.upper() == "Z":
        return timedelta(0)
    sign = -1 if text[0] == "-" else 1
    hours, _, minutes = text[1:].partition(":")
    if not minutes and len(hours) == 4:
        hours, minutes = hours[:2], hours[2:]
    return sign * timedelta(hours=int(hours), minutes=int(minutes or 0))


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,7}))?)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_US = re.compile(
    r"(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AP]M)?)?"
    r"\s*(Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)


def parse_any(text: str) -> datetime:
    """A date/time string as CDate reads it, in UTC; a value without an offset is taken as UTC.

    Accepted: ISO 8601 dates with optional time and offset (``2020-03-16-07:00``,
    ``2009-06-15T01:45:30-07:00``) and the service's own ``M/d/yyyy h:mm:ss tt`` form.
    """
    text = text.strip()
    iso = _ISO.fullmatch(text)
    if iso:
        year, month, day, hour, minute, second, fraction, offset = iso.groups()
        micro = int(((fraction or "") + "000000")[:6])
        parts = (int(year), int(month), int(day), int(hour or 0), int(minute or 0), int(second or 0))
        value = datetime(*parts, micro)
    else:
        us = _US.fullmatch(text)
        if us is None:
            raise ValueError(f"'{text}' is not a recognised date/time")
        month, day, year, hour, minute, second, meridiem, offset = us.groups()
        hour_value = int(hour or 0)
        if meridiem:
            hour_value = hour_value % 12 + (12 if meridiem.upper() == "PM" else 0)
        value = datetime(int(year), int(month), int(day), hour_value, int(minute or 0), int(second or 0))
    if offset:
        value -= _offset(offset)
    return value.replace(tzinfo=UTC)


_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


def from_filetime(ticks: int) -> datetime:
    """An Active Directory FILETIME (100 ns intervals since 1601-01-01 UTC) as a UTC datetime."""
    return _FILETIME_EPOCH + timedelta(microseconds=ticks // 10)


def to_filetime(value: datetime) -> int:
    """A datetime (naive means UTC) as an Active Directory FILETIME."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value.astimezone(UTC) - _FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
