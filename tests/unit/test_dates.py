from datetime import UTC, date, datetime, timedelta

import pytest

from fieldvisit.core.dates import (
    UK_TIME,
    format_date,
    format_datetime,
    format_due,
    parse_iso_date,
    uk_date,
    utcnow,
)


def test_utcnow_is_timezone_aware_utc():
    now = utcnow()
    assert now.utcoffset() == timedelta(0)
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-09-01", date(2026, 9, 1)),
        (" 2027-02-28\n", date(2027, 2, 28)),
        ("2028-02-29", date(2028, 2, 29)),
    ],
)
def test_parse_iso_date(value, expected):
    assert parse_iso_date(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1/9/2026", "is not a date written as YYYY-MM-DD"),
        ("20260901", "is not a date written as YYYY-MM-DD"),
        ("2026-09-01T09:00", "is not a date written as YYYY-MM-DD"),
        ("", "is not a date written as YYYY-MM-DD"),
        ("2027-02-29", "is not a real date"),
        ("2026-13-01", "is not a real date"),
    ],
)
def test_parse_iso_date_refuses(value, message):
    with pytest.raises(ValueError, match=message):
        parse_iso_date(value)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (date(2026, 9, 1), "1 September 2026"),
        (date(2027, 12, 25), "25 December 2027"),
    ],
)
def test_format_date(d, expected):
    assert format_date(d) == expected


@pytest.mark.parametrize(
    ("dt", "expected"),
    [
        (datetime(2026, 9, 1, 8, 5, tzinfo=UTC), "1 September 2026 at 9:05am"),  # BST
        (datetime(2026, 11, 29, 14, 30, tzinfo=UTC), "29 November 2026 at 2:30pm"),  # GMT
        (datetime(2026, 11, 29, 10, 0, tzinfo=UTC), "29 November 2026 at 10am"),
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "29 November 2026 at midday"),
        (datetime(2026, 11, 29, 0, 0, tzinfo=UTC), "29 November 2026 at midnight"),
        (datetime(2026, 11, 29, 0, 10, tzinfo=UTC), "29 November 2026 at 12:10am"),
        (datetime(2026, 7, 31, 23, 30, tzinfo=UTC), "1 August 2026 at 12:30am"),  # next day in UK
        (datetime(2026, 9, 1, 8, 5), "1 September 2026 at 9:05am"),  # naive is taken as UTC
    ],
)
def test_format_datetime(dt, expected):
    assert format_datetime(dt) == expected


def test_a_due_date_reads_as_an_office_plans_by_it():
    assert format_due(date(2026, 12, 4), today=date(2026, 12, 2)) == "Friday 4 December"
    assert format_due(date(2027, 1, 5), today=date(2026, 12, 2)) == "Tuesday 5 January 2027"


def test_uk_date_is_the_date_in_england_at_every_moment_across_the_clock_changes():
    moment = datetime(2026, 3, 28, 20, 3, tzinfo=UTC)  # the night the clocks go forward
    while moment < datetime(2026, 10, 26, 3, tzinfo=UTC):  # past the night they go back
        assert uk_date(moment) == moment.astimezone(UK_TIME).date(), moment
        moment += timedelta(minutes=13) if moment.month in (3, 10) else timedelta(hours=5)
    assert uk_date(datetime(2026, 6, 1, 23, 30, tzinfo=UTC)) == date(2026, 6, 2)  # BST
    assert uk_date(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)  # GMT
