"""Look up a school's calendar."""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from fieldvisit.core.calendar import SchoolCalendar, Term
from fieldvisit.schools.models import Closure, School
from fieldvisit.schools.models import Term as TermRow


def calendar_for(session: Session, school: School) -> SchoolCalendar:
    """Return the school's calendar: the LA's terms and the LA's and school's closures."""
    terms = tuple(
        Term(t.name, t.starts_on, t.ends_on)
        for t in session.scalars(
            select(TermRow)
            .where(TermRow.local_authority_id == school.local_authority_id)
            .order_by(TermRow.starts_on)
        )
    )
    closures = frozenset(
        session.scalars(
            select(Closure.on).where(
                Closure.local_authority_id == school.local_authority_id,
                or_(Closure.school_id.is_(None), Closure.school_id == school.id),
            )
        )
    )
    return _build(terms, closures)


@lru_cache(maxsize=64)
def _build(terms: tuple[Term, ...], closures: frozenset[date]) -> SchoolCalendar:
    """Build once per distinct set of dates: bank-holiday lookups are the slow part."""
    return SchoolCalendar(terms, closures)
