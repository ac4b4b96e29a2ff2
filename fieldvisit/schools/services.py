"""Look up schools' calendars, and count the LA's waiting period on them."""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.core.calendar import SchoolCalendar, Term, academic_year_start
from fieldvisit.schools.models import Closure, LocalAuthority, PeriodUnit, School
from fieldvisit.schools.models import Term as TermRow


def current_la(session: Session) -> LocalAuthority | None:
    """Return the local authority this installation serves (product.md: one LA)."""
    return session.scalar(select(LocalAuthority).order_by(LocalAuthority.id).limit(1))


def calendar_for(session: Session, school: School) -> SchoolCalendar:
    """Return the school's calendar: its terms (its own, else the LA's) and closures."""
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
    school_ids = [school.id for school in schools]
    terms_by_la: dict[int, list[Term]] = {la_id: [] for la_id in la_ids}
    own_terms: dict[int, list[Term]] = {}
    for row in session.scalars(
        select(TermRow)
        .where(
            TermRow.local_authority_id.in_(la_ids),
            TermRow.school_id.is_(None) | TermRow.school_id.in_(school_ids),
        )
        .order_by(TermRow.starts_on)
    ):
        term = Term(row.name, row.starts_on, row.ends_on)
        if row.school_id is None:
            terms_by_la[row.local_authority_id].append(term)
        else:
            own_terms.setdefault(row.school_id, []).append(term)
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
        terms = school_terms(terms_by_la[school.local_authority_id], own_terms.get(school.id, []))
        calendars[school.id] = _build(terms, days)
    return calendars


def school_terms(la_terms: list[Term], own: list[Term]) -> tuple[Term, ...]:
    """Return the terms a school keeps: its own in the academic years it set any, else the LA's."""
    own_years = {academic_year_start(term.starts_on) for term in own}
    kept = [t for t in la_terms if academic_year_start(t.starts_on) not in own_years]
    return tuple(sorted([*kept, *own], key=lambda term: term.starts_on))


def waiting_period(la: LocalAuthority) -> str:
    """Name the LA's waiting period of joint enquiries: "4 weeks", "30 days", "20 school days"."""
    n = la.removal_after_days
    if la.removal_after_unit == PeriodUnit.SCHOOL_DAYS:
        return f"{n} school day{'s' if n != 1 else ''}"
    if n % 7 == 0:
        return f"{n // 7} week{'s' if n != 7 else ''}"
    return f"{n} day{'s' if n != 1 else ''}"


def waiting_period_ends(calendar: SchoolCalendar, la: LocalAuthority, accepted_on: date) -> date:
    """Return the first date removal from roll can be agreed after the LA accepted on a date.

    In calendar days: that many days after acceptance (four weeks: the same weekday), the
    day of acceptance being the first of them. In school days: the day after that many
    school days of enquiries by the school's calendar, the day of acceptance counting if it
    is one; a ValueError names the missing term dates if the calendar runs out.
    """
    n = la.removal_after_days
    if la.removal_after_unit == PeriodUnit.SCHOOL_DAYS:
        return calendar.date_of_school_day(accepted_on, n) + timedelta(days=1)
    return accepted_on + timedelta(days=n)


def waiting_period_ended_if_accepted_by(
    calendar: SchoolCalendar, la: LocalAuthority, today: date
) -> date | None:
    """Return the latest acceptance date whose waiting period has ended by today.

    The reverse of waiting_period_ends, for a list that asks it in SQL of many involvements;
    None when no acceptance in the calendar's reach qualifies.
    """
    n = la.removal_after_days
    if la.removal_after_unit != PeriodUnit.SCHOOL_DAYS:
        return today - timedelta(days=n)
    # Ended when n school days lie between acceptance (counted) and yesterday.
    return calendar.school_day_back(today - timedelta(days=1), n)
