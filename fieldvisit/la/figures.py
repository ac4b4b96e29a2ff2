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
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, func, select
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
    outcomes: list[tuple[Outcome, int]] = field(default_factory=list)
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
        select(day, func.count()).where(first_referred_since(since)).group_by(day)
    ):
        months[as_date(on).replace(day=1)] += n
    first_month = uk_date(since).replace(day=1)
    figures.by_month = [(m, months.get(m, 0)) for m in _months(first_month, today)]

    closed = closed_referred(session, since)
    reasons = Counter(row.outcome for row in closed if row.outcome is not None)
    figures.outcomes = [(outcome, reasons[outcome]) for outcome in Outcome if reasons[outcome]]
    schools = list(
        session.scalars(select(School).where(School.id.in_({r.school_id for r in closed})))
    )
    calendars = calendars_for_schools(session, schools)
    days = sorted(
        calendars[row.school_id].school_day_number(uk_date(row.at), uk_date(row.closed_at))
        for row in closed
        if row.closed_at >= row.at  # as `located` counts
    )
    figures.located = len(days)
    if days:
        figures.median_days = days[(len(days) - 1) // 2]
        figures.p90_days = days[math.ceil(0.9 * len(days)) - 1]
    figures.out_of_area = len(out_of_area(session, since, closed))
    figures.repeat_pupils = len(repeat_pupils(session, since))
    return figures


def first_referred_since(since: datetime) -> ColumnElement[bool]:
    """Say, in SQL on the referrals, which are cases' first referrals made since `since`."""
    return and_(Ref.first_submission.is_(True), Ref.submitted_at >= since)


# A case has one first submission; `case_closed` keeps the join to the closed ones.
REFERRED_CLOSED = and_(Ref.first_submission.is_(True), Ref.case_closed.is_(True))


def closed_referred(session: Session, since: datetime) -> list[Row[Any]]:
    """The referred cases closed since `since`: id, school, outcome, closed and referred at."""
    return list(
        session.execute(
            select(
                Case.id,
                Case.school_id,
                Case.outcome,
                Case.closed_at,
                Ref.submitted_at.label("at"),
            )
            .select_from(Ref)
            .join(Case, Case.id == Ref.case_id)
            .where(REFERRED_CLOSED, Case.closed_at >= since)
        )
    )


def located(closed: list[Row[Any]]) -> list[int]:
    """The closed cases that count for the time to locate: closed after their referral."""
    return [row.id for row in closed if row.closed_at >= row.at]


def out_of_area(session: Session, since: datetime, closed: list[Row[Any]]) -> list[int]:
    """The closed cases found out of the area: abroad, in another LA's area, or on roll at a
    school in another LA."""
    return [row.id for row in closed if row.outcome in AWAY] + _on_roll_elsewhere(session, since)


def as_date(value: date | str) -> date:
    """SQLite's date() answers text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _months(first: date, today: date) -> list[date]:
    months, month = [], first
    while month <= today:
        months.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return months


def _on_roll_elsewhere(session: Session, since: datetime) -> list[int]:
    """The referred cases closed since `since` on roll at a school in another LA."""
    ours = {name.strip().lower() for name in session.scalars(select(LocalAuthority.name))}
    elsewhere = session.execute(
        select(Case.id, DestinationConfirmation.local_authority)
        .join(OutcomeRecord, OutcomeRecord.id == DestinationConfirmation.outcome_id)
        .join(Case, Case.id == OutcomeRecord.case_id)
        .join(Ref, Ref.case_id == Case.id)
        .where(REFERRED_CLOSED, Case.closed_at >= since)
    )
    return [case_id for case_id, la in elsewhere if la.strip().lower() not in ours]


def repeat_pupils(session: Session, since: datetime) -> dict[int, int]:
    """Pupils first referred in the year who had been referred on another case in the 12
    months before, each with the case of their latest such referral. Only pupils with two
    referrals in the two years are read."""
    window = and_(Ref.first_submission.is_(True), Ref.submitted_at >= since - REPEAT_WITHIN)
    twice = select(Ref.pupil_id).where(window).group_by(Ref.pupil_id).having(func.count() > 1)
    referrals: dict[int, list[tuple[datetime, int]]] = defaultdict(list)
    for pupil_id, at, case_id in session.execute(
        select(Ref.pupil_id, Ref.submitted_at, Ref.case_id)
        .where(window, Ref.pupil_id.in_(twice))
        .order_by(Ref.submitted_at)
    ):
        referrals[pupil_id].append((at, case_id))
    repeats = {}
    for pupil_id, times in referrals.items():
        for (earlier, _), (later, case_id) in zip(times, times[1:], strict=False):
            if later >= since and later - earlier <= REPEAT_WITHIN:
                repeats[pupil_id] = case_id
    return repeats
