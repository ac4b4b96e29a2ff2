"""A school's own term dates (an academy's) replace the LA's in that academic year."""

from datetime import date

from sqlalchemy import select

from fieldvisit.core.calendar import Term as CalendarTerm
from fieldvisit.schools.models import Term
from fieldvisit.schools.services import calendar_for, calendars_for_schools, school_terms


def term_form(name, starts, ends, school_id=""):
    return {
        "name": name,
        **{f"starts_on-{k}": str(getattr(starts, k)) for k in ("day", "month", "year")},
        **{f"ends_on-{k}": str(getattr(ends, k)) for k in ("day", "month", "year")},
        "school_id": school_id,
    }


def test_an_academy_s_own_terms_replace_the_la_s_in_every_clock(session, world, signed_in):
    client = signed_in(world.admin)
    la_term = term_form("Autumn 1 2030/31", date(2030, 9, 2), date(2030, 10, 18))
    assert client.post("/admin/calendar/terms", data=la_term).status_code == 302
    academy = world.other_school
    own = term_form("Academy autumn 1", date(2030, 9, 9), date(2030, 10, 25), str(academy.id))
    # The academy's term may overlap the LA's: it replaces it, for the academy only.
    assert client.post("/admin/calendar/terms", data=own).status_code == 302
    row = session.scalar(select(Term).where(Term.name == "Academy autumn 1"))
    assert row.school_id == academy.id
    page = client.get("/admin/calendar").get_data(as_text=True)
    assert "Fenland Academy (its own dates)" in page
    session.expire_all()
    for calendars in (
        {s.id: calendar_for(session, s) for s in (world.school, academy)},
        calendars_for_schools(session, [world.school, academy]),
    ):
        riverside, fenland = calendars[world.school.id], calendars[academy.id]
        assert riverside.is_school_day(date(2030, 9, 3))
        assert not riverside.is_school_day(date(2030, 10, 21))
        assert not fenland.is_school_day(date(2030, 9, 3))
        assert fenland.is_school_day(date(2030, 10, 21))
        # Years the academy set nothing for still follow the LA.
        assert fenland.is_school_day(date(2026, 10, 1)) == riverside.is_school_day(
            date(2026, 10, 1)
        )


def test_a_school_s_terms_may_not_overlap_each_other(session, world, signed_in):
    client = signed_in(world.admin)
    school = str(world.other_school.id)
    first = term_form("Own 1", date(2031, 9, 8), date(2031, 10, 24), school)
    assert client.post("/admin/calendar/terms", data=first).status_code == 302
    clash = term_form("Own 2", date(2031, 10, 20), date(2031, 12, 19), school)
    page = client.post("/admin/calendar/terms", data=clash).get_data(as_text=True)
    assert "These dates overlap Own 1" in page


def test_school_terms_keep_the_la_s_outside_the_years_the_school_set():
    la = [
        CalendarTerm("LA 25/26", date(2025, 9, 3), date(2025, 10, 24)),
        CalendarTerm("LA 26/27", date(2026, 9, 2), date(2026, 10, 23)),
    ]
    own = [CalendarTerm("Own 26/27", date(2026, 9, 7), date(2026, 10, 30))]
    assert [t.name for t in school_terms(la, own)] == ["LA 25/26", "Own 26/27"]
    assert [t.name for t in school_terms(la, [])] == ["LA 25/26", "LA 26/27"]
