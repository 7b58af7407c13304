""".NET format strings: custom specifiers, standard formats, ParseExact, FILETIME."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncengine.expressions import dotnet_datetime as dn

MOMENT = datetime(2009, 6, 15, 13, 45, 30, 617_500, tzinfo=UTC)
NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("fmt", "text"),
    [
        ("yyyy-MM-dd", "2009-06-15"),
        ("M/d/yyyy h:mm:ss tt", "6/15/2009 1:45:30 PM"),
        ("yyyyMMddHHmmss", "20090615134530"),
        ("dddd, MMMM d", "Monday, June 15"),
        ("ddd MMM", "Mon Jun"),
        ("yy y yyyyy", "09 9 02009"),
        ("hh t", "01 P"),
        ("HH:mm:ss.fff", "13:45:30.617"),
        ("ss.fffffff", "30.6175000"),
        ("ss.FFFFFFF", "30.6175"),
        ("zzz zz z K", "+00:00 +00 +0 Z"),
        ("'Date:' yyyy \\y", "Date: 2009 y"),
        ('"q"%d', "q15"),
        ("g", "06/15/2009 13:45"),
        ("o", "2009-06-15T13:45:30.6175000Z"),
        ("s", "2009-06-15T13:45:30"),
        ("u", "2009-06-15 13:45:30Z"),
        ("d", "06/15/2009"),
        ("R", "Mon, 15 Jun 2009 13:45:30 GMT"),
    ],
)
def test_format_datetime_custom_and_standard(fmt: str, text: str) -> None:
    assert dn.format_datetime(MOMENT, fmt) == text


def test_f_specifier_drops_trailing_zeros_and_a_bare_point() -> None:
    whole = MOMENT.replace(microsecond=0)
    assert dn.format_datetime(whole, "HH:mm:ss.FFF") == "13:45:30"
    assert dn.format_datetime(whole, "HH:mm:ss.fff") == "13:45:30.000"


def test_kind_prints_through_k() -> None:
    assert dn.format_datetime(MOMENT.replace(tzinfo=None), "%K") == ""
    assert dn.format_datetime(MOMENT.replace(tzinfo=dn.LOCAL), "%K") == "+00:00"
    assert dn.format_datetime(MOMENT, "%K") == "Z"


@pytest.mark.parametrize("fmt", ["q", "ffffffff"])
def test_bad_formats_raise(fmt: str) -> None:
    with pytest.raises(ValueError):
        dn.format_datetime(MOMENT, fmt)


@pytest.mark.parametrize(
    ("text", "fmt", "expected"),
    [
        ("20150123105347.1Z", "yyyyMMddHHmmss.fZ", datetime(2015, 1, 23, 10, 53, 47, 100_000)),
        ("12/31/2020 10:00:00 PM", "M/d/yyyy hh:mm:ss tt", datetime(2020, 12, 31, 22)),
        ("31 December 2020", "dd MMMM yyyy", datetime(2020, 12, 31)),
        ("15-Jun-09", "dd-MMM-yy", datetime(2009, 6, 15)),
        ("15-Jun-49", "dd-MMM-yy", datetime(1949, 6, 15)),
        ("13:45", "HH:mm", datetime(2024, 5, 1, 13, 45)),
    ],
)
def test_parse_exact(text: str, fmt: str, expected: datetime) -> None:
    assert dn.parse_exact(text, fmt, dn.DEFAULT_STYLES, NOW) == expected


def test_parse_exact_offsets_convert_to_utc() -> None:
    local = dn.parse_exact("2020-12-31+08:00", "yyyy-MM-ddzzz", dn.DEFAULT_STYLES, NOW)
    assert local == datetime(2020, 12, 30, 16, tzinfo=dn.LOCAL)
    assert local.tzinfo is dn.LOCAL
    utc = dn.parse_exact("2020-12-31T00:00:00Z", "yyyy-MM-ddTHH:mm:ssK", dn.DEFAULT_STYLES, NOW)
    assert utc.tzinfo is UTC


def test_parse_exact_whitespace_and_assumptions() -> None:
    with pytest.raises(ValueError):
        dn.parse_exact(" 2020", "yyyy", frozenset({"None"}), NOW)
    assumed = dn.parse_exact("2020", "yyyy", dn.parse_styles("AssumeUniversal"), NOW)
    assert assumed == datetime(2020, 1, 1, tzinfo=UTC)
    assert dn.parse_exact("2020 - 01", "yyyy-MM", dn.parse_styles("AllowWhiteSpaces"), NOW) == datetime(
        2020, 1, 1
    )


def test_filetime_round_trip() -> None:
    assert dn.from_filetime(129699324000000000) == datetime(2012, 1, 1, 23, tzinfo=UTC)
    assert dn.to_filetime(datetime(2012, 1, 1, 23, tzinfo=UTC)) == 129699324000000000
    assert dn.to_filetime(datetime(1601, 1, 1)) == 0
