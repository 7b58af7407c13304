"""Date functions: CDate, DateAdd, DateDiff, DateFromNum, FormatDateTime, Now, NumFromDate."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncengine.expressions import EvalContext, ExpressionEvaluationError, evaluate

from .conftest import Run


@pytest.mark.parametrize(
    ("value", "result"),
    [
        ("2020-03-16-07:00", "3/16/2020 7:00:00 AM"),
        ("2021-06-30+08:00", "6/29/2021 4:00:00 PM"),
        ("2009-06-15T01:45:30-07:00", "6/15/2009 8:45:30 AM"),
        ("7/2/2021 3:33:38 PM", "7/2/2021 3:33:38 PM"),
        ("2021-08-24", "8/24/2021 12:00:00 AM"),
    ],
)
def test_cdate_documented_examples_in_utc(run: Run, value: str, result: str) -> None:
    assert run("CDate([StatusHireDate])", StatusHireDate=value) == result


def test_cdate_rejects_unknown_formats_and_keeps_null(run: Run) -> None:
    assert run("CDate([missing])") is None
    with pytest.raises(ExpressionEvaluationError, match="is not a recognised date/time"):
        run('CDate("next tuesday")')


@pytest.mark.parametrize(
    ("interval", "value", "result"),
    [
        ("d", 7, "3/23/2012 7:00:00 AM"),
        ("d", -10, "3/6/2012 7:00:00 AM"),
        ("ww", 2, "3/30/2012 7:00:00 AM"),
        ("m", 10, "1/16/2013 7:00:00 AM"),
        ("yyyy", 2, "3/16/2014 7:00:00 AM"),
        ("h", 5, "3/16/2012 12:00:00 PM"),
        ("n", 90, "3/16/2012 8:30:00 AM"),
        ("s", -1, "3/16/2012 6:59:59 AM"),
    ],
)
def test_date_add_documented_table(run: Run, interval: str, value: int, result: str) -> None:
    expression = f'DateAdd("{interval}", {value}, CDate([StatusHireDate]))'
    assert run(expression, StatusHireDate="2012-03-16-07:00") == result


def test_date_add_clamps_to_the_end_of_the_month(run: Run) -> None:
    assert run('DateAdd("m", 1, CDate("2021-01-31"))') == "2/28/2021 12:00:00 AM"
    assert run('DateAdd("yyyy", 1, CDate("2020-02-29"))') == "2/28/2021 12:00:00 AM"


def test_date_add_rejects_undocumented_intervals(run: Run) -> None:
    with pytest.raises(ExpressionEvaluationError, match="interval must be one of yyyy, m, d, ww, h, n, s"):
        run('DateAdd("q", 1, Now())')


@pytest.mark.parametrize(
    ("interval", "date1", "date2", "result"),
    [
        ("d", "2021-08-18+08:00", "2021-08-31+08:00", 13),
        ("d", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -3449),
        ("ww", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -493),
        ("m", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -113),
        ("yyyy", "8/25/2021 5:41:18 PM", "2012-03-16-07:00", -9),
        ("d", "2021-08-31+08:00", "2021-08-31+08:00", 0),
        ("h", "2021-08-24", "2021-08-25", 24),
        ("n", "2021-08-24", "2021-08-25", 1440),
        ("s", "2021-08-24", "2021-08-25", 86400),
    ],
)
def test_date_diff_documented_table(run: Run, interval: str, date1: str, date2: str, result: int) -> None:
    assert run(f'DateDiff("{interval}", CDate([d1]), CDate([d2]))', d1=date1, d2=date2) == result


def test_date_diff_against_now_in_a_condition(run: Run) -> None:
    # The clock stands at 2024-05-01 12:00 UTC.
    expression = 'IIF(DateDiff("d", Now(), CDate([StatusHireDate])) > 5, "False", "True")'
    assert run(expression, StatusHireDate="2024-05-10") == "False"
    assert run(expression, StatusHireDate="2024-05-03") == "True"


def test_date_from_num_documented_example(run: Run) -> None:
    assert run("DateFromNum(129699324000000000)") == "1/1/2012 11:00:00 PM"
    assert (
        run("DateFromNum([lastLogonTimestamp])", lastLogonTimestamp="129699324000000000")
        == "1/1/2012 11:00:00 PM"
    )
    assert run("DateFromNum([missing])") is None


def test_format_date_time_documented_example(run: Run) -> None:
    expression = 'FormatDateTime([extensionAttribute1], , "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")'
    assert run(expression, extensionAttribute1="20150123105347.1Z") == "2015-01-23"


def test_format_date_time_three_argument_cloud_sync_form(run: Run) -> None:
    expression = 'FormatDateTime([extensionAttribute1], "yyyyMMddHHmmss.fZ", "yyyy-MM-dd")'
    assert run(expression, extensionAttribute1="20150123105347.1Z") == "2015-01-23"


@pytest.mark.parametrize(
    ("styles", "output"),
    [
        ("", "2020-12-31T08:00:00+00:00"),
        ("AdjustToUniversal", "2020-12-31T08:00:00Z"),
        ("DateTimeStyles.AdjustToUniversal, DateTimeStyles.AllowLeadingWhite", "2020-12-31T08:00:00Z"),
    ],
)
def test_format_date_time_styles_decide_the_kind(run: Run, styles: str, output: str) -> None:
    expression = f'FormatDateTime([d], "{styles}", "yyyy-MM-ddzzz", "yyyy-MM-ddTHH:mm:ssK")'
    assert run(expression, d="2020-12-31-08:00") == output


def test_format_date_time_default_styles_allow_surrounding_white_space(run: Run) -> None:
    assert run('FormatDateTime([d], , "yyyy-MM-dd", "dd.MM.yyyy")', d=" 2020-12-31 ") == "31.12.2020"
    with pytest.raises(ExpressionEvaluationError, match="does not match"):
        run('FormatDateTime([d], "AdjustToUniversal", "yyyy-MM-dd", "dd.MM.yyyy")', d=" 2020-12-31 ")


def test_format_date_time_errors(run: Run) -> None:
    with pytest.raises(ExpressionEvaluationError, match="does not match the format"):
        run('FormatDateTime([d], , "yyyy-MM-dd", "yyyy")', d="31/12/2020")
    with pytest.raises(ExpressionEvaluationError, match="unknown DateTimeStyles value 'Sideways'"):
        run('FormatDateTime([d], "Sideways", "yyyy", "yyyy")', d="2020")
    assert run('FormatDateTime([missing], , "yyyy", "yyyy")') is None


def test_now_uses_the_context_clock(run: Run) -> None:
    assert run("Now()") == "5/1/2024 12:00:00 PM"
    later = EvalContext(now=datetime(2021, 7, 2, 15, 33, 38, 999, tzinfo=UTC))
    assert evaluate("Now()", {}, context=later) == "7/2/2021 3:33:38 PM"


def test_num_from_date_documented_workday_example(run: Run) -> None:
    expression = 'NumFromDate(Join("", FormatDateTime([ContractEndDate], ,"yyyy-MM-ddzzz", "yyyy-MM-dd"), " 23:59:59-08:00"))'
    # 2020-12-31 23:59:59 -08:00 is 2021-01-01 07:59:59 UTC.
    assert run(expression, ContractEndDate="2020-12-31-08:00") == 132539615990000000


def test_num_from_date_documented_successfactors_example(run: Run) -> None:
    expression = 'NumFromDate(Join("",FormatDateTime([endDate], ,"M/d/yyyy hh:mm:ss tt","yyyy-MM-dd")," 23:59:59-08:00"))'
    assert run(expression, endDate="12/31/2020 10:00:00 PM") == 132539615990000000


def test_num_from_date_and_date_from_num_are_inverse(run: Run) -> None:
    assert run('DateFromNum(NumFromDate("2012-01-01T23:00:00Z"))') == "1/1/2012 11:00:00 PM"
