"""The waiting period of joint enquiries, in calendar days or the school's school days."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.core.dates import today_in_uk, uk_date
from fieldvisit.core.errors import TransitionRefused
from fieldvisit.la.overview import build_overview
from fieldvisit.referrals import involvements
from fieldvisit.schools.models import LocalAuthority, PeriodUnit
from fieldvisit.schools.services import (
    calendar_for,
    waiting_period,
    waiting_period_ended_if_accepted_by,
    waiting_period_ends,
)
from tests.referrals.helpers import accepted_case

# An autumn term ending on Friday 18 December 2026, spring starting on Tuesday 5 January.
CHRISTMAS = SchoolCalendar(
    (
        Term("Autumn", date(2026, 9, 3), date(2026, 12, 18)),
        Term("Spring", date(2027, 1, 5), date(2027, 3, 26)),
    ),
    frozenset(),
)


def _la(days: int, unit: PeriodUnit) -> LocalAuthority:
    return LocalAuthority(
        name="Test", la_code="873", removal_after_days=days, removal_after_unit=unit
    )


def test_four_calendar_weeks_over_christmas_hold_nine_school_days():
    la = _la(28, PeriodUnit.CALENDAR_DAYS)
    accepted = date(2026, 12, 7)
    ends = waiting_period_ends(CHRISTMAS, la, accepted)
    assert ends == date(2027, 1, 4)
    assert CHRISTMAS.school_day_number(accepted, ends - timedelta(days=1)) == 10
    assert waiting_period(la) == "4 weeks"


def test_twenty_school_days_over_christmas_run_into_january():
    la = _la(20, PeriodUnit.SCHOOL_DAYS)
    accepted = date(2026, 12, 7)  # a Monday: 10 school days before the holiday, 10 after
    assert waiting_period_ends(CHRISTMAS, la, accepted) == date(2027, 1, 19)
    assert waiting_period(la) == "20 school days"
    # The reverse, as the LA overview asks it in SQL: accepted on 7 December, ended by the 19th.
    assert waiting_period_ended_if_accepted_by(CHRISTMAS, la, date(2027, 1, 19)) == accepted
    assert waiting_period_ended_if_accepted_by(CHRISTMAS, la, date(2027, 1, 18)) == date(
        2026, 12, 4
    )


def test_past_the_last_term_says_which_dates_to_add():
    la = _la(20, PeriodUnit.SCHOOL_DAYS)
    with pytest.raises(ValueError, match="add the next year's term dates"):
        waiting_period_ends(CHRISTMAS, la, date(2027, 3, 15))


@pytest.mark.parametrize("days, expected", [(7, "1 week"), (30, "30 days"), (1, "1 day")])
def test_calendar_periods_are_named_in_weeks_where_they_can_be(days, expected):
    assert waiting_period(_la(days, PeriodUnit.CALENDAR_DAYS)) == expected


def _count_in_school_days(session, world, n: int = 20) -> None:
    world.la.removal_after_days = n
    world.la.removal_after_unit = PeriodUnit.SCHOOL_DAYS
    session.flush()


def test_the_engine_and_the_clock_count_school_days(session, world):
    _count_in_school_days(session, world)
    case, _, involvement = accepted_case(session, world, days_ago=40)
    opened_on = uk_date(involvement.opened_at)
    calendar = calendar_for(session, case.school)
    ends = calendar.date_of_school_day(opened_on, 20) + timedelta(days=1)
    clock = involvements.involvement_clock(case, involvement, today=ends - timedelta(days=1))
    assert (clock.removal_from, clock.elapsed, clock.period) == (ends, False, "20 school days")
    assert clock.school_days_held == 20
    with pytest.raises(TransitionRefused) as refused:
        involvements.agree_removal(session, world.laao, case, today=ends - timedelta(days=1))
    assert refused.value.blocked[0].unlocks_on == ends
    assert "20 school days after the LA accepted" in refused.value.message
    if ends <= today_in_uk():
        involvements.agree_removal(session, world.laao, case, today=ends)
        assert involvement.removal_agreed_by_id == world.laao.id


def test_the_overview_counts_overdue_involvements_in_school_days(session, world):
    _count_in_school_days(session, world)
    case, _, involvement = accepted_case(session, world, days_ago=40)
    opened_on = uk_date(involvement.opened_at)
    ends = calendar_for(session, case.school).date_of_school_day(opened_on, 20) + timedelta(days=1)
    assert build_overview(session, today=ends - timedelta(days=1)).overdue_total == 0
    assert build_overview(session, today=ends).overdue_total == 1


def test_the_admin_sets_the_unit_and_the_pages_say_it(client_for, session, world, signed_in):
    client = signed_in(world.admin)
    answer = client.post(
        "/admin/settings",
        data={
            "name": world.la.name,
            "referral_school_day": "10",
            "vulnerable_referral_school_day": "5",
            "removal_after_days": "20",
            "removal_after_unit": "school_days",
        },
    )
    assert answer.status_code == 302
    session.refresh(world.la)
    assert world.la.removal_after_unit == PeriodUnit.SCHOOL_DAYS
    page = client.get("/admin/settings").get_data(as_text=True)
    assert 'value="school_days" checked' in page
    refused = client.post(
        "/admin/settings",
        data={
            "name": world.la.name,
            "referral_school_day": "10",
            "vulnerable_referral_school_day": "5",
            "removal_after_days": "20",
            "removal_after_unit": "fortnights",
        },
    ).get_data(as_text=True)
    assert "Choose calendar days or school days." in refused
    case, _, _ = accepted_case(session, world, days_ago=5)
    session.commit()
    page = client_for(world.laao).get(f"/cases/{case.id}/involvement").get_data(as_text=True)
    assert "Waiting period (20 school days)" in page
