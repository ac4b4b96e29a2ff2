"""Properties of the school-day calendar, over any term dates."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.schools.models import LocalAuthority, PeriodUnit
from fieldvisit.schools.services import waiting_period_ended_if_accepted_by, waiting_period_ends

START = date(2025, 9, 1)


@st.composite
def calendars(draw: st.DrawFn) -> SchoolCalendar:
    """Terms of 5 to 80 days with gaps of 0 to 20 days, and some closures inside them."""
    terms, day = [], START + timedelta(days=draw(st.integers(0, 6)))
    for n in range(draw(st.integers(1, 6))):
        length = draw(st.integers(5, 80))
        terms.append(Term(f"term {n}", day, day + timedelta(days=length - 1)))
        day += timedelta(days=length + draw(st.integers(0, 20)))
    span = (terms[-1].ends_on - START).days
    closures = draw(st.lists(st.integers(0, span), max_size=8))
    return SchoolCalendar(terms, [START + timedelta(days=d) for d in closures])


def offset_dates(max_days: int = 800) -> st.SearchStrategy[date]:
    return st.integers(-30, max_days).map(lambda d: START + timedelta(days=d))


@given(calendars(), offset_dates(), st.integers(1, 150))
def test_a_day_number_round_trips_through_its_date(calendar, first_day, n):
    try:
        on = calendar.date_of_school_day(first_day, n)
    except ValueError:
        return  # past the last term: the calendar says so rather than guessing
    assert calendar.is_school_day(on)
    assert on >= first_day
    assert calendar.school_day_number(first_day, on) == n


@given(calendars(), offset_dates(), offset_dates(), offset_dates())
def test_the_day_count_never_goes_back_and_moves_only_on_school_days(calendar, first, a, b):
    earlier, later = sorted((a, b))
    assert calendar.school_day_number(first, earlier) <= calendar.school_day_number(first, later)
    before = calendar.school_day_number(first, later - timedelta(days=1))
    now = calendar.school_day_number(first, later)
    if calendar.is_school_day(later) and later >= first:
        assert now == before + 1
    else:
        assert now == before


@given(calendars(), offset_dates())
def test_the_next_school_day_is_a_school_day_after_the_date(calendar, day):
    try:
        following = calendar.next_school_day(day)
    except ValueError:
        return
    assert following > day and calendar.is_school_day(following)
    gap = (following - day).days
    assert not any(calendar.is_school_day(day + timedelta(days=d)) for d in range(1, gap))


@given(calendars(), offset_dates(), offset_dates(), st.integers(1, 40), st.booleans())
def test_the_waiting_periods_reverse_agrees_with_it(calendar, accepted, today, n, school_days):
    """The LA overview asks in SQL "accepted by the cut-off"; the engine asks "ended by today"."""
    unit = PeriodUnit.SCHOOL_DAYS if school_days else PeriodUnit.CALENDAR_DAYS
    la = LocalAuthority(removal_after_days=n, removal_after_unit=unit)
    try:
        ended = waiting_period_ends(calendar, la, accepted) <= today
    except ValueError:
        return  # past the last term: the pages say which term dates to add
    cutoff = waiting_period_ended_if_accepted_by(calendar, la, today)
    assert ended == (cutoff is not None and accepted <= cutoff)


@given(calendars(), offset_dates(), st.integers(1, 150))
def test_counting_back_finds_the_day_counting_forward_reaches(calendar, on, n):
    back = calendar.school_day_back(on, n)
    if back is None:
        assert calendar.school_day_number(START - timedelta(days=31), on) < n
    else:
        assert calendar.is_school_day(back) and back <= on
        assert calendar.school_day_number(back, on) == n
