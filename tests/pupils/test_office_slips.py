"""Office slips the forms catch: a last day attended on a closed day, a year group that
does not fit the date of birth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fieldvisit.cases.models import Case
from fieldvisit.core.dates import today_in_uk
from fieldvisit.pupils.year_groups import expected_year, year_group_problem, year_number
from fieldvisit.schools.services import calendar_for
from tests.pupils.test_pupil_pages import new_pupil
from tests.support.factories import date_fields, make_pupil


def _closed_day_before(calendar, day: date) -> date:
    day -= timedelta(days=1)
    while calendar.is_school_day(day):
        day -= timedelta(days=1)
    return day


def test_a_last_day_attended_on_a_closed_day_asks_to_confirm(session, world, signed_in):
    pupil = make_pupil(session, world.school)
    calendar = calendar_for(session, world.school)
    first = calendar.next_school_day(today_in_uk() - timedelta(days=14))
    closed = _closed_day_before(calendar, first)
    session.commit()
    client = signed_in(world.school_user)
    form = {**date_fields("first_day_of_absence", first), **date_fields("last_attended_on", closed)}
    asked = client.post(f"/pupils/{pupil.id}/open-case", data=form)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 400
    assert "is not a school day by the school&#39;s calendar" in page
    assert 'name="confirm_last_attended"' in page
    assert session.query(Case).filter_by(pupil_id=pupil.id).count() == 0
    confirmed = client.post(
        f"/pupils/{pupil.id}/open-case", data={**form, "confirm_last_attended": "yes"}
    )
    assert confirmed.status_code == 302
    assert session.query(Case).filter_by(pupil_id=pupil.id).one().last_attended_on == closed


def test_a_year_group_that_does_not_fit_the_date_of_birth_is_refused(session, world, signed_in):
    client = signed_in(world.school_user)
    refused = client.post("/pupils/new", data=new_pupil(year_group="9"))
    assert refused.status_code == 400
    assert "is in year 4 this school year, not 9" in refused.get_data(as_text=True)
    assert client.post("/pupils/new", data=new_pupil(year_group="Year 4")).status_code == 302


@pytest.mark.parametrize(
    ("born", "on", "year"),
    [
        (date(2021, 8, 31), date(2026, 9, 1), 1),  # youngest in year 1
        (date(2021, 9, 1), date(2026, 9, 1), 0),  # oldest in reception
        (date(2015, 3, 4), date(2026, 7, 20), 6),  # before the new school year
        (date(2015, 3, 4), date(2026, 9, 3), 7),
    ],
)
def test_the_year_group_follows_the_september_cut_off(born, on, year):
    assert expected_year(born, on) == year


def test_year_group_spellings():
    assert [year_number(t) for t in ("R", "Reception", "N2", "Y7", "year 11", "X")] == [
        0,
        0,
        -1,
        7,
        11,
        None,
    ]
    assert year_group_problem("X", date(2015, 1, 1), date(2026, 12, 1)) is None
    assert year_group_problem("6", date(2015, 1, 1), date(2026, 12, 1)) is None  # one out
