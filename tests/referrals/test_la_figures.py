"""The LA's figures for the year, against a hand-counted fixture."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

from fieldvisit.cases import engine
from fieldvisit.cases.engine import Action
from fieldvisit.cases.models import Outcome
from fieldvisit.core.dates import UK_TIME, today_in_uk, utcnow
from fieldvisit.la.figures import build_figures
from fieldvisit.outcomes.models import OutcomeRecord
from fieldvisit.referrals.models import Referral
from fieldvisit.schools.services import calendar_for
from tests.referrals.helpers import referred_case
from tests.support.factories import make_case


def _at(day, hour):
    return datetime.combine(day, time(hour), UK_TIME).astimezone(UTC)


def _a_school_week(session, world):
    """The Monday of a whole school week at least three weeks back."""
    calendar = calendar_for(session, world.school)
    monday = today_in_uk() - timedelta(days=today_in_uk().weekday() + 21)
    while not all(calendar.is_school_day(monday + timedelta(days=n)) for n in range(5)):
        monday -= timedelta(days=7)
    return monday


def _the_year(session, world):
    """Two referred cases closed (found; gone abroad), one open, and a repeat referral."""
    monday = _a_school_week(session, world)
    found, found_referral = referred_case(session, world)
    abroad, abroad_referral = referred_case(session, world)
    referred_case(session, world)  # still open
    engine.apply(session, found, Action.CHILD_FOUND, world.laao)
    engine.apply(session, abroad, Action.MOVED_ABROAD, world.laao)
    session.add(
        OutcomeRecord(
            case_id=abroad.id,
            school_id=abroad.school_id,
            kind=Outcome.MOVED_ABROAD,
            effective_on=monday,
            recorded_by_id=world.laao.id,
            recorded_at=utcnow(),
        )
    )
    # Referred on the Monday: found on the Friday (5 school days), gone abroad by Wednesday (3).
    found_referral.submitted_at = abroad_referral.submitted_at = _at(monday, 9)
    found.closed_at = _at(monday + timedelta(days=4), 15)
    abroad.closed_at = _at(monday + timedelta(days=2), 15)
    # The found child goes missing again and is referred on a new case today: a repeat.
    again = make_case(session, world, pupil=found.pupil)
    session.add(
        Referral(
            case_id=again.id,
            school_id=again.school_id,
            first_submission=True,
            submitted_by_id=world.school_user.id,
            submitted_at=utcnow(),
        )
    )
    session.flush()
    return monday, found, abroad, again


def test_the_years_figures_count_what_happened(session, world):
    monday, *_ = _the_year(session, world)
    since = _at(today_in_uk() - timedelta(weeks=52), 0)

    figures = build_figures(session, today=today_in_uk(), since=since)

    assert figures.outcomes == [(Outcome.FOUND, 1), (Outcome.MOVED_ABROAD, 1)]
    assert (figures.located, figures.median_days, figures.p90_days) == (2, 3, 5)
    assert figures.out_of_area == 1
    assert figures.repeat_pupils == 1
    by_month = dict(figures.by_month)
    assert by_month[monday.replace(day=1)] >= 2 and sum(by_month.values()) == 4
    assert len(figures.by_month) in (12, 13)  # each month of the year, empty ones too


def test_every_figure_lists_the_cases_behind_it(session, world, signed_in):
    monday, found, abroad, again = _the_year(session, world)
    moved, _ = referred_case(session, world)
    engine.apply(session, moved, Action.MOVED_OTHER_LA, world.laao)
    moved.pupil.sen_provision = "E"
    session.commit()
    client = signed_in(world.laao)
    page = client.get("/la/overview").get_data(as_text=True)
    links = dict(re.findall(r'href="/la/overview/cases/([\w-]+)">(\d+)<', page))
    assert links["located"] == "3"
    assert links["out-of-area"] == "2"  # abroad, and moved to another LA's area
    assert links["repeat"] == "1"
    assert links["outcome-found"] == links["outcome-moved_other_la"] == "1"
    assert links["cohort-0"] == "1"  # the EHC plan
    assert sum(int(n) for key, n in links.items() if key.startswith("month-")) == 5
    for key, number in links.items():
        listed = client.get(f"/la/overview/cases/{key}").get_data(as_text=True)
        references = set(re.findall(r">(C\d{6})</a>", listed))
        assert len(references) == int(number), key
    listed = client.get("/la/overview/cases/out-of-area").get_data(as_text=True)
    assert {abroad.reference, moved.reference} == set(re.findall(r">(C\d{6})</a>", listed))
    listed = client.get("/la/overview/cases/repeat").get_data(as_text=True)
    assert again.reference in listed and found.pupil.full_name in listed
    assert client.get("/la/overview/cases/outcome-nothing").status_code == 404
    assert client.get("/la/overview/cases/month-2026-13").status_code == 404
    assert client.get("/la/overview/cases/cohort-99").status_code == 404
    assert signed_in(world.school_user).get("/la/overview/cases/located").status_code == 403
