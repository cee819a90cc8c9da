"""What people really type, coerced by the one set of value functions."""

import datetime as dt
from decimal import Decimal

import pytest

from xlgoals.values import clean_text, to_amount, to_date, to_year, to_yes_no


@pytest.mark.parametrize("raw, expected", [
    ("9,000,000", Decimal("9000000")),
    ("９，０００，０００", Decimal("9000000")),
    (" 1 000.50 元 ", Decimal("1000.50")),
    (9000000.0, Decimal("9000000")),
    (12345.67, Decimal("12345.67")),
    (14167000, Decimal("14167000")),
    ("-5", Decimal("-5")),
    ("九百万", "九百万"),
    ("9,00,000", "9,00,000"),
    ("", None),
    (None, None),
])
def test_amounts(raw, expected):
    assert to_amount(raw) == expected
    assert type(to_amount(raw)) is type(expected)


@pytest.mark.parametrize("raw, expected", [
    ("2020-01-01", dt.date(2020, 1, 1)),
    ("2020年1月1日", dt.date(2020, 1, 1)),
    ("2020/1/1", dt.date(2020, 1, 1)),
    ("2020.1.1", dt.date(2020, 1, 1)),
    ("２０２０年１２月３１日", dt.date(2020, 12, 31)),
    ("20201231", dt.date(2020, 12, 31)),
    (43831, dt.date(2020, 1, 1)),
    (43831.0, dt.date(2020, 1, 1)),
    (dt.datetime(2020, 5, 6, 0, 0), dt.date(2020, 5, 6)),
    (" 2020-01-01 ", dt.date(2020, 1, 1)),
    ("2020-02-30", "2020-02-30"),
    ("年初", "年初"),
    (12, "12"),
])
def test_dates(raw, expected):
    assert to_date(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    ("是", True), ("否", False), (" 否 ", False), (True, True), ("Y", True), ("无", "无"), (None, None),
])
def test_yes_no(raw, expected):
    assert to_yes_no(raw) == expected


@pytest.mark.parametrize("raw, expected", [
    (2021, 2021), ("2021", 2021), ("（2021年度）", 2021), ("2021年", 2021), (2021.0, 2021),
    ("（明年年度）", "明年"), ("abc", "abc"), ("明年", "明年"), ("2021年度", 2021),
])
def test_years(raw, expected):
    assert to_year(raw) == expected


def test_text_is_trimmed_and_made_storable():
    assert clean_text("\u3000 项目 \n") == "项目"
    assert clean_text("a\r\nb\rc\x07") == "a\nb\nc"
    assert clean_text("   ") is None
    assert clean_text(100.0) == "100"
    assert (clean_text(True), clean_text(False)) == ("TRUE", "FALSE")  # as Excel shows them


@pytest.mark.parametrize("raw, spelled", [("9,000,000.00", "9000000"), ("1,000.50", "1000.5"), (Decimal("1E-7"), "0.0000001"),
                                          (Decimal("1E+3"), "1000"), (12345.670, "12345.67")])
def test_amounts_have_one_spelling(raw, spelled):
    """The JSON export and the archive see the same text for the same amount, with no exponent."""
    from xlgoals import Budget

    assert Budget(total=raw).model_dump(mode="json")["total"] == spelled
    assert Budget.model_validate_json(Budget(total=raw).model_dump_json()).total == to_amount(raw)
