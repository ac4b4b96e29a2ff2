"""Look up schools' calendars."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.schools.models import Closure, School
from fieldvisit.schools.models import Term as TermRow


def calendar_for(session: Session, school: School) -> SchoolCalendar:
    """Return the school's calendar: the LA's terms and the LA's and school's closures."""
    return calendars_for_schools(session, [school])[school.id]


@lru_cache(maxsize=64)
def _build(terms: tuple[Term, ...], closures: frozenset[date]) -> SchoolCalendar:
    """Build once per distinct set of dates: bank-holiday lookups are the slow part."""
    return SchoolCalendar(terms, closures)


def calendars_for_schools(session: Session, schools: list[School]) -> dict[int, SchoolCalendar]:
    """Return each school's calendar, in two queries however many schools there are."""
    la_ids = {school.local_authority_id for school in schools}
    if not la_ids:
        return {}
    terms_by_la: dict[int, list[Term]] = {la_id: [] for la_id in la_ids}
    for row in session.scalars(
        select(TermRow).where(TermRow.local_authority_id.in_(la_ids)).order_by(TermRow.starts_on)
    ):
        terms_by_la[row.local_authority_id].append(Term(row.name, row.starts_on, row.ends_on))
    closures = session.execute(
        select(Closure.local_authority_id, Closure.school_id, Closure.on).where(
            Closure.local_authority_id.in_(la_ids)
        )
    ).all()
    calendars = {}
    for school in schools:
        days = frozenset(
            on
            for la_id, school_id, on in closures
            if la_id == school.local_authority_id and school_id in (None, school.id)
        )
        calendars[school.id] = _build(tuple(terms_by_la[school.local_authority_id]), days)
    return calendars
