"""The LAAO queue and the LA overview: what they count and show."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

from sqlalchemy import select

from fieldvisit.core.dates import today_in_uk
from fieldvisit.la.overview import build_overview
from fieldvisit.la.queries import age_on, queue_page
from fieldvisit.referrals import services as referrals
from fieldvisit.schools.models import Term
from fieldvisit.schools.services import calendar_for
from tests.referrals.helpers import accepted_case, locating_case, referred_case


def _mixed_queue(session, world):
    new, _ = referred_case(session, world, school_day=12)
    returned, referral = referred_case(session, world, school_day=14, school=world.other_school)
    referrals.return_referral(session, world.laao, referral, reason="More enquiries.")
    opened, _, _ = accepted_case(session, world, days_ago=30, school_day=30)
    return new, returned, opened


def test_queue_counts_and_filters(session, world):
    new, returned, opened = _mixed_queue(session, world)
    today = today_in_uk()
    page = queue_page(session, world.laao, today=today)
    assert page.counts == {"new": 1, "returned": 1, "open": 1, "closed": 0}
    assert [row.state for row in page.rows] == ["new", "returned", "open"]
    row = page.rows[0]
    assert row.case_id == new.id
    assert row.school_day == 12
    assert row.age == age_on(new.pupil.date_of_birth, today)
    assert row.vulnerability == "Not vulnerable"
    assert page.rows[2].laao_name == world.laao.name
    only = queue_page(session, world.laao, states=("returned",), today=today)
    assert [r.case_id for r in only.rows] == [returned.id] and only.total == 1
    school = queue_page(session, world.laao, school_id=world.other_school.id, today=today)
    assert [r.case_id for r in school.rows] == [returned.id]


def test_queue_page_filters_by_state_and_school(client_for, session, world):
    new, returned, opened = _mixed_queue(session, world)
    session.commit()
    laao = client_for(world.laao)
    page = laao.get("/la/referrals").get_data(as_text=True)
    assert all(c.pupil.full_name in page for c in (new, returned, opened))
    assert "Returned (1)" in page
    page = laao.get("/la/referrals?state=open").get_data(as_text=True)
    assert opened.pupil.full_name in page and new.pupil.full_name not in page
    page = laao.get(f"/la/referrals?school={world.other_school.id}").get_data(as_text=True)
    assert returned.pupil.full_name in page and new.pupil.full_name not in page


def test_overview_counts_by_school_and_deadline(session, world):
    _mixed_queue(session, world)
    locating_case(session, world, school_day=12)  # past day 10, not referred
    locating_case(session, world, school_day=3)  # not yet due
    locating_case(session, world, school_day=7, vulnerabilities=["medical"])  # past day 5
    today = today_in_uk()
    data = build_overview(session, today=today)
    lines = {line.name: line for line in data.schools}
    riverside, fenland = lines["Riverside Primary School"], lines["Fenland Academy"]
    assert (riverside.new, riverside.open, riverside.past_deadline) == (1, 1, 2)
    assert (fenland.returned, fenland.referred_last_year) == (1, 1)
    assert [o.days_open for o in data.overdue] == [30]
    assert data.weekly_open[-1] == (today, 1)
    assert data.weekly_open[-6][1] == 0  # accepted 30 days ago
    assert sum(n for _, n in data.delays) == 3
    assert dict(data.delays)["11 to 15"] == 2


def test_overview_counts_schools_on_their_own_calendars_too(session, world):
    """A school with its own term dates is counted on them: the overview asks per calendar,
    naming the schools only when a calendar is not every school's."""
    la_terms = session.scalars(
        select(Term).where(Term.local_authority_id == world.la.id, Term.school_id.is_(None))
    ).all()
    for term in la_terms:  # the same dates, as Fenland's own: a second calendar
        session.add(
            Term(
                local_authority_id=world.la.id,
                school_id=world.other_school.id,
                name=term.name,
                starts_on=term.starts_on,
                ends_on=term.ends_on,
            )
        )
    session.flush()
    locating_case(session, world, school_day=12)
    locating_case(session, world, school_day=12, school=world.other_school)
    locating_case(session, world, school_day=3, school=world.other_school)
    data = build_overview(session, today=today_in_uk())
    lines = {line.name: line.past_deadline for line in data.schools}
    assert lines == {"Riverside Primary School": 1, "Fenland Academy": 1}


def test_school_day_back(session, world):
    calendar = calendar_for(session, world.school)
    today = today_in_uk()
    day = calendar.school_day_back(today, 11)
    assert calendar.school_day_number(day, today) == 11
    assert calendar.school_day_number(day + timedelta(days=1), today) <= 10


def test_overview_page_has_charts_with_tables(client_for, session, world):
    _mixed_queue(session, world)
    session.commit()
    page = client_for(world.laao).get("/la/overview").get_data(as_text=True)
    assert page.count('role="img"') == 2
    assert 'aria-labelledby="open-weekly-title open-weekly-desc"' in page
    assert '<title id="referral-delay-title">' in page
    assert len(re.findall(r'<rect class="fv-chart__bar"', page)) == 52 + 6
    assert "Referrals by school days taken" in page
    assert "style=" not in page  # the CSP allows no inline styles


def test_the_queue_searches_by_name_upn_reference_and_school(session, world):
    new, returned, opened = _mixed_queue(session, world)
    today = today_in_uk()

    def found(q: str) -> list[int]:
        return [r.case_id for r in queue_page(session, world.laao, search=q, today=today).rows]

    assert found(new.pupil.surname.upper()) == [new.id]
    assert found(f"{opened.pupil.forename} {opened.pupil.surname}") == [opened.id]
    assert found(returned.pupil.upn.lower()) == [returned.id]
    assert found(f"C{opened.id:06d}") == [opened.id]
    referral_id = queue_page(session, world.laao, search=f"C{new.id}", today=today).rows[0]
    assert found(referral_id.reference) == [new.id]
    assert found(world.other_school.name[:6].lower()) == [returned.id]
    assert found("nobody at all") == []


def test_the_queue_sorts_and_dates_the_waiting_period(session, world):
    new, returned, opened = _mixed_queue(session, world)
    today = today_in_uk()

    def order(sort: str) -> list[int]:
        return [r.case_id for r in queue_page(session, world.laao, sort=sort, today=today).rows]

    assert order("priority") == [new.id, returned.id, opened.id]
    assert order("school_day") == [opened.id, returned.id, new.id]  # longest absent first
    assert order("received")[0] != order("received")[-1]
    by_school = order("school")
    assert by_school.index(returned.id) == (0 if world.other_school.name < world.school.name else 2)
    row = next(r for r in queue_page(session, world.laao, today=today).rows if r.state == "open")
    assert row.removal_from is not None and row.removal_from <= today  # accepted 30 days ago


def test_the_queue_page_posts_its_search(client_for, session, world):
    new, returned, opened = _mixed_queue(session, world)
    session.commit()
    laao = client_for(world.laao)
    page = laao.post("/la/referrals", data={"q": new.pupil.surname, "sort": "name"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and new.pupil.full_name in html
    assert opened.pupil.full_name not in html and "1 referral match the search" in html
    assert new.pupil.surname not in page.request.url
    home = laao.get("/la/referrals").get_data(as_text=True)
    assert "Removal can be agreed from" in home
    cleared = laao.post("/la/referrals", data={"q": "", "sort": "name"})
    assert cleared.status_code == 302 and cleared.location.endswith("/la/referrals?sort=name")


def test_the_overview_counts_who_was_referred_and_exports_every_number(client_for, session, world):
    ehc, _ = referred_case(session, world)
    ehc.pupil.sen_provision, ehc.pupil.first_language = "E", "OTH"
    traveller, _ = referred_case(session, world)
    traveller.pupil.ethnicity, traveller.pupil.fsm_eligible = "WIRT", True
    referred_case(session, world)  # nothing recorded
    world.school.name = '=HYPERLINK("http://x.example")'  # a name a spreadsheet would run
    session.commit()

    data = build_overview(session, today=today_in_uk())
    client = client_for(world.laao)
    page = client.get("/la/overview").get_data(as_text=True)
    export = client.get("/la/overview.csv")
    text = export.get_data(as_text=True)

    cohort = dict(data.cohort)
    assert data.cohort_total == 3
    assert cohort["Education, health and care plan"] == 1
    assert cohort["English as an additional language"] == 1
    assert cohort["Gypsy, Roma or Traveller"] == 1 and cohort["Eligible for free school meals"] == 1
    assert cohort["None of these recorded"] == 1
    assert "Who was referred" in page and "33%" in page
    assert export.headers["Content-Disposition"].startswith('attachment; filename="cme-overview-')
    rows = list(csv.reader(io.StringIO(text)))
    assert ["Children referred in the last year", "Gypsy, Roma or Traveller", "1"] in rows
    schools = [row[1] for row in rows if row[0] == "New referrals to decide"]
    assert '\'=HYPERLINK("http://x.example")' in schools  # neutralised, never run
    assert client_for(world.school_user).get("/la/overview.csv").status_code == 403
