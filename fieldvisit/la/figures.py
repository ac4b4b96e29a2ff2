"""The figures an LA reports on its children missing education, over the last year.

Referrals by month; how the referred cases ended, by reason; how long it took to locate the
child, in school days from the referral to the case closing (the referral's own day is day
1), median and 90th percentile; children found out of the area (gone abroad, or on roll at
a school in another LA); and children referred again within 12 months of an earlier
referral. Each is a handful of queries over the year's referrals, whatever the size of the
LA's history.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from fieldvisit.cases.models import Case, Outcome
from fieldvisit.core.dates import uk_date
from fieldvisit.la.queries import Ref
from fieldvisit.outcomes.models import DestinationConfirmation, OutcomeRecord
from fieldvisit.schools.models import LocalAuthority, School
from fieldvisit.schools.services import calendars_for_schools

REPEAT_WITHIN = timedelta(days=365)
# Closed because the child left the area: found abroad, or in another LA's area.
AWAY = frozenset({Outcome.MOVED_ABROAD, Outcome.MOVED_OTHER_LA})


@dataclass
class Figures:
    by_month: list[tuple[date, int]] = field(default_factory=list)
    outcomes: list[tuple[str, int]] = field(default_factory=list)
    located: int = 0
    median_days: int | None = None
    p90_days: int | None = None
    out_of_area: int = 0
    repeat_pupils: int = 0


def build_figures(session: Session, *, today: date, since: datetime) -> Figures:
    """The year's figures: referrals first made since `since`, cases closed since then."""
    figures = Figures()
    # Counted by day in the database (a year is at most 366 rows, however many referrals),
    # the day as stored, in UTC: a referral made in the first hour of a month in summer time
    # counts in the month before.
    day = func.date(Ref.submitted_at)
    months: Counter[date] = Counter()
    for on, n in session.execute(
        select(day, func.count())
        .where(Ref.first_submission.is_(True), Ref.submitted_at >= since)
        .group_by(day)
    ):
        months[_as_date(on).replace(day=1)] += n
    first_month = uk_date(since).replace(day=1)
    figures.by_month = [(m, months.get(m, 0)) for m in _months(first_month, today)]

    # A case has one first submission; `case_closed` keeps the join to the closed ones.
    referred_closed = and_(Ref.first_submission.is_(True), Ref.case_closed.is_(True))
    closed = session.execute(
        select(Case.school_id, Case.outcome, Case.closed_at, Ref.submitted_at.label("at"))
        .select_from(Ref)
        .join(Case, Case.id == Ref.case_id)
        .where(referred_closed, Case.closed_at >= since)
    ).all()
    reasons = Counter(row.outcome for row in closed if row.outcome is not None)
    figures.outcomes = [
        (outcome.label, reasons[outcome]) for outcome in Outcome if reasons[outcome]
    ]
    schools = list(
        session.scalars(select(School).where(School.id.in_({r.school_id for r in closed})))
    )
    calendars = calendars_for_schools(session, schools)
    days = sorted(
        calendars[row.school_id].school_day_number(uk_date(row.at), uk_date(row.closed_at))
        for row in closed
        if row.closed_at >= row.at
    )
    figures.located = len(days)
    if days:
        figures.median_days = days[(len(days) - 1) // 2]
        figures.p90_days = days[math.ceil(0.9 * len(days)) - 1]
    figures.out_of_area = sum(1 for row in closed if row.outcome in AWAY) + _on_roll_elsewhere(
        session, since, referred_closed
    )
    figures.repeat_pupils = _repeats(session, since)
    return figures


def _as_date(value: date | str) -> date:
    """SQLite's date() answers text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _months(first: date, today: date) -> list[date]:
    months, month = [], first
    while month <= today:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _on_roll_elsewhere(session: Session, since: datetime, referred: ColumnElement[bool]) -> int:
    """Count the referred cases closed since `since` on roll at a school in another LA."""
    ours = {name.strip().lower() for name in session.scalars(select(LocalAuthority.name))}
    elsewhere = session.scalars(
        select(DestinationConfirmation.local_authority)
        .join(OutcomeRecord, OutcomeRecord.id == DestinationConfirmation.outcome_id)
        .join(Case, Case.id == OutcomeRecord.case_id)
        .join(Ref, Ref.case_id == Case.id)
        .where(referred, Case.closed_at >= since)
    )
    return sum(1 for la in elsewhere if la.strip().lower() not in ours)


def _repeats(session: Session, since: datetime) -> int:
    """Pupils first referred in the year who had been referred on another case in the 12
    months before. Only pupils with two referrals in the two years are read."""
    window = and_(Ref.first_submission.is_(True), Ref.submitted_at >= since - REPEAT_WITHIN)
    twice = select(Ref.pupil_id).where(window).group_by(Ref.pupil_id).having(func.count() > 1)
    referrals: dict[int, list[datetime]] = defaultdict(list)
    for pupil_id, at in session.execute(
        select(Ref.pupil_id, Ref.submitted_at)
        .where(window, Ref.pupil_id.in_(twice))
        .order_by(Ref.submitted_at)
    ):
        referrals[pupil_id].append(at)
    return sum(
        1
        for times in referrals.values()
        if any(
            later >= since and later - earlier <= REPEAT_WITHIN
            for earlier, later in zip(times, times[1:], strict=False)
        )
    )
