from datetime import date, timedelta

import pytest

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.demo.terms import demo_terms

CALENDAR = SchoolCalendar(*demo_terms())


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 9, 4), True),  # Friday in term
        (date(2026, 9, 5), False),  # Saturday
        (date(2026, 9, 6), False),  # Sunday
        (date(2026, 9, 1), False),  # INSET day
        (date(2026, 9, 2), True),
        (date(2026, 10, 26), False),  # autumn half term
        (date(2026, 10, 30), False),
        (date(2026, 11, 2), False),  # INSET day after half term
        (date(2026, 11, 3), True),
        (date(2026, 12, 24), False),  # Christmas holiday
        (date(2027, 5, 3), False),  # May Day, in term
        (date(2027, 5, 31), False),  # spring bank holiday, in half term
        (date(2027, 7, 21), True),  # last day of the year
        (date(2027, 7, 22), False),  # summer holiday
        (date(2028, 1, 10), False),  # after the last known term
    ],
)
def test_is_school_day(day, expected):
    assert CALENDAR.is_school_day(day) is expected


def test_bank_holiday_in_term_is_not_a_school_day():
    calendar = SchoolCalendar([Term("No half term", date(2027, 5, 24), date(2027, 6, 4))])
    assert not calendar.is_school_day(date(2027, 5, 31))
    assert calendar.is_school_day(date(2027, 6, 1))


def test_bank_holidays_cover_every_year_a_term_touches():
    calendar = SchoolCalendar([Term("Over new year", date(2027, 12, 20), date(2028, 1, 7))])
    assert not calendar.is_school_day(date(2027, 12, 27))  # Christmas Day observed
    assert not calendar.is_school_day(date(2028, 1, 3))  # New Year's Day observed
    assert calendar.is_school_day(date(2028, 1, 4))


def test_bank_holidays_can_be_given():
    terms, closures = demo_terms()
    calendar = SchoolCalendar(terms, closures, bank_holidays=[])
    assert calendar.is_school_day(date(2027, 5, 3))


def test_2026_27_has_190_school_days():
    year_start, year_end = date(2026, 9, 1), date(2027, 7, 21)
    assert CALENDAR.school_day_number(year_start, year_end) == 190
    days = (year_start + timedelta(days=i) for i in range((year_end - year_start).days + 1))
    assert sum(CALENDAR.is_school_day(d) for d in days) == 190


@pytest.mark.parametrize(
    ("first_day", "day_1"),
    [
        (date(2026, 9, 2), date(2026, 9, 2)),  # a school day
        (date(2026, 9, 5), date(2026, 9, 7)),  # Saturday
        (date(2026, 12, 24), date(2027, 1, 5)),  # Christmas holiday, then an INSET day
        (date(2026, 10, 28), date(2026, 11, 3)),  # half term, then an INSET day
        (date(2027, 5, 1), date(2027, 5, 4)),  # weekend, then May Day
        (date(2026, 8, 10), date(2026, 9, 2)),  # summer holiday
    ],
)
def test_day_1_is_the_first_school_day_on_or_after_the_first_day(first_day, day_1):
    assert CALENDAR.date_of_school_day(first_day, 1) == day_1
    assert CALENDAR.school_day_number(first_day, day_1) == 1
    assert CALENDAR.school_day_number(first_day, day_1 - timedelta(days=1)) == 0


def test_day_10_across_half_term():
    first_day = date(2026, 10, 19)
    assert CALENDAR.date_of_school_day(first_day, 5) == date(2026, 10, 23)
    assert CALENDAR.date_of_school_day(first_day, 6) == date(2026, 11, 3)
    assert CALENDAR.date_of_school_day(first_day, 10) == date(2026, 11, 9)
    assert CALENDAR.school_day_number(first_day, date(2026, 11, 9)) == 10


@pytest.mark.parametrize(
    ("on", "number"),
    [
        (date(2026, 10, 18), 0),  # before the first day
        (date(2026, 10, 19), 1),
        (date(2026, 10, 24), 5),  # Saturday keeps Friday's number
        (date(2026, 10, 28), 5),  # half term
        (date(2026, 11, 2), 5),  # INSET day
        (date(2026, 11, 3), 6),
    ],
)
def test_a_date_that_is_not_a_school_day_has_the_number_of_the_one_before(on, number):
    assert CALENDAR.school_day_number(date(2026, 10, 19), on) == number


@pytest.mark.parametrize(
    "first_day",
    [date(2026, 4, 13), date(2026, 7, 20), date(2026, 9, 5), date(2026, 12, 24), date(2027, 3, 1)],
)
def test_date_of_school_day_round_trips(first_day):
    for n in range(1, 150):
        assert CALENDAR.school_day_number(first_day, CALENDAR.date_of_school_day(first_day, n)) == n


def test_date_of_school_day_counts_from_1():
    with pytest.raises(ValueError, match="counted from 1"):
        CALENDAR.date_of_school_day(date(2026, 9, 1), 0)


def test_date_of_school_day_past_the_calendar():
    with pytest.raises(ValueError, match="after the last term in the calendar"):
        CALENDAR.date_of_school_day(date(2027, 12, 1), 20)


@pytest.mark.parametrize(
    ("day", "next_day"),
    [
        (date(2026, 10, 23), date(2026, 11, 3)),
        (date(2026, 9, 4), date(2026, 9, 7)),
        (date(2026, 9, 7), date(2026, 9, 8)),
    ],
)
def test_next_school_day(day, next_day):
    assert CALENDAR.next_school_day(day) == next_day


def test_next_school_day_past_the_calendar():
    with pytest.raises(ValueError, match="add the next year's term dates"):
        CALENDAR.next_school_day(date(2027, 12, 17))


@pytest.mark.parametrize(
    ("day", "covered"),
    [
        (date(2026, 4, 12), False),
        (date(2026, 4, 13), True),
        (date(2026, 8, 10), True),  # summer holiday between known terms
        (date(2026, 11, 29), True),
        (date(2027, 12, 17), True),
        (date(2027, 12, 20), False),
    ],
)
def test_covers(day, covered):
    assert CALENDAR.covers(day) is covered


def test_empty_calendar_covers_nothing():
    calendar = SchoolCalendar([])
    assert not calendar.covers(date(2026, 11, 29))
    assert calendar.school_day_number(date(2026, 11, 2), date(2026, 11, 29)) == 0


def test_term_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="before it starts"):
        Term("Backwards", date(2026, 9, 1), date(2026, 8, 31))
